// Bad input gets a clear message and leaves the document untouched: a hole longer than the model
// window, a missing or corrupt model folder, a read-only document, a worker that dies mid-run.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describe, it } from 'mocha';
import type { DiffusionInfillApi } from '../../src/editor/extension';
import type { Session } from '../../src/editor/session';
import { FAST, openEditor, runCommand, select, untilFirstFrame, useSettings, useSuite } from './helpers';

const SOURCE = 'def greet(name):\n    return "hello " + name\n';

describe('Bad input', () => {
  let api!: DiffusionInfillApi;
  useSuite(FAST, (got) => (api = got));

  it('a hole longer than the model window: the worker refuses it and the message says how long is allowed', async () => {
    const model = await api.ensureModel();
    // The embedded tokenizer puts no specials around the text, so the worker's window is the model's.
    const restoreLength = await useSettings({ 'length.policy': 'fixed', 'length.fixed': model.maxLength + 10 });
    try {
      const editor = await openEditor(SOURCE);
      editor.selection = select(editor, 'return');
      const session = (await vscode.commands.executeCommand('diffusionInfill.infillSelection')) as Session;
      assert.ok(session, 'no session started');
      await session.whenIdle();
      assert.equal(session.closeReason, 'error');
      assert.equal((session.error as Error & { code?: string }).code, 'hole-too-long', 'the worker\'s answer, not a guess in the editor');
      assert.match(session.error!.message, new RegExp(`the hole is ${model.maxLength + 10} tokens, but the model window allows at most ${model.maxLength} tokens`));
      assert.equal(editor.document.getText(), SOURCE);
    } finally {
      await restoreLength();
    }
  });

  it('a hole the size of the window runs (the worker knows no specials take room)', async () => {
    const model = await api.ensureModel();
    const restoreLength = await useSettings({ 'length.policy': 'fixed', 'length.fixed': model.maxLength });
    try {
      const editor = await openEditor(SOURCE);
      editor.selection = select(editor, 'return');
      await runCommand(api, 'diffusionInfill.infillSelection', editor.document);
      assert.equal(editor.document.getText(), SOURCE);
    } finally {
      await restoreLength();
    }
  });

  it('a missing model folder is refused with the reason; the setting is not changed', async () => {
    const before = vscode.workspace.getConfiguration('diffusionInfill').inspect('modelPath')?.globalValue;
    const ok = await vscode.commands.executeCommand('diffusionInfill.selectModel', path.join(os.tmpdir(), 'no-such-model-folder'));
    assert.equal(ok, false);
    assert.equal(vscode.workspace.getConfiguration('diffusionInfill').inspect('modelPath')?.globalValue, before);
    // The embedded model still works afterwards.
    const editor = await openEditor(SOURCE);
    editor.selection = select(editor, 'return');
    await runCommand(api, 'diffusionInfill.infillSelection', editor.document);
  });

  it('a corrupt model folder set in settings: the run fails with a message, the document is untouched', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-model-'));
    fs.writeFileSync(path.join(dir, 'config.json'), '{ not json');
    const restoreModel = await useSettings({ modelPath: dir });
    try {
      const editor = await openEditor(SOURCE);
      editor.selection = select(editor, 'return');
      const session = (await vscode.commands.executeCommand('diffusionInfill.infillSelection')) as Session;
      assert.ok(session, 'no session started');
      await session.whenIdle();
      assert.equal(session.closeReason, 'error');
      assert.match(session.error!.message, /config\.json/);
      assert.equal(editor.document.getText(), SOURCE);
    } finally {
      await restoreModel();
    }
  });

  it('a read-only document: accept writes nothing and says so', async () => {
    const files = vscode.workspace.getConfiguration('files');
    const old = files.inspect('readonlyInclude')?.globalValue;
    await files.update('readonlyInclude', { '**/*.ro.py': true }, vscode.ConfigurationTarget.Global);
    try {
      const editor = await openEditor(SOURCE, 'ro.py');
      editor.selection = select(editor, 'return');
      const session = (await vscode.commands.executeCommand('diffusionInfill.infillSelection')) as Session;
      assert.ok(session, 'no session started');
      await session.whenIdle();
      assert.equal(session.phase, 'ready');
      assert.equal(await vscode.commands.executeCommand('diffusionInfill.accept'), false);
      assert.equal(session.closeReason, 'error');
      assert.match(session.error!.message, /read-only/);
      assert.equal(editor.document.getText(), SOURCE);
    } finally {
      await files.update('readonlyInclude', old, vscode.ConfigurationTarget.Global);
    }
  });

  it('the worker dying mid-run ends the run with a message; the next run restarts it', async () => {
    const restoreSteps = await useSettings({ 'sampler.steps': 512 });
    try {
      const editor = await openEditor(SOURCE);
      const doc = editor.document;
      editor.selection = select(editor, 'return');
      const session = (await vscode.commands.executeCommand('diffusionInfill.infillSelection')) as Session;
      assert.ok(session, 'no session started');
      await untilFirstFrame(api, session);
      await api.crashWorker();
      await session.whenIdle();
      assert.equal(session.closeReason, 'error');
      assert.equal((session.error as { code?: string }).code, 'worker-crashed');
      assert.equal(doc.getText(), SOURCE);
      await restoreSteps();
      await runCommand(api, 'diffusionInfill.infillSelection', doc);
      assert.equal(doc.getText(), SOURCE);
    } finally {
      await restoreSteps();
    }
  });
});
