// UI test of the Refinement Timeline on the installed .vsix, driven as a person would: open the
// panel, run Infill Selection from the palette, check the grid in the webview's DOM, scrub with the
// mouse and the arrow keys, read the editor's preview from its DOM, close the panel and see the
// result come back, reopen it on the finished run and switch to light and high-contrast themes,
// compare a rerolled run side by side and save the picture with the Export SVG button.
// Screenshots go to test-output/.
//   node test/vscode/ui-timeline.mjs   (needs bash test/vscode/install.sh; packages the .vsix if stale)
// Ends with `ui-timeline: N passed, N failed`; exits non-zero on failure. DI_UI_TIMEOUT_MS bounds the run.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { focusEditor, packageVsix, runCommand, runCommandAndPick, screenshot, startUiSession, statusBarTexts, waitFor } from './ui-helpers.mjs';
import { sleep } from './server.mjs';

const STEPS = 16;
const HOLE_TOKENS = 12;
const SETTINGS = {
  'diffusionInfill.sampler.steps': STEPS,
  'diffusionInfill.sampler.strategy': 'remdm-cap',
  'diffusionInfill.seed': 5,
  // The default cap: the preview draws at most 30 frames a second, the timeline still gets every step.
  'diffusionInfill.preview.maxFramesPerSecond': 30,
  'diffusionInfill.length.policy': 'fixed',
  'diffusionInfill.length.fixed': HOLE_TOKENS,
  'workbench.colorTheme': 'Default Dark Modern',
};
const MASK = '░';
const overallMs = Number(process.env.DI_UI_TIMEOUT_MS ?? 10 * 60_000);

/** The text editor's preview (the injected ::before texts), in line order; not the webview's. */
async function previewText(page) {
  const lines = await page.$$eval('.editor-instance .monaco-editor .view-lines .view-line', (nodes) =>
    nodes
      .map((line) => ({
        top: parseFloat(line.style.top) || 0,
        runs: [...line.querySelectorAll('span span')]
          .map((span) => getComputedStyle(span, '::before').content)
          .filter((c) => c && c !== 'none' && c !== '""'),
      }))
      .sort((a, b) => a.top - b.top),
  );
  return lines
    .flatMap((l) => l.runs)
    .map((c) => JSON.parse(c).replace(/\u00a0/g, ' '))
    .join('');
}

/** The timeline page inside its two webview iframes. */
function timelineFrame(page) {
  return page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
}

/** What the panel's text strip says for a run: [heading, text] with masks as ░. */
async function stripText(frame) {
  const raw = await frame.locator('.text-strip').first().textContent();
  const [heading, ...rest] = (raw ?? '').split('\n');
  return [heading, rest.join('\n')];
}

