// Infill Selection against the real embedded model, in a real VS Code: the document is only
// written by Accept, in one undoable edit; reject / cancel leave it byte-identical.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { describe, it } from 'mocha';
import type { DiffusionInfillApi } from '../../src/editor/extension';
import type { Session } from '../../src/editor/session';
import { FAST, openEditor, resultTexts, runCommand, select, useSettings, useSuite, watchDocument } from './helpers';

const SOURCE = 'def add(a, b):\n    total = a + b\n    return total\n\n\ndef mul(a, b):\n    return a * b\n';

describe('Infill Selection', () => {
  let api!: DiffusionInfillApi;
  useSuite(FAST, (got) => (api = got));

  it('previews without touching the document; accept writes the last frame in one edit; one undo restores', async () => {
    const editor = await openEditor(SOURCE);
    const doc = editor.document;
    editor.selection = select(editor, 'total = a + b');
    const watch = watchDocument(api, doc, () => SOURCE);
    const session = await runCommand(api, 'diffusionInfill.infillSelection', doc);
    watch.dispose();
    assert.deepEqual(watch.violations, []);
    assert.ok(watch.frames >= 1, 'no frame was drawn');
    assert.ok((session.lastFrame?.totalSteps ?? 0) >= 8, 'steps setting not used');
    assert.equal(doc.getText(), SOURCE, 'the document changed before accept');
    const [text] = resultTexts(session);
    const last = session.lastFrame!.holes[0].map((t) => t.text).join('');
    assert.equal(text, last, 'the result is not what the last frame showed');

    assert.equal(await vscode.commands.executeCommand('diffusionInfill.accept'), true);
    const start = SOURCE.indexOf('total = a + b');
    const accepted = SOURCE.slice(0, start) + text + SOURCE.slice(start + 'total = a + b'.length);
    assert.equal(doc.getText(), accepted);
    assert.equal(api.session(doc), undefined);

    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), SOURCE, 'one undo must restore the original');
    await vscode.commands.executeCommand('redo');
    assert.equal(doc.getText(), accepted, 'one redo brings the whole result back: it was one undo step');
    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), SOURCE);
  });

  it('by default the model picks the length (searched within a bound from the selection); accepted text shorter or longer than the selection, one undo restores', async () => {
    // The suites' settings force exact-length holes (test/vscode/server.mjs): this test is about the default.
    const restoreExact = await useSettings({ 'length.exactSelection': false });
    const editor = await openEditor(SOURCE);
    const doc = editor.document;
    editor.selection = select(editor, 'total = a + b');
    const session = await runCommand(api, 'diffusionInfill.infillSelection', doc);
    await restoreExact();
    const [choice] = session.result!.lengths!;
    assert.ok(choice.chosen >= 1 && choice.chosen <= 13, `chosen ${choice.chosen} of at most 2 x 5 tokens (at least 5 + 8)`);
    assert.ok(choice.tried.some((t) => t.length === choice.chosen));
    await vscode.commands.executeCommand('diffusionInfill.reject');

    // Shorter: one token for a 36-character selection; longer: 24 tokens for one character.
    const cases = [
      { selected: 'def mul(a, b):\n    return a * b', settings: { 'length.policy': 'fixed', 'length.fixed': 1 }, longer: false },
      { selected: 'b', settings: { 'length.policy': 'fixed', 'length.fixed': 24 }, longer: true, occurrence: 0 },
    ];
    for (const c of cases) {
      const restoreLength = await useSettings(c.settings);
      try {
        editor.selection = select(editor, c.selected);
        const start = doc.offsetAt(editor.selection.start);
        const run = await runCommand(api, 'diffusionInfill.infillSelection', doc);
        const [text] = resultTexts(run);
        assert.equal(text.length > c.selected.length, c.longer, `${JSON.stringify(text)} for ${JSON.stringify(c.selected)}`);
        assert.equal(await vscode.commands.executeCommand('diffusionInfill.accept'), true);
        assert.equal(doc.getText(), SOURCE.slice(0, start) + text + SOURCE.slice(start + c.selected.length));
        await vscode.commands.executeCommand('undo');
        assert.equal(doc.getText(), SOURCE, 'one undo must restore the original');
      } finally {
        await restoreLength();
      }
    }
  });

  it('reject leaves the document byte-identical and clears the session', async () => {
    const editor = await openEditor(SOURCE);
    editor.selection = select(editor, 'return a * b');
    await runCommand(api, 'diffusionInfill.infillSelection', editor.document);
    await vscode.commands.executeCommand('diffusionInfill.reject');
    assert.equal(editor.document.getText(), SOURCE);
    assert.equal(editor.document.isDirty, false);
    assert.equal(api.session(editor.document), undefined);
  });

  it('cancel during sampling leaves the document byte-identical', async () => {
    const restoreSteps = await useSettings({ 'sampler.steps': 512 });
    try {
      const editor = await openEditor(SOURCE);
      const doc = editor.document;
      editor.selection = select(editor, 'total = a + b');
      const session = (await vscode.commands.executeCommand('diffusionInfill.infillSelection')) as Session;
      assert.ok(session, 'no session started');
      assert.equal(session.phase, 'running');
      await vscode.commands.executeCommand('diffusionInfill.cancel');
      await session.whenIdle();
      assert.equal(session.phase, 'closed');
      assert.equal(session.closeReason, 'cancelled');
      assert.equal(doc.getText(), SOURCE);
      assert.equal(doc.isDirty, false);
    } finally {
      await restoreSteps();
    }
  });

  it('several selections become several holes, filled jointly and accepted in one undo step', async () => {
    const editor = await openEditor(SOURCE);
    const doc = editor.document;
    editor.selections = [select(editor, 'a + b'), select(editor, 'a * b')];
    const session = await runCommand(api, 'diffusionInfill.infillSelection', doc);
    assert.equal(session.holes.length, 2);
    const [first, second] = resultTexts(session);
    assert.equal(doc.getText(), SOURCE);
    assert.equal(await vscode.commands.executeCommand('diffusionInfill.accept'), true);
    const expected = SOURCE.replace('a + b', first).replace('a * b', second);
    assert.equal(doc.getText(), expected);
    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), SOURCE);
  });

  it('a CRLF document gets CRLF text back, and is otherwise unchanged', async () => {
    const crlf = SOURCE.replace(/\n/g, '\r\n');
    const restoreLength = await useSettings({ 'length.policy': 'fixed', 'length.fixed': 24 });
    try {
      const editor = await openEditor(crlf);
      const doc = editor.document;
      assert.equal(doc.eol, vscode.EndOfLine.CRLF);
      editor.selection = select(editor, '    total = a + b\r\n    return total');
      const session = await runCommand(api, 'diffusionInfill.infillSelection', doc);
      const [text] = resultTexts(session);
      assert.equal(doc.getText(), crlf);
      await vscode.commands.executeCommand('diffusionInfill.accept');
      const written = doc.getText();
      assert.equal(/(^|[^\r])\n/.test(written), false, 'a bare LF was written into a CRLF document');
      const start = crlf.indexOf('    total');
      const end = start + '    total = a + b\r\n    return total'.length;
      assert.equal(written, crlf.slice(0, start) + text.replace(/\r?\n/g, '\r\n') + crlf.slice(end));
    } finally {
      await restoreLength();
    }
  });

  it('nothing selected: a clear message, no session, the document untouched', async () => {
    const editor = await openEditor(SOURCE);
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    await vscode.commands.executeCommand('diffusionInfill.infillSelection');
    assert.equal(api.session(editor.document), undefined);
    assert.equal(editor.document.getText(), SOURCE);
  });
});
