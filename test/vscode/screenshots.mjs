// The README's screenshots of the preview, taken in a real VS Code (code-server + headless Chromium)
// with the packaged .vsix and the embedded model, as a person would run each command: a one-line
// hole, a multi-line hole, placeholders, and Continue from Text, each in a dark, a light and a
// high-contrast theme. Writes media/screenshots/preview-<scene>-<theme>.png (the editor area only).
//   npm run screenshots   (needs bash test/vscode/install.sh; packages the .vsix if stale)
import fs from 'node:fs';
import path from 'node:path';
import { focusEditor, goToLine, openByName, packageVsix, runCommand, runCommandAndPick, screenshot, startUiSession, statusBarTexts, waitFor } from './ui-helpers.mjs';
import { repoRoot, sleep } from './server.mjs';

const OUT = path.join(repoRoot, 'media', 'screenshots');

const FILES = {
  'stack.py': [
    'class Stack:',
    '    def __init__(self):',
    '        self.items = []',
    '',
    '    def push(self, item):',
    '        self.items.append(item)',
    '',
    '    def pop(self):',
    '        if not self.items:',
    '            raise IndexError("pop from an empty stack")',
    '        return self.items.pop()',
    '',
  ].join('\n'),
  'shapes.py': ['import math', '', '', 'def circle_area(r):', '    return [MASK] * r * r', '', '', 'def square_area(side):', '    return [MASK]', ''].join('\n'),
  'notes.md': ['# Release notes', '', 'This release makes the preview easier to read.', '', ''].join('\n'),
};

const ALL_THEMES = [
  ['dark', 'Dark Modern'],
  ['light', 'Light Modern'],
  ['high-contrast', 'Dark High Contrast'],
];
// DI_SCREENSHOT_THEMES=light,high-contrast retakes some of them.
const THEMES = ALL_THEMES.filter(([name]) => !process.env.DI_SCREENSHOT_THEMES || process.env.DI_SCREENSHOT_THEMES.split(',').includes(name));

const SETTINGS = {
  'diffusionInfill.seed': 11,
  'diffusionInfill.length.policy': 'selection',
  'workbench.colorTheme': 'Default Dark Modern',
  'workbench.startupEditor': 'none',
  'editor.minimap.enabled': false,
  'window.commandCenter': false,
};

/** Each scene puts the cursor or selection in place and starts its command. */
const SCENES = [
  {
    name: 'one-line',
    run: async (page) => {
      await openByName(page, 'stack.py');
      await goToLine(page, 6);
      await page.keyboard.press('End');
      await page.keyboard.press('Shift+Home');
      await runCommand(page, 'Diffusion Infill: Infill Selection');
    },
  },
  {
    name: 'multi-line',
    run: async (page) => {
      await openByName(page, 'stack.py');
      await goToLine(page, 9);
      await page.keyboard.press('Home');
      for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+ArrowDown');
      await page.keyboard.press('Shift+ArrowLeft');
      await runCommand(page, 'Diffusion Infill: Infill Selection');
    },
  },
  {
    name: 'placeholders',
    run: async (page) => {
      await openByName(page, 'shapes.py');
      await runCommand(page, 'Diffusion Infill: Fill Placeholders');
    },
  },
  {
    name: 'continue',
    run: async (page) => {
      await openByName(page, 'notes.md');
      await page.keyboard.press('Control+End');
      await runCommand(page, 'Diffusion Infill: Continue from Text…');
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await waitFor(async () => (await input.isVisible()) && (await input.getAttribute('placeholder'))?.startsWith('Text to continue'), { timeout: 60_000, what: 'the Continue from Text prompt' });
      await input.fill('The preview now');
      await page.keyboard.press('Enter');
      // How much text: the first choice (short).
      await waitFor(async () => (await input.isVisible()) && (await input.inputValue()) === '', { timeout: 60_000, what: 'the length pick' });
      await page.keyboard.press('Enter');
    },
  },
];

/** Rejects (the document stays as it was) and closes whatever is open: the next scene starts clean. */
async function reset(page) {
  for (let i = 0; i < 3; i++) await page.keyboard.press('Escape');
  await focusEditor(page).catch(() => {});
  await page.keyboard.press('Escape');
  await runCommand(page, 'View: Revert and Close Editor').catch(() => {});
}

async function shoot(page, file) {
  const box = await page.locator('.part.editor').boundingBox();
  const status = await page.locator('.part.statusbar').boundingBox();
  const clip = { x: box.x, y: box.y, width: box.width, height: Math.min(box.height, 360) };
  await page.screenshot({ path: file, clip });
  return { file, statusTop: status?.y };
}

const vsix = packageVsix();
const session = await startUiSession({ vsix, settings: SETTINGS, files: FILES });
let failed = 0;
try {
  const { page } = session;
  fs.mkdirSync(OUT, { recursive: true });
  for (const [themeName, theme] of THEMES) {
    if (themeName !== 'dark') await runCommandAndPick(page, 'Preferences: Color Theme', theme);
    for (const scene of SCENES) {
      // A second try when the workbench was slow to answer a key (a loaded machine).
      for (let attempt = 1; attempt <= 2; attempt++) {
        try {
          await scene.run(page);
          await waitFor(async () => (await statusBarTexts(page)).some((t) => t.includes('Tab accept')), { timeout: 180_000, what: `the ${scene.name} preview` });
          await sleep(300); // the hint and last decorations settle
          const { file } = await shoot(page, path.join(OUT, `preview-${scene.name}-${themeName}.png`));
          console.log(`[screenshots] ${path.relative(repoRoot, file)} (${fs.statSync(file).size} bytes)`);
          attempt = 3;
        } catch (error) {
          console.log(`[screenshots] ${scene.name} in ${theme} failed (try ${attempt}): ${error.message.split('\n')[0]}; ${await screenshot(page, `screenshots-failed-${scene.name}-${themeName}`)}`);
          if (attempt === 2) failed++;
        }
        await reset(page);
      }
    }
  }
} finally {
  await session.close();
}
console.log(`screenshots: ${THEMES.length * SCENES.length - failed} taken, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
