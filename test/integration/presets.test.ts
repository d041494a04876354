// Quality presets, pause and per-language enablement in a real VS Code: the preset decides what the
// worker is asked to run; paused or disabled, the commands explain and do nothing.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { describe, it } from 'mocha';
import type { DiffusionInfillApi } from '../../src/editor/extension';
import type { Session } from '../../src/editor/session';
import { closeAll, FAST, openEditor, runCommand, select, useSettings, useSuite } from './helpers';

const SOURCE = 'def add(a, b):\n    total = a + b\n    return total\n';

describe('Quality presets', () => {
  let api!: DiffusionInfillApi;
  useSuite({ ...FAST, candidates: 1 }, (got) => (api = got), { after: async () => vscode.workspace.getConfiguration('diffusionInfill').update('preset', undefined, vscode.ConfigurationTarget.Global) });

  async function requestWith(preset: string) {
    assert.equal(await vscode.commands.executeCommand('diffusionInfill.selectPreset', preset), preset);
    const editor = await openEditor(SOURCE);
    editor.selection = select(editor, 'total = a + b');
    const session = await runCommand(api, 'diffusionInfill.infillSelection', editor.document);
    const request = api.lastRequest();
    assert.ok(request);
    const tokens = request.segments.reduce((n, s) => n + (s.kind === 'hole' ? s.length : 0), 0);
    return { request, tokens, session };
  }

  it('each preset changes the sampler the worker receives; custom uses the advanced settings', async () => {
    const best = await requestWith('best');
    // The beam commits one token a step: as many steps as the hole the length search chose.
    assert.deepEqual([best.request.sampler.strategy, best.request.sampler.steps], ['beam', best.tokens]);
    const ran = best.session.result?.steps ?? 0;
    assert.ok(ran >= 1 && ran <= best.tokens, `the worker did not run the preset: ${ran} steps for at most ${best.tokens} tokens`);
    assert.match(api.modeText(), /Best/);
    // The beam is deterministic: a reroll would write the same candidates, so it says so and keeps the preview.
    const shown = best.session.result;
    await vscode.commands.executeCommand('diffusionInfill.reroll');
    assert.equal(best.session.phase, 'ready');
    assert.equal(best.session.result, shown);
    assert.match(api.statusText(), /same candidates every run/);
    await closeAll();

    const fast = await requestWith('fast');
    assert.equal(fast.request.sampler.strategy, 'mdlm');
    assert.ok(fast.request.sampler.steps <= 16 && fast.request.sampler.steps < best.tokens);
    assert.match(api.modeText(), /Fast/);
    await closeAll();

    const balanced = await requestWith('balanced');
    assert.equal(balanced.request.sampler.strategy, 'remdm-cap');
    await closeAll();

    const custom = await requestWith('custom');
    assert.equal(custom.request.sampler.steps, 8, 'custom must use diffusionInfill.sampler.steps');
    assert.equal(custom.request.sampler.strategy, vscode.workspace.getConfiguration('diffusionInfill').get('sampler.strategy'));
    assert.match(api.modeText(), /Custom/);
  });

  it('the candidates setting sets the samples requested', async () => {
    const restoreK = await useSettings({ candidates: 4 });
    try {
      const { request, session } = await requestWith('custom');
      assert.equal(request.samples, 4);
      assert.equal(session.result?.samples.length, 4);
    } finally {
      await restoreK();
    }
  });
});

describe('Pause and per-language enablement', () => {
  let api!: DiffusionInfillApi;
  useSuite({ ...FAST, candidates: 1 }, (got) => (api = got), { after: async () => vscode.commands.executeCommand('diffusionInfill.togglePause', false) });

  it('pausing ends a run without writing; while paused commands do nothing; resuming works again', async () => {
    const restoreSteps = await useSettings({ 'sampler.steps': 512 });
    const editor = await openEditor(SOURCE);
    const doc = editor.document;
    editor.selection = select(editor, 'total = a + b');
    try {
      const running = (await vscode.commands.executeCommand('diffusionInfill.infillSelection')) as Session;
      assert.ok(running);
      assert.equal(await vscode.commands.executeCommand('diffusionInfill.togglePause'), true);
      await running.whenIdle();
      assert.equal(running.phase, 'closed');
      assert.match(api.modeText(), /paused/);
      assert.equal(await vscode.commands.executeCommand('diffusionInfill.infillSelection'), undefined);
      assert.equal(api.session(doc), undefined);
      assert.equal(doc.getText(), SOURCE);
      assert.match(api.statusText(), /paused/);
    } finally {
      await restoreSteps();
    }
    assert.equal(await vscode.commands.executeCommand('diffusionInfill.togglePause'), false);
    assert.doesNotMatch(api.modeText(), /paused/);
    await runCommand(api, 'diffusionInfill.infillSelection', doc);
  });

  it('a language turned off refuses to start; others still work', async () => {
    const restoreLang = await useSettings({ enabledLanguages: { '*': true, plaintext: false }, disabledLanguages: ['markdown'] });
    try {
      for (const ext of ['txt', 'md']) {
        const editor = await openEditor('hello world, this is text\n', ext);
        editor.selection = select(editor, 'this is');
        assert.equal(await vscode.commands.executeCommand('diffusionInfill.infillSelection'), undefined, `${ext} was not refused`);
        assert.equal(api.session(editor.document), undefined);
        assert.match(api.statusText(), /off for/);
      }
      const py = await openEditor(SOURCE, 'py');
      py.selection = select(py, 'total = a + b');
      await runCommand(api, 'diffusionInfill.infillSelection', py.document);
    } finally {
      await restoreLang();
    }
  });
});
