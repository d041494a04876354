// UI tests of the keys around a preview, on the installed .vsix, pressed as a person presses them:
//   1. Enter and Tab away from the hole are a new line and an indent (the preview stays, parked);
//      back at the hole Tab accepts, and one Ctrl+Z restores the original.
//   2. Tab while the text is still forming does not reach the document ("still forming").
//   3. The selection collapses when the preview starts; typing there dismisses the preview and
//      leaves the original as it was.
//   4. Ctrl+Right takes words into the preview without writing; Esc then leaves the original, and
//      Tab after Ctrl+Right writes everything in one undo step; the log says "partially accepted".
//   node test/vscode/ui-keys.mjs   (needs bash test/vscode/install.sh; packages the .vsix if stale)
// Keys come at a person's pace (ui-helpers' PERSON_MS apart: the preview's key context follows the cursor one
// extension-host round trip later), and each test starts from the file as saved.
// Screenshots go to test-output/. Ends with `ui-keys: N passed, N failed`; DI_UI_TIMEOUT_MS bounds the run.
import assert from 'node:assert/strict';
import { focusEditor, goToLine, openByName, packageVsix, press, readEditorLines, runCommand, runUiTests, screenshot, startUiSession, statusBarTexts, waitFor } from './ui-helpers.mjs';

const SETTINGS = {
  'diffusionInfill.preset': 'custom',
  'diffusionInfill.sampler.steps': 256,
  'diffusionInfill.seed': 11,
  'diffusionInfill.preview.maxFramesPerSecond': 20,
  'diffusionInfill.length.policy': 'selection',
  'workbench.colorTheme': 'Default Dark Modern',
};
export const KEYS_PY = [
  'import math',
  '',
  '',
  'def area(shape, size):',
  '    if shape == "square":',
  '        return size * size',
  '    if shape == "circle":',
  '        return math.pi * size * size',
  '    raise ValueError(shape)',
  '',
  '',
  'def perimeter(shape, size):',
  '    if shape == "square":',
  '        return 4 * size',
  '    if shape == "circle":',
  '        return 2 * math.pi * size',
  '    raise ValueError(shape)',
  '',
  'print(area("square", 3))',
  'print(perimeter("circle", 1))',
];
const overallMs = Number(process.env.DI_UI_TIMEOUT_MS ?? 12 * 60_000);

/** The preview as drawn: injected ::before texts per line, and the hint (::after), top to bottom. */
export async function drawnPreview(page) {
  const lines = await page.$$eval('.editor-group-container.active .editor-instance .monaco-editor .view-lines .view-line', (nodes) =>
    nodes
      .map((line) => {
        const pseudo = (which) =>
          [...line.querySelectorAll('span span')]
            .map((span) => getComputedStyle(span, which).content)
            .filter((c) => c && c !== 'none' && c !== '""')
            .map((c) => JSON.parse(c).replace(/\u00a0/g, ' '))
            .join('');
        return { top: parseFloat(line.style.top) || 0, before: pseudo('::before'), after: pseudo('::after') };
      })
      .sort((a, b) => a.top - b.top),
  );
  return { lines: lines.map((l) => l.before), hint: lines.map((l) => l.after).join('') };
}

/** The preview text drawn upright: what partial accepts took (not yet written). */
async function acceptedText(page) {
  return page.$$eval('.editor-group-container.active .editor-instance .monaco-editor .view-lines .view-line span span', (spans) =>
    spans
      .map((span) => getComputedStyle(span, '::before'))
      .filter((style) => style.content && style.content !== 'none' && style.content !== '""' && style.fontStyle === 'normal')
      .map((style) => JSON.parse(style.content))
      .join(''),
  );
}

/** Selects lines `from`..`to` (1-based, whole lines with their line break) and starts Infill Selection. */
export async function infillLines(page, from, to) {
  await goToLine(page, from);
  for (let i = from; i <= to; i++) await press(page, 'Shift+ArrowDown');
  await runCommand(page, 'Diffusion Infill: Infill Selection');
}

/** The file back as saved (a failed test leaves no edits to the next). */
async function revert(page) {
  await runCommand(page, 'File: Revert File');
  await waitFor(async () => (await documentText(page)) === KEYS_PY.join('\n'), { what: 'the file as saved' });
  await focusEditor(page);
}

