// Generate… (at the cursor, from a prompt) and Refine Selection (ReMDM re-denoises the selected text).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describe, it } from 'mocha';
import type { DiffusionInfillApi } from '../../src/editor/extension';
import { FAST, openEditor, resultTexts, runCommand, select, until, useSettings, useSuite, watchDocument } from './helpers';

const SOURCE = 'class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, item):\n        self.items.append(item)\n';

/**
 * Opens SOURCE, puts the cursor at its end and runs `command` there (a point hole), watching that
 * the document stays SOURCE until accepted.
 */
async function runAtEnd(api: DiffusionInfillApi, command: string, args: object) {
  const editor = await openEditor(SOURCE);
  const doc = editor.document;
  const end = doc.positionAt(SOURCE.length);
  editor.selection = new vscode.Selection(end, end);
  const watch = watchDocument(api, doc, () => SOURCE);
  const session = await runCommand(api, command, doc, args);
  watch.dispose();
  return { editor, doc, end, session, violations: watch.violations };
}

describe('Generate and Refine', () => {
  let api!: DiffusionInfillApi;
  useSuite(FAST, (got) => (api = got));

  it('Generate inserts at the cursor only on accept; the prompt is context, not inserted', async () => {
    const { doc, session, violations } = await runAtEnd(api, 'diffusionInfill.generate', { prompt: '    def pop(self):\n', length: 12 });
    assert.deepEqual(violations, []);
    assert.equal(session.holes[0].range.start, SOURCE.length);
    assert.equal(session.holes[0].range.end, SOURCE.length);
    const segments = session.request.segments;
    assert.equal(segments[0].kind === 'text' && segments[0].text.endsWith('    def pop(self):\n'), true);
    const [text] = resultTexts(session);
    assert.equal(await vscode.commands.executeCommand('diffusionInfill.accept'), true);
    assert.equal(doc.getText(), SOURCE + text);
    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), SOURCE);
  });

  it('a finished result of several lines at the cursor is drawn in its lines (inline suggestion), accepted by Tab as one undo step', async () => {
    const { editor, doc, end, session } = await runAtEnd(api, 'diffusionInfill.generate', { prompt: '    def pop(self):\n', length: 48 });
    const [text] = resultTexts(session);
    assert.ok(text.includes('\n'), `seed ${session.request.seed} should give several lines: ${JSON.stringify(text)}`);
    assert.equal(api.ghostText(doc), text);
    // The cursor leaves: the suggestion goes (the preview waits, parked); back at the hole it returns.
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    await until(() => api.ghostText(doc) === undefined, 'the suggestion hidden');
    editor.selection = new vscode.Selection(end, end);
    await until(() => api.ghostText(doc) === text, 'the suggestion back');
    assert.equal(await vscode.commands.executeCommand('diffusionInfill.accept'), true);
    assert.equal(doc.getText(), SOURCE + text);
    assert.equal(api.ghostText(doc), undefined);
    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), SOURCE);
  });

  it('Refine starts from the selected text with the strength setting', async () => {
    const restoreStrength = await useSettings({ 'refine.strength': 0.6 });
    try {
      const editor = await openEditor(SOURCE);
      const doc = editor.document;
      editor.selection = select(editor, '        self.items.append(item)');
      const session = await runCommand(api, 'diffusionInfill.refineSelection', doc);
      assert.equal(session.request.strength, 0.6);
      const hole = session.request.segments.find((s) => s.kind === 'hole');
      assert.equal(hole?.kind === 'hole' && hole.initial, '        self.items.append(item)');
      const [text] = resultTexts(session);
      assert.equal(doc.getText(), SOURCE);
      await vscode.commands.executeCommand('diffusionInfill.accept');
      assert.equal(doc.getText(), SOURCE.replace('        self.items.append(item)', text));
      await vscode.commands.executeCommand('undo');
      assert.equal(doc.getText(), SOURCE);
    } finally {
      await restoreStrength();
    }
  });

  it('Reroll draws a new seed for the same request and keeps the document untouched', async () => {
    const editor = await openEditor(SOURCE);
    const doc = editor.document;
    editor.selection = select(editor, 'self.items = []');
    const session = await runCommand(api, 'diffusionInfill.infillSelection', doc);
    const seed = session.request.seed;
    await vscode.commands.executeCommand('diffusionInfill.reroll');
    await session.whenIdle();
    assert.equal(session.phase, 'ready');
    assert.notEqual(session.request.seed, seed);
    assert.equal(doc.getText(), SOURCE);
    await vscode.commands.executeCommand('diffusionInfill.reject');
    assert.equal(doc.getText(), SOURCE);
  });
});

