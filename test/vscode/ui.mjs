// UI test on the installed .vsix, driven as a person would: keyboard, palette, editor DOM.
//   node test/vscode/ui.mjs        (needs bash test/vscode/install.sh; packages the .vsix if stale)
// Screenshots go to test-output/. Ends with `ui: N passed, N failed`; exits non-zero on failure.
// DI_UI_TIMEOUT_MS bounds the whole run (default 10 min).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {
  focusEditor,
  openFile,
  packageVsix,
  paletteEntries,
  quickPickRow,
  readEditorLines,
  runCommand,
  screenshot,
  startUiSession,
  statusBarTexts,
  runUiTests,
  waitFor,
} from './ui-helpers.mjs';
import { INFILL_UI_SETTINGS, infillSelectionUiTest } from './ui-infill.mjs';

const EXTENSION_ID = 'diffusion-infill.diffusion-infill';
const overallMs = Number(process.env.DI_UI_TIMEOUT_MS ?? 10 * 60_000);

const tests = [
  {
    name: 'the .vsix installs into code-server',
    fn: async ({ installed }) => {
      const { version } = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
      assert.ok(installed.split('\n').includes(`${EXTENSION_ID}@${version}`), `not installed:\n${installed}`);
    },
  },
  {
    name: "the extension's commands are in the palette",
    fn: async ({ page }) => {
      const labels = await waitFor(
        async () => {
          const found = await paletteEntries(page, 'Diffusion Infill');
          return found.some((label) => label.startsWith('Diffusion Infill:')) && found;
        },
        { timeout: 60_000, what: 'Diffusion Infill commands in the palette' },
      );
      console.log(`    palette: ${labels.join(' | ')}`);
    },
  },
  {
    name: 'open a file, type, Select All from the palette',
    fn: async ({ page }) => {
      await openFile(page, 'story.txt');
      await focusEditor(page);
      await page.keyboard.press('Control+End');
      await page.keyboard.type('The fishermen came home at dusk.');
      const lines = await waitFor(
        async () => {
          const now = await readEditorLines(page);
          return now.some((line) => line === 'The fishermen came home at dusk.') && now; // the last key may render a frame later
        },
        { what: 'the typed text in the editor' },
      );
      assert.equal(lines[0], 'Once upon a time, there was a small village by the sea.');
      assert.equal(lines[1], 'The fishermen came home at dusk.');

      await runCommand(page, 'Select All');
      // The status bar counts the selection: both lines, 55 + 1 (newline) + 32 characters.
      const selected = await waitFor(
        async () => (await statusBarTexts(page)).find((text) => /\(\d+ selected\)/.test(text)),
        { what: 'a selection count in the status bar' },
      );
      assert.match(selected, /\(88 selected\)/);
      assert.ok((await page.locator('.editor-instance .selected-text').count()) > 0, 'no selection drawn');
      console.log(`    lines: ${JSON.stringify(lines)}; status: ${selected}`);
      console.log(`    screenshot: ${await screenshot(page, 'ui-select-all')}`);
    },
  },
  infillSelectionUiTest,
  {
    name: 'the status bar: a click picks the Best preset, another pauses, one more resumes',
    fn: async ({ page }) => {
      const item = (text) => page.locator('.statusbar-item', { hasText: text }).first();
      const pick = async (from, label) => {
        await item(from).click();
        await quickPickRow(page, label).click({ timeout: 15_000 });
        await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 15_000 });
      };
      await pick('Custom', 'Best');
      await waitFor(async () => (await statusBarTexts(page)).includes('Best'), { what: 'Best in the status bar' });
      await pick('Best', 'Pause Diffusion Infill');
      await waitFor(async () => (await statusBarTexts(page)).includes('Diffusion Infill paused'), { what: 'the paused item' });
      // Paused, a command explains itself and does nothing.
      await focusEditor(page);
      const before = await readEditorLines(page);
      await runCommand(page, 'Diffusion Infill: Infill Selection');
      await page.locator('.notifications-toasts', { hasText: 'Diffusion Infill is paused' }).waitFor({ timeout: 15_000 });
      assert.deepEqual(await readEditorLines(page), before);
      console.log(`    screenshot: ${await screenshot(page, 'ui-paused')}`);
      await item('Diffusion Infill paused').click();
      await waitFor(async () => (await statusBarTexts(page)).includes('Best'), { what: 'Best back after one click' });
    },
  },
];

const watchdog = setTimeout(() => {
  console.log(`ui: 0 passed, 1 failed (the run did not end within ${overallMs} ms)`);
  process.exit(1); // server.mjs's exit hook kills code-server's process group
}, overallMs);

let session;
try {
  const vsix = packageVsix();
  session = await startUiSession({ vsix, settings: INFILL_UI_SETTINGS });
  process.exitCode = await runUiTests(session, tests);
} catch (error) {
  console.log(`[ui] could not run: ${error?.stack ?? error}`);
  console.log('ui: 0 passed, 1 failed');
  process.exitCode = 1;
} finally {
  await session?.close();
  clearTimeout(watchdog);
}
