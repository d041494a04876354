// Helpers for UI tests that drive VS Code (code-server in headless Chromium) the way a person does:
// keyboard and palette in, editor DOM and screenshots out. Used by test/vscode/ui.mjs.
import fs from 'node:fs';
import path from 'node:path';
import { packageTarget } from '../../scripts/package.mjs';
import { launchBrowser } from './browser.mjs';
import { installExtension, makeRunDir, makeWorkspace, repoRoot, sleep, startServer, tail } from './server.mjs';

export const outputDir = path.join(repoRoot, 'test-output');

/** Polls fn until it returns a truthy value (returned), or throws after timeoutMs. */
export async function waitFor(fn, { timeout = 30_000, interval = 200, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let lastError;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`);
    }
    await sleep(interval);
  }
}

/** The linux-x64 .vsix from `npm run package`, rebuilt when a shipped input is newer than it. */
export function packageVsix({ force = false } = {}) {
  return packageTarget('linux-x64', { force });
}

/**
 * A code-server with the .vsix installed (as a user installs it), a workspace (plus `files`, name →
 * content) and a browser page showing the workbench. close() ends the browser and kills the server's process tree.
 */
export async function startUiSession({ vsix, settings = {}, files = {} } = {}) {
  const runDir = makeRunDir('ui');
  const workspace = makeWorkspace(runDir);
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(workspace, name), content);
  let installed = '';
  if (vsix) installed = installExtension(runDir, vsix);
  // code-server gives its child process 10 s for a handshake; on a loaded machine that can pass, and it exits: try again.
  let server;
  for (let attempt = 1; !server; attempt++) {
    try {
      server = await startServer({ runDir, folder: workspace, settings });
    } catch (error) {
      if (attempt >= 3 || !/exited at start[\s\S]*timed out/.test(error.message)) throw error;
      console.log(`[ui] code-server start timed out (attempt ${attempt}); trying again`);
    }
  }
  let browser;
  try {
    browser = await launchBrowser(runDir);
    const { page } = browser;
    await page.goto(`${server.baseUrl}/?folder=${encodeURIComponent(workspace)}`, { timeout: 120_000 });
    await page.waitForSelector('.monaco-workbench', { timeout: 120_000 });
    // Wait for the explorer to list the workspace, then click the workbench so keys reach it.
    await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 120_000 });
    await page.locator('.monaco-workbench').click({ position: { x: 640, y: 400 } });
  } catch (error) {
    await browser?.close();
    await server.stop();
    throw new Error(`${error.message}\ncode-server log:\n${tail(server.logFile, 20)}`);
  }
  return {
    page: browser.page,
    runDir,
    workspace,
    server,
    installed,
    close: async () => {
      await browser.close();
      await server.stop();
    },
  };
}

/** Quick Open (Ctrl+P), type the file name, Enter; resolves when its tab is the active one. */
export async function openFile(page, name) {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(name);
  await waitFor(async () => (await page.locator('.quick-input-list .monaco-list-row').count()) > 0, {
    what: `a Quick Open result for ${name}`,
  });
  await page.keyboard.press('Enter');
  await page.locator('.tab.active', { hasText: name }).waitFor({ timeout: 15_000 });
  await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ timeout: 15_000 });
}

/** A quick typist's gap between two keys. */
const PERSON_MS = 150;

/** Presses `keys` one after another as a person does. */
export async function press(page, ...keys) {
  for (const key of keys) {
    await page.keyboard.press(key);
    await sleep(PERSON_MS);
  }
}

/** Opens a file by name with Quick Open (waiting for its row) and focuses its text. */
export async function openByName(page, name) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().click({ timeout: 15_000 });
  await page.locator('.tab.active', { hasText: name }).waitFor({ timeout: 15_000 });
  await focusEditor(page);
}

/** Ctrl+G to a line (1-based); the cursor lands at its first column. */
export async function goToLine(page, line) {
  await page.keyboard.press('Control+G');
  await page.keyboard.type(String(line));
  await press(page, 'Enter', 'Home', 'Home'); // Home twice: column 1 even on an indented line
}

/** The command palette's rows for a query (F1, type), closing it again with Escape. */
export async function paletteEntries(page, query) {
  await openPalette(page, query);
  await sleep(300); // let the list filter settle
  const labels = await page.locator('.quick-input-list .monaco-list-row .label-name').allTextContents();
  await page.keyboard.press('Escape');
  return labels.map((label) => label.trim());
}

async function openPalette(page, query) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(`>${query}`);
}

/** Runs a command by its palette title with the keyboard: F1, the title, Enter. */
export async function runCommand(page, title) {
  await openPalette(page, title);
  // Enter runs the focused (first) row: wait until that row is the command asked for.
  const first = page.locator('.quick-input-list .monaco-list-row').first();
  await waitFor(async () => (await first.locator('.label-name').first().textContent())?.trim() === title, {
    timeout: 15_000,
    what: `"${title}" as the first palette entry`,
  });
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 15_000 });
}

/** The open quick pick's row whose label is exactly `label` (icons aside). */
export function quickPickRow(page, label) {
  const exact = new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
  return page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exact }) }).first();
}

/** Runs a command that asks with a quick pick (e.g. Preferences: Color Theme), then picks `choice` by typing it. */
export async function runCommandAndPick(page, title, choice) {
  await openPalette(page, title);
  // Similar commands can rank above it (Browse Color Themes in Marketplace): click the exact one.
  await quickPickRow(page, title).click({ timeout: 15_000 });
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await waitFor(async () => (await input.isVisible()) && !(await input.inputValue()).startsWith('>'), { timeout: 15_000, what: `the pick of "${title}"` });
  await input.fill(choice);
  await quickPickRow(page, choice).click({ timeout: 15_000 });
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 15_000 });
}

/** Clicks into the active editor's text so typing goes there. */
export async function focusEditor(page) {
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
}

const activeEditor = '.editor-group-container.active .editor-instance .monaco-editor';

/** The visible lines of the active editor, top to bottom (Monaco renders them out of order). */
export async function readEditorLines(page) {
  return page.$$eval(`${activeEditor} .view-lines .view-line`, (lines) =>
    lines
      .map((line) => ({ top: parseFloat(line.style.top) || 0, text: line.textContent.replace(/\u00a0/g, ' ') }))
      .sort((a, b) => a.top - b.top)
      .map((line) => line.text),
  );
}

/**
 * Every text span in the active editor's visible lines with its classes and computed colours:
 * decorations from the extension show up as extra classes (and ::before/::after content).
 */
export async function editorSpans(page) {
  return page.$$eval(`${activeEditor} .view-lines .view-line span span`, (spans) =>
    spans.map((span) => {
      const style = getComputedStyle(span);
      const before = getComputedStyle(span, '::before').content;
      const after = getComputedStyle(span, '::after').content;
      return {
        text: span.textContent.replace(/\u00a0/g, ' '),
        className: span.className,
        color: style.color,
        background: style.backgroundColor,
        textDecoration: style.textDecorationLine,
        before: before === 'none' ? '' : before,
        after: after === 'none' ? '' : after,
      };
    }),
  );
}

/** Spans that carry a decoration (a class beyond Monaco's own token classes mtk1, mtkb, mtki...). */
export async function decorationSpans(page) {
  const spans = await editorSpans(page);
  return spans.filter((span) => span.className.split(/\s+/).some((c) => c && !/^mtk[a-z0-9]*$/.test(c)));
}

/** The status bar's texts (cursor position, selection count, the extension's own items). */
export async function statusBarTexts(page) {
  const texts = await page.locator('.statusbar-item').allTextContents();
  return texts.map((t) => t.trim()).filter(Boolean);
}

/** Saves a PNG of the page into test-output/ and returns its path. */
export async function screenshot(page, name) {
  fs.mkdirSync(outputDir, { recursive: true });
  const file = path.join(outputDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file });
  return file;
}

/**
 * Runs UI tests one after another, each bounded by its own timeout, a screenshot on failure, and
 * prints the closing line `<label>: N passed, N failed`. Returns the exit code.
 */
export async function runUiTests(session, tests, { testTimeoutMs = 180_000, label = 'ui' } = {}) {
  let passed = 0;
  let failed = 0;
  for (const test of tests) {
    const started = Date.now();
    let timer;
    try {
      await Promise.race([
        test.fn(session),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${testTimeoutMs} ms`)), testTimeoutMs);
        }),
      ]);
      passed += 1;
      console.log(`  ✔ ${test.name} (${Date.now() - started} ms)`);
    } catch (error) {
      failed += 1;
      console.log(`  ✘ ${test.name} (${Date.now() - started} ms)\n    ${String(error?.stack ?? error).replace(/\n/g, '\n    ')}`);
      await screenshot(session.page, `ui-failed-${test.name}`).catch(() => {});
    } finally {
      clearTimeout(timer);
    }
  }
  console.log(`${label}: ${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}