const tests = [
  {
    name: 'the timeline panel records a run: T rows × the hole’s columns',
    fn: async (session) => {
      const { page } = session;
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await input.waitFor({ state: 'visible', timeout: 15_000 });
      await input.fill('fib.py');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'fib.py' }).first().click();
      await page.locator('.tab.active', { hasText: 'fib.py' }).waitFor({ timeout: 15_000 });
      await focusEditor(page);
      await page.keyboard.press('Control+G');
      await page.keyboard.type('4');
      await page.keyboard.press('Enter');
      await page.keyboard.press('End');
      await page.keyboard.press('Shift+Home');

      await runCommand(page, 'Diffusion Infill: Show Refinement Timeline');
      const frame = timelineFrame(page);
      await frame.locator('#step').waitFor({ timeout: 60_000 });
      // The panel opened beside the editor and left it focused: run the infill from the palette.
      await runCommand(page, 'Diffusion Infill: Infill Selection');
      await waitFor(async () => (await statusBarTexts(page)).some((t) => t.includes('Tab accept')), { timeout: 120_000, what: 'the finished run' });

      const rows = frame.locator('.run .grid .row');
      // T = the run's steps (the sampler's steps, plus a final noise-removal step for some samplers).
      const count = await waitFor(async () => {
        const n = await rows.count();
        const label = await frame.locator('#step-label').textContent();
        // The panel may still show a push from while the run streamed: wait for one with every step run.
        const pending = await frame.locator('.run .grid .row.pending').count();
        return n >= STEPS && pending === 0 && label?.endsWith(`/ ${n}`) && n;
      }, { timeout: 30_000, what: 'the grid with every step' });
      assert.ok(count === STEPS || count === STEPS + 1, `${count} rows`);
      assert.equal(await frame.locator('.run .grid .row.skipped').count(), 0, 'steps were skipped while recording');
      for (const i of [0, Math.floor(count / 2), count - 1]) {
        assert.equal(await rows.nth(i).locator('.cell').count(), HOLE_TOKENS, `columns of row ${i + 1}`);
      }
      // The first step still has masks; the last has none; every cell reads its token on hover.
      assert.ok((await rows.nth(0).locator('.cell.masked').count()) > 0);
      assert.equal(await rows.nth(count - 1).locator('.cell.masked').count(), 0);
      assert.match((await rows.nth(count - 1).locator('.cell').first().getAttribute('title')) ?? '', /^step \d+ · hole 1 · #1 · ".*"/);
      assert.ok((await frame.locator('.curve svg polyline.curve-masked').count()) >= 1, 'no masked-tokens curve');
      assert.equal(await frame.locator('body.vscode-dark').count(), 1, 'the page follows the theme');
      session.steps = count;
      session.finalPreview = await previewText(page);
      assert.ok(session.finalPreview.length > 0 && !session.finalPreview.includes(MASK), `final preview ${JSON.stringify(session.finalPreview)}`);
      console.log(`    grid: ${count} rows × ${HOLE_TOKENS} columns; final preview ${JSON.stringify(session.finalPreview)}`);
    },
  },
  {
    name: 'scrubbing (click a row, arrow keys) shows that step inline in the editor',
    fn: async (session) => {
      const { page } = session;
      assert.ok(session.steps, 'needs the first test');
      const frame = timelineFrame(page);
      const mid = Math.ceil(session.steps / 2);
      // Click a row just below the middle, then step back up to it with the keyboard.
      await frame.locator(`.run .grid .row[data-step="${mid + 1}"]`).click();
      const grid = frame.locator('.run .grid').first();
      await grid.focus();
      await page.keyboard.press('ArrowUp');
      await frame.locator(`.run .grid .row.current[data-step="${mid}"]`).waitFor({ timeout: 10_000 });
      const outline = await grid.evaluate((el) => getComputedStyle(el).outlineStyle);
      assert.notEqual(outline, 'none', 'the focused grid shows no focus outline');

      const [heading, panelText] = await waitFor(async () => {
        const strip = await stripText(frame);
        return strip[0] === `step ${mid}:` && strip;
      }, { timeout: 15_000, what: `the panel's text of step ${mid}` });
      // The editor draws the same step: newlines as ↵, tabs as spaces.
      const expected = panelText.replace(/\n/g, '↵').replace(/\t/g, '    ');
      const inline = await waitFor(async () => {
        const text = await previewText(page);
        return text === expected && text;
      }, { timeout: 15_000, what: `the editor's preview of step ${mid} (panel: ${JSON.stringify(expected)}, editor: ${JSON.stringify(await previewText(page))})` });
      assert.ok(inline.includes(MASK), `step ${mid} of ${session.steps} should still show masks: ${JSON.stringify(inline)}`);
      assert.notEqual(inline, session.finalPreview);
      const note = await frame.locator('#preview-note').textContent();
      assert.match(note ?? '', /shown inline/);
      const shot = await screenshot(page, 'ui-timeline-scrubbed');
      console.log(`    ${heading} ${JSON.stringify(inline)}; screenshot: ${shot}`);
    },
  },
  {
    name: 'closing the panel returns the preview to the final frame',
    fn: async (session) => {
      const { page } = session;
      assert.ok(session.finalPreview, 'needs the first test');
      // The tab's close button, as a person would.
      const tab = page.locator('.tab', { hasText: 'Refinement Timeline' }).first();
      await tab.hover();
      await tab.locator('.tab-actions .action-label').first().click();
      await page.locator('.tab', { hasText: 'Refinement Timeline' }).waitFor({ state: 'detached', timeout: 15_000 });
      await waitFor(async () => (await previewText(page)) === session.finalPreview, { timeout: 15_000, what: 'the final preview back in the editor' });
      console.log(`    screenshot: ${await screenshot(page, 'ui-timeline-closed')}`);
    },
  },
  {
    name: 'reopened after the run ended, the panel shows that run; it follows light and high-contrast themes',
    fn: async (session) => {
      const { page } = session;
      assert.ok(session.steps, 'needs the first test');
      await runCommand(page, 'Diffusion Infill: Show Refinement Timeline');
      const frame = timelineFrame(page);
      const rows = frame.locator('.run .grid .row');
      await waitFor(async () => (await rows.count()) === session.steps, { timeout: 60_000, what: `${session.steps} rows in the reopened panel` });
      assert.equal(await frame.locator('.run .grid .row.skipped').count(), 0);
      assert.equal(await frame.locator('#step-label').textContent(), `${session.steps} / ${session.steps}`, 'the slider starts at the last step');
      assert.equal(await frame.locator(`.run .grid .row.current[data-step="${session.steps}"]`).count(), 1);
      assert.match((await frame.locator('.legend').textContent()) ?? '', /p: the probability the model gave a token/);
      const masked = rows.first().locator('.cell.masked').first();
      const look = () => masked.evaluate((el) => {
        const style = getComputedStyle(el);
        return `${style.backgroundColor} opacity ${style.opacity} outline ${style.outlineStyle}`;
      });
      const looks = { dark: await look() };
      for (const [theme, bodyClass] of [['Light Modern', 'vscode-light'], ['Dark High Contrast', 'vscode-high-contrast']]) {
        await runCommandAndPick(page, 'Preferences: Color Theme', theme);
        await frame.locator(`body.${bodyClass}`).waitFor({ timeout: 15_000 });
        looks[bodyClass] = await look();
        console.log(`    ${theme}: masked cell ${looks[bodyClass]}; screenshot: ${await screenshot(page, `ui-timeline-${bodyClass}`)}`);
      }
      assert.equal(new Set(Object.values(looks)).size, 3, `each theme draws a masked cell its own way: ${JSON.stringify(looks)}`);
    },
  },
  {
    name: 'a second run (Reroll) compared side by side, and the Export SVG button saves the picture',
    fn: async (session) => {
      const { page } = session;
      assert.ok(session.steps, 'needs the first test');
      const frame = timelineFrame(page);
      await focusEditor(page);
      await runCommand(page, 'Diffusion Infill: Reroll Infill (New Seed)');
      await waitFor(async () => (await frame.locator('#run-a option').count()) === 2, { timeout: 60_000, what: 'the rerolled run listed in the panel' });
      // Finished: its keys offered, or (the click above put the cursor away from the hole) waiting there.
      await waitFor(async () => (await statusBarTexts(page)).some((t) => /Tab accept|preview waiting at the hole/.test(t)), { timeout: 120_000, what: 'the rerolled run to finish' });
      // Show the first run (#1) and compare it with the reroll (#2). By the run's id: a title grows
      // when its run ends (the samples it ranked), so a label read a moment before may be gone.
      await frame.locator('#run-a').selectOption({ value: '1' });
      await frame.locator('#run-b').selectOption({ value: '2' });
      const grids = frame.locator('.runs.compare .run .grid');
      await waitFor(async () => (await grids.count()) === 2, { timeout: 15_000, what: 'two grids side by side' });
      const titles = await frame.locator('.runs.compare .run h2').allTextContents();
      assert.equal(titles.length, 2);
      for (const g of [0, 1]) assert.ok((await grids.nth(g).locator('.row').count()) >= STEPS, `grid ${g + 1} rows`);
      console.log(`    compared: ${JSON.stringify(titles)}; screenshot: ${await screenshot(page, 'ui-timeline-compare')}`);

      await frame.locator('#export-svg').click();
      // The save dialog (code-server's own file picker) proposes the workspace folder and a name: accept it.
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await input.waitFor({ state: 'visible', timeout: 15_000 });
      const proposed = await waitFor(async () => {
        const value = await input.inputValue();
        return value.endsWith('.svg') && value;
      }, { timeout: 15_000, what: 'the proposed file name' });
      await page.keyboard.press('Enter');
      const saved = path.join(session.workspace, path.basename(proposed));
      await waitFor(() => fs.existsSync(saved) && fs.statSync(saved).size > 0, { timeout: 30_000, what: `${saved} written` });
      const svg = fs.readFileSync(saved, 'utf8');
      assert.match(svg, /<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      // Both runs' headings (number, sampler, T, seed) are in the picture.
      for (const title of titles) {
        const heading = title.split(' · ').slice(0, 3).join(' · ');
        assert.ok(svg.includes(heading), `the picture lacks "${heading}"`);
      }
      console.log(`    exported ${path.basename(saved)} (${svg.length} bytes)`);
    },
  },
];

const watchdog = setTimeout(() => {
  console.log(`ui-timeline: 0 passed, 1 failed (the run did not end within ${overallMs} ms)`);
  process.exit(1);
}, overallMs);

let session;
let passed = 0;
let failed = 0;
try {
  session = await startUiSession({ vsix: packageVsix(), settings: SETTINGS });
  for (const test of tests) {
    const started = Date.now();
    try {
      await test.fn(session);
      passed++;
      console.log(`  ✔ ${test.name} (${Date.now() - started} ms)`);
    } catch (error) {
      failed++;
      console.log(`  ✘ ${test.name} (${Date.now() - started} ms)\n    ${String(error?.stack ?? error).replace(/\n/g, '\n    ')}`);
      await screenshot(session.page, `ui-timeline-failed-${tests.indexOf(test) + 1}`).catch(() => {});
    }
  }
} catch (error) {
  console.log(`[ui-timeline] could not run: ${error?.stack ?? error}`);
  failed++;
} finally {
  await session?.close();
  clearTimeout(watchdog);
}
console.log(`ui-timeline: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
await sleep(0);
