// Headless Debian Chromium driven by playwright-core (which never downloads a browser of its own).
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const CANDIDATES = [process.env.DI_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function chromiumPath() {
  const found = CANDIDATES.find((p) => p && fs.existsSync(p));
  if (!found) throw new Error('no Chromium found: run bash test/vscode/install.sh (or set DI_CHROMIUM)');
  return found;
}

/** Chrome's user agent on other OSes: VS Code in a browser takes its OS (keybindings, Cmd for Ctrl) from it. */
export const USER_AGENTS = {
  mac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  windows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
};

/**
 * A persistent context (profile under the run folder) and its first page, sized like a laptop;
 * `userAgent` (one of USER_AGENTS) makes the workbench take another OS.
 */
export async function launchBrowser(runDir, { userAgent } = {}) {
  const context = await chromium.launchPersistentContext(path.join(runDir, 'browser'), {
    executablePath: chromiumPath(),
    headless: true,
    viewport: { width: 1280, height: 800 },
    ...(userAgent ? { userAgent } : {}),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page, close: () => context.close().catch(() => {}) };
}