describe('Generate from Instruction', () => {
  const repo = path.resolve(__dirname, '../../..');
  let api!: DiffusionInfillApi;
  let dir: string;
  useSuite(
    FAST,
    (got) => {
      api = got;
      // A tiny random Dream-Instruct-shaped model with a chat template, made and converted here.
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'di-it-chat-'));
      const made = spawnSync('/usr/bin/python3', [path.join(repo, 'training', 'byo', 'make_tiny_snapshot.py'), 'dream', path.join(dir, 'snapshot')], { encoding: 'utf8' });
      assert.equal(made.status, 0, made.stderr);
      const converted = spawnSync(process.execPath, [path.join(repo, 'dist', 'cli.js'), 'convert', path.join(dir, 'snapshot'), path.join(dir, 'dream')], { encoding: 'utf8' });
      assert.equal(converted.status, 0, converted.stderr);
    },
    { after: async () => fs.rmSync(dir, { recursive: true, force: true }), setUpTimeoutMs: 120_000 },
  );

  it('a base model explains that it takes no instructions and writes nothing', async () => {
    const editor = await openEditor(SOURCE);
    const session = await vscode.commands.executeCommand('diffusionInfill.instruct', { instruction: 'add a pop method', length: 8 });
    assert.equal(session, undefined);
    assert.equal(editor.document.getText(), SOURCE);
  });

  it('Select Model converts a Hugging Face folder on its own thread, then uses it', async function () {
    this.timeout(180_000);
    const restoreModel = await useSettings({ modelPath: undefined });
    const out = path.join(os.homedir(), '.diffusion-infill', 'models', `${path.basename(dir)}-int8`);
    const src = path.join(dir, path.basename(dir));
    fs.cpSync(path.join(dir, 'snapshot'), src, { recursive: true });
    try {
      assert.equal(await vscode.commands.executeCommand('diffusionInfill.selectModel', { convert: { src, quantize: 'int8' } }), true);
      assert.equal(vscode.workspace.getConfiguration('diffusionInfill').get('modelPath'), out);
      assert.ok(fs.existsSync(path.join(out, 'onnx', 'model_quantized.onnx')));
      const model = await api.ensureModel();
      assert.equal(model.modelDir, out);
      assert.equal(model.chat, true);
      // The same folder again: refused in one message, the first conversion untouched.
      assert.equal(await vscode.commands.executeCommand('diffusionInfill.selectModel', { convert: { src, quantize: 'int8' } }), false);
      assert.ok(fs.existsSync(path.join(out, 'onnx', 'model_quantized.onnx')));
    } finally {
      await restoreModel();
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('an instruct model answers at the cursor; the document changes only on accept, one undo restores it', async () => {
    const restoreModel = await useSettings({ modelPath: path.join(dir, 'dream') });
    try {
      const { doc, session, violations } = await runAtEnd(api, 'diffusionInfill.instruct', { instruction: 'add a pop method', length: 6 });
      assert.deepEqual(violations, []);
      assert.equal(session.request.instruction, 'add a pop method');
      assert.deepEqual(session.request.segments, [{ kind: 'hole', length: 6, upTo: true }], 'the document is not context');
      const [text] = resultTexts(session);
      assert.equal(await vscode.commands.executeCommand('diffusionInfill.accept'), true);
      assert.equal(doc.getText(), SOURCE + text);
      await vscode.commands.executeCommand('undo');
      assert.equal(doc.getText(), SOURCE);
    } finally {
      await restoreModel();
    }
  });
});