/** Waits for a finished preview (the hint offers Tab) and returns what is drawn. */
export async function finishedPreview(page) {
  return waitFor(async () => {
    const drawn = await drawnPreview(page);
    return drawn.hint.includes('Tab accept') && !drawn.lines.join('').includes('░') && drawn;
  }, { timeout: 120_000, what: 'a finished preview' });
}

const documentText = async (page) => (await readEditorLines(page)).join('\n');

/** The document back to KEYS_PY: Ctrl+Z until it matches (each test leaves it so). */
async function expectOriginal(page, what) {
  const lines = await readEditorLines(page);
  assert.deepEqual(lines.slice(0, KEYS_PY.length), KEYS_PY, what);
}

const tests = [
  {
    name: 'Enter and Tab away from the hole are a new line and an indent; at the hole Tab accepts, one Ctrl+Z restores',
    fn: async ({ page }) => {
      await openByName(page, 'keys.py');
      await infillLines(page, 5, 8);
      const ready = await finishedPreview(page);
      assert.ok(ready.lines.slice(4, 9).join('').length > 0, `nothing drawn on the hole's lines: ${JSON.stringify(ready.lines)}`);
      console.log(`    screenshot: ${await screenshot(page, 'ui-keys-ready')}`);
      // Away from the hole (the last line): Enter is a new line, Tab an indent; the preview stays, parked.
      await press(page, 'Control+End', 'Enter', 'Tab', 'z');
      const away = await waitFor(async () => {
        const lines = await readEditorLines(page);
        return lines[KEYS_PY.length]?.trim() === 'z' && lines;
      }, { what: 'the new line with an indented z' });
      assert.deepEqual(away.slice(0, KEYS_PY.length), KEYS_PY, 'Enter or Tab away from the hole changed the hole');
      assert.match(away[KEYS_PY.length], /^\s+z$/, 'Tab away from the hole did not indent');
      const parked = await waitFor(async () => {
        const drawn = await drawnPreview(page);
        return drawn.hint.includes('parked') && drawn;
      }, { what: 'the parked hint' });
      assert.deepEqual(parked.lines.slice(0, 10), ready.lines.slice(0, 10), 'the parked preview changed');
      console.log(`    screenshot: ${await screenshot(page, 'ui-keys-parked')}`);
      // Undo the typing away from the hole (it never touched the preview).
      for (let i = 0; i < 3 && (await readEditorLines(page)).length > KEYS_PY.length; i++) await press(page, 'Control+Z');
      await waitFor(async () => (await readEditorLines(page)).length === KEYS_PY.length, { what: 'the typing undone' });
      // Back at the hole, Tab accepts.
      await goToLine(page, 5);
      await waitFor(async () => (await drawnPreview(page)).hint.includes('Tab accept'), { what: 'the keys back at the hole' });
      await press(page, 'Tab');
      const accepted = await waitFor(async () => {
        const lines = await readEditorLines(page);
        return (await drawnPreview(page)).hint === '' && lines.join('\n') !== KEYS_PY.join('\n') && lines;
      }, { what: 'the accepted text' });
      assert.deepEqual(accepted.slice(0, 4), KEYS_PY.slice(0, 4));
      await page.keyboard.press('Control+Z');
      await waitFor(async () => (await documentText(page)) === KEYS_PY.join('\n'), { what: 'one Ctrl+Z restoring the original' });
    },
  },
  {
    name: 'Tab while the text is still forming does not reach the document',
    fn: async ({ page }) => {
      await revert(page);
      await infillLines(page, 13, 16);
      await waitFor(async () => (await drawnPreview(page)).hint.startsWith('forming'), { what: 'the run under way' });
      await press(page, 'Tab');
      const status = await waitFor(async () => (await statusBarTexts(page)).find((t) => t.includes('still forming')), { timeout: 10_000, what: '"still forming" in the status bar' });
      await expectOriginal(page, 'Tab during the run changed the document');
      await finishedPreview(page);
      await expectOriginal(page, 'the run finishing after Tab changed the document');
      console.log(`    status after Tab: ${status}`);
      await page.keyboard.press('Escape');
      await waitFor(async () => (await drawnPreview(page)).hint === '', { what: 'the preview rejected' });
      await expectOriginal(page, 'Esc changed the document');
    },
  },
  {
    name: 'the selection collapses when the preview starts; typing dismisses it and leaves the original',
    fn: async ({ page }) => {
      await revert(page);
      await infillLines(page, 5, 8);
      await finishedPreview(page);
      const selected = (await statusBarTexts(page)).filter((t) => /selected/.test(t));
      assert.deepEqual(selected, [], 'the original is still selected under the preview');
      await page.keyboard.type('x');
      const lines = await waitFor(async () => {
        const now = await readEditorLines(page);
        return (await drawnPreview(page)).hint === '' && now[4].startsWith('x') && now;
      }, { what: 'the typed x and no preview' });
      assert.deepEqual(lines.slice(0, KEYS_PY.length), [...KEYS_PY.slice(0, 4), 'x' + KEYS_PY[4], ...KEYS_PY.slice(5)]);
      await page.keyboard.press('Control+Z');
      await waitFor(async () => (await documentText(page)) === KEYS_PY.join('\n'), { what: 'the x undone' });
    },
  },
  {
    name: 'Ctrl+Right takes words without writing; Esc leaves the original; Tab writes all in one undo step',
    fn: async ({ page }) => {
      await revert(page);
      await infillLines(page, 5, 8);
      const full = await finishedPreview(page);
      // Each Ctrl+Right is seen when the upright (taken) text grows.
      let takenSoFar = '';
      for (const word of [1, 2]) {
        await press(page, 'Control+ArrowRight');
        takenSoFar = await waitFor(async () => {
          const now = await acceptedText(page);
          return now.length > takenSoFar.length && now;
        }, { what: `word ${word} drawn as taken` });
      }
      await expectOriginal(page, 'Ctrl+Right wrote into the document');
      const taken = await drawnPreview(page);
      assert.equal(taken.lines.join('\n'), full.lines.join('\n'), 'taking words changed the text drawn');
      console.log(`    screenshot: ${await screenshot(page, 'ui-keys-partial')}`);
      await page.keyboard.press('Escape');
      await waitFor(async () => (await drawnPreview(page)).hint === '', { what: 'the preview rejected' });
      await expectOriginal(page, 'Esc after Ctrl+Right lost the original');

      await infillLines(page, 5, 8);
      await finishedPreview(page);
      await press(page, 'Control+ArrowRight', 'Tab');
      await waitFor(async () => (await drawnPreview(page)).hint === '' && (await documentText(page)) !== KEYS_PY.join('\n'), { what: 'the accepted text' });
      await page.keyboard.press('Control+Z');
      await waitFor(async () => (await documentText(page)) === KEYS_PY.join('\n'), { what: 'one Ctrl+Z restoring the original' });
      // The log tells what happened.
      await runCommand(page, 'Diffusion Infill: Show Log');
      // The Output panel draws spaces as no-break spaces.
      await waitFor(async () => {
        const text = (await page.locator('.part.panel .view-lines').allTextContents()).join('\n').replace(/\u00a0/g, ' ');
        return /closed: rejected, 2 partially accepted part\(s\) dropped, original kept/.test(text);
      }, { what: '"rejected, 2 partially accepted part(s) dropped, original kept" in the log' });
    },
  },
];

const watchdog = setTimeout(() => {
  console.log(`ui-keys: 0 passed, 1 failed (the run did not end within ${overallMs} ms)`);
  process.exit(1);
}, overallMs);

let session;
try {
  const vsix = packageVsix();
  session = await startUiSession({ vsix, settings: SETTINGS, files: { 'keys.py': KEYS_PY.join('\n') } });
  process.exitCode = await runUiTests(session, tests, { label: 'ui-keys' });
} catch (error) {
  console.log(`[ui-keys] could not run: ${error?.stack ?? error}`);
  console.log('ui-keys: 0 passed, 1 failed');
  process.exitCode = 1;
} finally {
  await session?.close();
  clearTimeout(watchdog);
}

