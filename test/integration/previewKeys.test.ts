// The preview and the keys around it, in the extension host: the selection collapses when a run
// starts, typing at the hole dismisses the preview without touching the original, the accept keys'
// context follows the cursor, and `preview.cursorAway: dismiss` drops a preview the cursor leaves.
// (test/vscode/ui-keys.mjs presses the real keys.)
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { describe, it } from 'mocha';
import type { DiffusionInfillApi } from '../../src/editor/extension';
import type { Session } from '../../src/editor/session';
import { FAST, openEditor, runCommand, select, until, useSettings, useSuite } from './helpers';
import { captureMessages } from './reliability/messages';

const SOURCE = 'def area(w, h):\n    result = w * h\n    return result\n\nprint(area(2, 3))\n';
const HOLE = 'result = w * h\n    return result';

describe('Preview keys', () => {
  let api!: DiffusionInfillApi;
  useSuite(FAST, (got) => (api = got));

  it('a run collapses the selection to a cursor at the hole', async () => {
    const editor = await openEditor(SOURCE);
    editor.selection = select(editor, HOLE);
    const session = (await vscode.commands.executeCommand('diffusionInfill.infillSelection')) as Session;
    assert.ok(session);
    assert.ok(editor.selection.isEmpty, 'the original is still selected under the preview');
    assert.equal(editor.document.offsetAt(editor.selection.active), SOURCE.indexOf(HOLE));
    await session.whenIdle();
  });

  it('typing at the hole dismisses the preview; the original is untouched and the key is typed', async () => {
    const editor = await openEditor(SOURCE);
    const doc = editor.document;
    editor.selection = select(editor, HOLE);
    const session = await runCommand(api, 'diffusionInfill.infillSelection', doc);
    await vscode.commands.executeCommand('type', { text: 'x' });
    assert.equal(session.phase, 'closed');
    assert.equal(session.closeReason, 'typed');
    const at = SOURCE.indexOf(HOLE);
    assert.equal(doc.getText(), SOURCE.slice(0, at) + 'x' + SOURCE.slice(at));
  });

  it('typing while the text is still forming: the same, and the run stops', async () => {
    const restoreSteps = await useSettings({ 'sampler.steps': 256 });
    try {
      const editor = await openEditor(SOURCE);
      const doc = editor.document;
      editor.selection = select(editor, HOLE);
      const session = (await vscode.commands.executeCommand('diffusionInfill.infillSelection')) as Session;
      assert.equal(session.phase, 'running');
      // Tab's command while running: nothing reaches the document.
      assert.equal(await vscode.commands.executeCommand('diffusionInfill.accept'), false);
      assert.equal(doc.getText(), SOURCE);
      assert.match(api.statusText(), /still forming/);
      await vscode.commands.executeCommand('type', { text: 'y' });
      await session.whenIdle();
      assert.equal(session.closeReason, 'typed');
      const at = SOURCE.indexOf(HOLE);
      assert.equal(doc.getText(), SOURCE.slice(0, at) + 'y' + SOURCE.slice(at));
    } finally {
      await restoreSteps();
    }
  });

  it("Tab's accept with the cursor away from the hole (its context lagging) is VS Code's Tab; at the hole it accepts", async () => {
    const editor = await openEditor(SOURCE);
    const doc = editor.document;
    editor.selection = select(editor, HOLE);
    const session = await runCommand(api, 'diffusionInfill.infillSelection', doc);
    await vscode.commands.executeCommand('cursorBottom'); // the empty last line
    assert.equal(await vscode.commands.executeCommand('diffusionInfill.accept', { key: 'tab' }), false);
    assert.equal(session.phase, 'ready', 'the preview was not kept');
    const indented = doc.getText();
    assert.match(indented.slice(SOURCE.length), /^[ \t]+$/, 'no indent where the cursor is');
    assert.equal(indented.slice(0, SOURCE.length), SOURCE);
    editor.selection = new vscode.Selection(doc.positionAt(SOURCE.indexOf(HOLE)), doc.positionAt(SOURCE.indexOf(HOLE)));
    assert.equal(await vscode.commands.executeCommand('diffusionInfill.accept', { key: 'tab' }), true);
    assert.equal(session.closeReason, 'accepted');
  });

  it('text changed before the run began (a key right after the command): nothing starts, and it says so', async () => {
    const restorePrompt = await useSettings({ 'length.policy': 'prompt' });
    const messages = captureMessages();
    try {
      const editor = await openEditor(SOURCE);
      const doc = editor.document;
      editor.selection = select(editor, HOLE);
      // The length prompt holds the command between reading the selection and starting the run.
      const started = vscode.commands.executeCommand('diffusionInfill.infillSelection') as Thenable<Session | undefined>;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await editor.edit((b) => b.insert(new vscode.Position(0, 0), '# moved\n'));
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      assert.equal(await started, undefined, 'a run started on offsets the edit made stale');
      assert.equal(api.session(doc), undefined);
      assert.equal(doc.getText(), '# moved\n' + SOURCE);
      assert.deepEqual(messages.warnings, ['Diffusion Infill: The text changed before the run began, so nothing started. Run the command again.']);
    } finally {
      messages.dispose();
      await restorePrompt();
    }
  });

  it('cursorAway: dismiss drops the preview when the cursor leaves the hole; park keeps it', async () => {
    const editor = await openEditor(SOURCE);
    const doc = editor.document;
    editor.selection = select(editor, HOLE);
    const parked = await runCommand(api, 'diffusionInfill.infillSelection', doc);
    assert.match(api.statusText(), /Tab accept · Esc reject/);
    await vscode.commands.executeCommand('cursorBottom');
    assert.equal(parked.phase, 'ready', 'park (the default) keeps the preview');
    // Parked, the keys are the editor's: the status bar does not offer them.
    await until(() => /preview waiting at the hole/.test(api.statusText()), () => `the parked status; it says ${api.statusText()}`);
    // Back at the hole, Accept works again.
    editor.selection = new vscode.Selection(doc.positionAt(SOURCE.indexOf(HOLE)), doc.positionAt(SOURCE.indexOf(HOLE)));
    await until(() => /Tab accept · Esc reject/.test(api.statusText()), () => `the keys back in the status; it says ${api.statusText()}`);
    await vscode.commands.executeCommand('diffusionInfill.reject');

    const restoreAway = await useSettings({ 'preview.cursorAway': 'dismiss' });
    try {
      editor.selection = select(editor, HOLE);
      const session = await runCommand(api, 'diffusionInfill.infillSelection', doc);
      await vscode.commands.executeCommand('cursorRight'); // still in the hole
      assert.equal(session.phase, 'ready');
      await vscode.commands.executeCommand('cursorBottom');
      assert.equal(session.phase, 'closed');
      assert.equal(session.closeReason, 'left');
      assert.equal(doc.getText(), SOURCE);
    } finally {
      await restoreAway();
    }
  });
});
