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

/** A persistent context (profile under the run folder) and its first page, sized like a laptop. */
export async function launchBrowser(runDir) {
  const context = await chromium.launchPersistentContext(path.join(runDir, 'browser'), {
    executablePath: chromiumPath(),
    headless: true,
    viewport: { width: 1280, height: 800 },
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
