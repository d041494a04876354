// The most important property: what the user types while a run is sampling (or previewing) is
// never clobbered. An edit inside a hole stops the run and nothing is written there; edits
// elsewhere move the holes along.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { describe, it } from 'mocha';
import type { DiffusionInfillApi } from '../../src/editor/extension';
import type { Session } from '../../src/editor/session';
import { FAST, openEditor, resultTexts, select, untilFirstFrame, useSettings, useSuite } from './helpers';

const SOURCE = 'def area(w, h):\n    result = w * h\n    return result\n';

describe('Edits while sampling', () => {
  let api!: DiffusionInfillApi;
  // Many steps so the edit lands while the run is still going.
  useSuite({ ...FAST, 'sampler.steps': 256 }, (got) => (api = got));

  it('typing inside the hole stops the run; only the user\'s keystroke is in the document', async () => {
    const editor = await openEditor(SOURCE);
    const doc = editor.document;
    editor.selection = select(editor, 'w * h');
    const session = (await vscode.commands.executeCommand('diffusionInfill.infillSelection')) as Session;
    assert.ok(session, 'no session started');
    await untilFirstFrame(api, session);
    const phaseAtEdit = session.phase;
    const inside = doc.positionAt(SOURCE.indexOf('w * h') + 2);
    assert.equal(await editor.edit((b) => b.insert(inside, 'XY')), true);
    await session.whenIdle();
    assert.equal(session.phase, 'closed', `phase after the edit (was ${phaseAtEdit} at the edit)`);
    assert.equal(session.closeReason, 'edited');
    const expected = SOURCE.slice(0, SOURCE.indexOf('w * h') + 2) + 'XY' + SOURCE.slice(SOURCE.indexOf('w * h') + 2);
    assert.equal(doc.getText(), expected);
    // Accept after that is a no-op.
    assert.equal(await vscode.commands.executeCommand('diffusionInfill.accept'), false);
    assert.equal(doc.getText(), expected);
    console.log(`      (edit landed while ${phaseAtEdit})`);
  });

  it('typing before the hole moves it; accept writes at the moved place and keeps the typing', async () => {
    const editor = await openEditor(SOURCE);
    const doc = editor.document;
    editor.selection = select(editor, 'w * h');
    const session = (await vscode.commands.executeCommand('diffusionInfill.infillSelection')) as Session;
    assert.ok(session, 'no session started');
    await untilFirstFrame(api, session);
    assert.equal(await editor.edit((b) => b.insert(new vscode.Position(0, 0), '# typed meanwhile\n')), true);
    await session.whenIdle();
    assert.equal(session.phase, 'ready', `closed: ${session.closeReason} ${session.error?.message ?? ''}`);
    const edited = '# typed meanwhile\n' + SOURCE;
    assert.equal(doc.getText(), edited);
    const [text] = resultTexts(session);
    assert.equal(await vscode.commands.executeCommand('diffusionInfill.accept'), true);
    assert.equal(doc.getText(), edited.replace('w * h', text));
    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), edited, 'undo restores the document as the user left it');
  });

  it('editing inside the hole while the result is previewed: accept writes nothing', async () => {
    const restoreSteps = await useSettings({ 'sampler.steps': 8 });
    try {
      const editor = await openEditor(SOURCE);
      const doc = editor.document;
      editor.selection = select(editor, 'return result');
      const session = (await vscode.commands.executeCommand('diffusionInfill.infillSelection')) as Session;
      assert.ok(session, 'no session started');
      await session.whenIdle();
      assert.equal(session.phase, 'ready');
      const at = doc.positionAt(SOURCE.indexOf('return result') + 3);
      await editor.edit((b) => b.delete(new vscode.Range(at, at.translate(0, 2))));
      assert.equal(session.phase, 'closed');
      const i = SOURCE.indexOf('return result');
      const expected = SOURCE.slice(0, i + 3) + SOURCE.slice(i + 5);
      assert.equal(doc.getText(), expected);
      assert.equal(await vscode.commands.executeCommand('diffusionInfill.accept'), false);
      assert.equal(doc.getText(), expected);
    } finally {
      await restoreSteps();
    }
  });

  it('a new request in the same editor replaces the old run cleanly', async () => {
    const editor = await openEditor(SOURCE);
    const doc = editor.document;
    editor.selection = select(editor, 'w * h');
    const first = (await vscode.commands.executeCommand('diffusionInfill.infillSelection')) as Session;
    assert.ok(first, 'no session started');
    editor.selection = select(editor, 'return result');
    const second = (await vscode.commands.executeCommand('diffusionInfill.infillSelection')) as Session;
    assert.ok(second, 'no session started');
    assert.notEqual(first, second);
    assert.equal(first.phase, 'closed');
    assert.equal(first.closeReason, 'replaced');
    await second.whenIdle();
    assert.equal(second.phase, 'ready');
    assert.equal(doc.getText(), SOURCE);
  });

  it('closing the editor ends the session and leaves the document as it was', async () => {
    const editor = await openEditor(SOURCE);
    const doc = editor.document;
    editor.selection = select(editor, 'w * h');
    const session = (await vscode.commands.executeCommand('diffusionInfill.infillSelection')) as Session;
    assert.ok(session, 'no session started');
    await untilFirstFrame(api, session);
    // Not the untitled revert: close the tab only (the document stays available to read).
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await session.whenIdle();
    assert.equal(session.phase, 'closed');
    assert.equal(doc.getText(), SOURCE);
  });
});
