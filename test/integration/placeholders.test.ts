// Fill Placeholders: every [MASK] / [MASK:n] filled in one joint run, one undoable edit.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { describe, it } from 'mocha';
import type { DiffusionInfillApi } from '../../src/editor/extension';
import { closeAll, FAST, openEditor, resultTexts, runCommand, select, useSettings, useSuite, watchDocument } from './helpers';

const SOURCE = 'import os\n\ndef [MASK:4](path):\n    return os.path.[MASK:3](path)\n\n# [MASK]\n';

describe('Fill Placeholders', () => {
  let api!: DiffusionInfillApi;
  useSuite({ ...FAST, 'placeholders.defaultLength': 6 }, (got) => (api = got));

  it('fills every placeholder of the document jointly; accept replaces them all; one undo restores', async () => {
    const editor = await openEditor(SOURCE);
    const doc = editor.document;
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    const watch = watchDocument(api, doc, () => SOURCE);
    const session = await runCommand(api, 'diffusionInfill.infillPlaceholders', doc);
    watch.dispose();
    assert.deepEqual(watch.violations, []);
    assert.equal(session.holes.length, 3);
    assert.deepEqual(
      session.request.segments.filter((s) => s.kind === 'hole').map((s) => (s.kind === 'hole' ? s.length : 0)),
      [4, 3, 6],
    );
    const texts = resultTexts(session);
    assert.equal(await vscode.commands.executeCommand('diffusionInfill.accept'), true);
    let expected = SOURCE;
    for (const [marker, text] of [['[MASK:4]', texts[0]], ['[MASK:3]', texts[1]], ['[MASK]', texts[2]]]) {
      expected = expected.replace(marker, text);
    }
    assert.equal(doc.getText(), expected);
    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), SOURCE);
  });

  it('with a selection, only the placeholders inside it are filled', async () => {
    const editor = await openEditor(SOURCE);
    editor.selection = select(editor, '    return os.path.[MASK:3](path)');
    const session = await runCommand(api, 'diffusionInfill.infillPlaceholders', editor.document);
    assert.equal(session.holes.length, 1);
    assert.equal(session.holes[0].original, '[MASK:3]');
    await vscode.commands.executeCommand('diffusionInfill.reject');
    assert.equal(editor.document.getText(), SOURCE);
  });

  it('custom patterns are honoured besides [MASK]', async () => {
    const restorePatterns = await useSettings({ 'placeholders.patterns': ['<mask>', '____'] });
    try {
      const text = 'x = <mask:2>\ny = ____\nz = [MASK]\n';
      const editor = await openEditor(text);
      editor.selection = new vscode.Selection(0, 0, 0, 0);
      const session = await runCommand(api, 'diffusionInfill.infillPlaceholders', editor.document);
      assert.deepEqual(session.holes.map((h) => h.original), ['<mask:2>', '____', '[MASK]']);
    } finally {
      await restorePatterns();
    }
  });

  it('the CLI grammar: \\[MASK is literal (the model reads [MASK), [MASK:..n] is a bound, a custom pattern takes lengths', async () => {
    const restorePatterns = await useSettings({ 'placeholders.patterns': ['<mask>'] });
    try {
      const text = 'keep = "\\[MASK]"\nx = [MASK:..3]\ny = <mask:2>\n';
      const editor = await openEditor(text);
      editor.selection = new vscode.Selection(0, 0, 0, 0);
      const session = await runCommand(api, 'diffusionInfill.infillPlaceholders', editor.document);
      assert.deepEqual(session.holes.map((h) => h.original), ['[MASK:..3]', '<mask:2>']);
      const segments = session.request.segments;
      assert.deepEqual(segments.filter((s) => s.kind === 'hole').map((s) => (s.kind === 'hole' ? s.length : 0)), [3, 2]);
      assert.equal(segments[0].kind === 'text' && segments[0].text, 'keep = "[MASK]"\nx = ');
      await vscode.commands.executeCommand('diffusionInfill.reject');
      assert.equal(editor.document.getText(), text);
    } finally {
      await restorePatterns();
    }
  });

  it('a malformed placeholder next to a valid one: refused, no session, the document untouched', async () => {
    for (const bad of ['[MASK:abc]', '[MASK:0]', '[MASK:-1]', '[MASK:1e3]', '[MASK:12']) {
      const text = `a = [MASK:2]\nb = ${bad}\n`;
      const editor = await openEditor(text);
      await vscode.commands.executeCommand('diffusionInfill.infillPlaceholders');
      assert.equal(api.session(editor.document), undefined, bad);
      assert.equal(editor.document.getText(), text);
      await closeAll();
    }
  });

  it('no placeholders: a clear message, no session, the document untouched', async () => {
    const editor = await openEditor('print("nothing to fill")\n');
    await vscode.commands.executeCommand('diffusionInfill.infillPlaceholders');
    assert.equal(api.session(editor.document), undefined);
    assert.equal(editor.document.getText(), 'print("nothing to fill")\n');
  });
});
