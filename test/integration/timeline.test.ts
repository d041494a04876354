// The refinement timeline against the real embedded model, in a real VS Code: what it records,
// scrubbing into the editor's preview, export, and comparing two runs.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describe, it } from 'mocha';
import { TokenState } from '../../src/core/types';
import type { DiffusionInfillApi } from '../../src/editor/extension';
import { columnsOf, recordedSteps, skippedSteps, type TimelineRun } from '../../src/editor/timeline/model';
import { previewString } from '../../src/editor/previewText';
import { closeAll, FAST, openEditor, runCommand, select, useSettings, useSuite, until } from './helpers';

const SOURCE = 'def area(width, height):\n    result = width * height\n    return result\n';
const HOLE = 'result = width * height';

function timelineTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('diffusionInfill.timeline'));
}

async function closeTimeline(): Promise<void> {
  await vscode.window.tabGroups.close(timelineTabs());
}

function describeTabs(): string {
  return vscode.window.tabGroups.all.map((g) => `[${g.tabs.map((t) => `${t.label}${t.input instanceof vscode.TabInputWebview ? `(webview ${t.input.viewType})` : ''}`).join(', ')}]`).join(' ');
}

describe('Refinement timeline', () => {
  let api!: DiffusionInfillApi;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'di-timeline-'));
  useSuite(FAST, (got) => (api = got), {
    after: async () => fs.rmSync(tmp, { recursive: true, force: true }),
    afterEach: async () => {
      await closeTimeline();
      await closeAll();
      // The panel's dispose event comes a little after its tab closes: the next test must not reuse it.
      await until(() => !api.timeline.panelOpen(), 'the timeline panel to be disposed');
    },
  });

  /** Infill Selection of HOLE; returns the session and the run the timeline recorded for it. */
  async function infill(openPanel = false): Promise<{ doc: vscode.TextDocument; run: TimelineRun; holeLength: number; steps: number; totalMs: number }> {
    const editor = await openEditor(SOURCE);
    editor.selection = select(editor, HOLE);
    if (openPanel) {
      await vscode.commands.executeCommand('diffusionInfill.showTimeline');
      assert.equal(vscode.window.activeTextEditor, editor, 'the panel took the editor’s place');
      // The tab model reaches the extension host a little after the panel is created.
      await until(() => timelineTabs().length === 1, () => `the timeline tab; tabs: ${describeTabs()}`);
    }
    const session = await runCommand(api, 'diffusionInfill.infillSelection', editor.document);
    const run = api.timeline.runs().find((r) => r.requestId === session.result!.id);
    assert.ok(run, 'the run was not recorded');
    const hole = session.request.segments.find((s) => s.kind === 'hole');
    assert.ok(hole && hole.kind === 'hole');
    return { doc: editor.document, run, holeLength: hole.length, steps: session.result!.steps, totalMs: session.result!.timings.totalMs };
  }

  it('records a run: T rows and the hole’s number of columns', async () => {
    const { run, holeLength, steps } = await infill();
    assert.equal(run.status, 'done');
    // T: the run's own step count (the sampler's T steps, plus its final noise-removal step if any).
    assert.ok(steps >= FAST['sampler.steps'], `${steps} steps`);
    assert.equal(run.frames.length, steps);
    assert.equal(recordedSteps(run), steps, 'with no frame-rate cap every step arrives');
    assert.deepEqual(columnsOf(run), [holeLength]);
    for (const frame of run.frames) assert.equal(frame![0].length, holeLength);
    assert.ok(run.frames[steps - 1]![0].every((v) => v.state !== TokenState.Masked), 'the last step still has masks');
  });

  it('with a frame-rate cap and the panel closed, every step is still recorded; the preview is drawn at most the cap', async () => {
    const restoreCap = await useSettings({ 'preview.maxFramesPerSecond': 1 });
    try {
      let drawn = 0;
      const counting = api.onDidChange((s) => s.phase === 'running' && s.lastFrame && drawn++);
      const { run, totalMs } = await infill();
      counting.dispose();
      assert.equal(api.timeline.panelOpen(), false);
      assert.equal(recordedSteps(run), run.frames.length, `only ${recordedSteps(run)} of ${run.frames.length} steps recorded`);
      assert.deepEqual(skippedSteps(run), []);
      // One frame a second: the first frame, then one more per second the run took.
      assert.ok(drawn <= 1 + Math.ceil(totalMs / 1000), `${drawn} frames drawn in ${totalMs} ms`);
    } finally {
      await restoreCap();
    }
  });

  it('scrubbing to a middle step shows that step in the preview; closing the panel returns to the final frame', async () => {
    const { doc, run } = await infill(true);
    assert.equal(api.timeline.panelVisible(), true);
    const session = api.session(doc)!;
    const mid = Math.ceil(run.frames.length / 2);
    const payload = api.timeline.scrub(mid);
    assert.ok(payload);
    assert.equal(payload.step, mid);
    assert.equal(payload.shown[0].shownStep, mid);
    assert.match(payload.previewNote, /shown inline/);
    const expected = run.frames[mid - 1]!;
    assert.ok(expected[0].some((v) => v.state === TokenState.Masked || v.state === TokenState.Remasked), 'a middle step should still have masks');
    const drawn = api.timeline.drawnTokens(doc)!;
    assert.equal(previewString(drawn[0], 4), previewString(expected[0], 4));
    assert.equal(doc.getText(), SOURCE, 'scrubbing never writes');

    const tabs = timelineTabs();
    assert.equal(tabs.length, 1, `timeline tabs: ${describeTabs()}`);
    assert.equal(await vscode.window.tabGroups.close(tabs), true, 'the tab did not close');
    await until(() => !api.timeline.panelVisible() && !api.timeline.panelOpen(), () => `the panel to close; tabs: ${describeTabs()}`);
    const final = api.timeline.drawnTokens(doc)!;
    assert.equal(previewString(final[0], 4), previewString(session.holes[0].tokens, 4));
    assert.equal(final[0].map((t) => t.text).join(''), session.result!.samples[0].holes[0]);

    // Accept still writes the result, not the scrubbed step.
    api.timeline.scrub(1);
    assert.equal(await vscode.commands.executeCommand('diffusionInfill.accept'), true);
    assert.ok(doc.getText().includes(session.result!.samples[0].holes[0]));
  });

  it('exports the picture as SVG and PNG', async () => {
    const { run, holeLength } = await infill();
    const svgFile = path.join(tmp, 'timeline.svg');
    const pngFile = path.join(tmp, 'timeline.png');
    const svgUri = (await vscode.commands.executeCommand('diffusionInfill.exportTimeline', svgFile)) as vscode.Uri;
    assert.equal(svgUri.fsPath, svgFile);
    const svg = fs.readFileSync(svgFile, 'utf8');
    assert.ok(svg.startsWith('<?xml'));
    assert.ok(svg.includes(`seed ${run.meta.seed}`));
    const cells = [...svg.matchAll(/<rect [^>]*class="(masked|decoded|remasked|settled)"/g)].length;
    assert.equal(cells, run.frames.length * holeLength);
    await vscode.commands.executeCommand('diffusionInfill.exportTimeline', pngFile);
    const png = fs.readFileSync(pngFile);
    assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
    assert.ok(png.readUInt32BE(16) > 100, 'PNG width');
  });

  it('compares two runs (mdlm vs remdm-loop, same seed and T) side by side', async () => {
    const restoreA = await useSettings({ 'sampler.strategy': 'mdlm' });
    const a = (await infill()).run;
    await closeAll();
    await restoreA();
    const restoreB = await useSettings({ 'sampler.strategy': 'remdm-loop' });
    const b = (await infill()).run;
    await restoreB();
    assert.equal(a.meta.seed, b.meta.seed);
    await vscode.commands.executeCommand('diffusionInfill.compareTimeline', a.id, b.id);
    const file = path.join(tmp, 'compare.svg');
    await vscode.commands.executeCommand('diffusionInfill.exportTimeline', file);
    const titles = [...fs.readFileSync(file, 'utf8').matchAll(/<text [^>]*class="title"[^>]*>([^<]*)</g)].map((m) => m[1]);
    assert.equal(titles.length, 2);
    assert.match(titles[0], /mdlm/);
    assert.match(titles[1], /remdm-loop/);
    // mdlm never remasks.
    assert.ok(a.frames.every((f) => f!.every((views) => views.every((v) => v.state !== TokenState.Remasked))));
  });
});
