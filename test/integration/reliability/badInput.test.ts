// Bad input, each kind in the real VS Code: a clear message, and the document left exactly as it was
// (nothing written, not even marked dirty). Where the input is fine but unusual (huge documents,
// long lines, emoji at the hole's edges, CRLF, notebook cells) the run works and writes only the hole.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describe, it } from 'mocha';
import type { DiffusionInfillApi } from '../../../src/editor/extension';
import type { Session } from '../../../src/editor/session';
import { FAST, openEditor, runCommand, select, useSettings, useSuite } from '../helpers';
import { captureMessages } from './messages';
import { REPO_ROOT, say } from './report';

const SOURCE = 'def greet(name):\n    return "hello " + name\n\n\n    \nprint(greet("world"))\n';
const EMBEDDED = path.join(REPO_ROOT, 'models', 'mdlm-code-small');

/** Runs `command` and expects exactly one message matching `expected`, and the document untouched. */
async function expectRefused(editor: vscode.TextEditor, command: string, expected: RegExp, args: unknown[] = []): Promise<Session | undefined> {
  const doc = editor.document;
  const before = doc.getText();
  const messages = captureMessages();
  try {
    const session = (await vscode.commands.executeCommand(command, ...args)) as Session | undefined;
    if (session) {
      await session.whenIdle();
      if (session.phase === 'ready') assert.fail(`the run succeeded; expected a refusal matching ${expected}`);
    }
    await messages.shown(1);
    const all = [...messages.errors, ...messages.warnings];
    assert.equal(all.length, 1, `expected one message, got ${JSON.stringify(all)}`);
    assert.match(all[0], expected);
    assert.equal(doc.getText(), before, 'the document changed');
    assert.equal(doc.isDirty, false, 'the document was marked dirty');
    return session;
  } finally {
    messages.dispose();
  }
}

/** A copy of the embedded model (config, tokenizer, quantized graph) to break in one way. */
function modelCopy(edit: (dir: string) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'di-model-'));
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(EMBEDDED, f), path.join(dir, f));
  fs.mkdirSync(path.join(dir, 'onnx'));
  fs.copyFileSync(path.join(EMBEDDED, 'onnx', 'model_quantized.onnx'), path.join(dir, 'onnx', 'model_quantized.onnx'));
  edit(dir);
  return dir;
}

function editJson(file: string, change: (json: Record<string, any>) => void): void {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  change(json);
  fs.writeFileSync(file, JSON.stringify(json));
}

describe('Reliability: bad input', () => {
  let api!: DiffusionInfillApi;
  useSuite({ ...FAST, quantized: true }, async (got) => {
    api = got;
    await api.ensureModel();
  });

  it('1. an empty selection (a cursor): says to select text', async () => {
    const editor = await openEditor(SOURCE);
    editor.selection = new vscode.Selection(1, 4, 1, 4);
    await expectRefused(editor, 'diffusionInfill.infillSelection', /Select the text to infill/);
    await expectRefused(editor, 'diffusionInfill.refineSelection', /Select the text to refine/);
  });

  it('2. a selection of only whitespace: says there is nothing to rewrite', async () => {
    const editor = await openEditor(SOURCE);
    const at = SOURCE.indexOf('\n\n\n') + 1;
    editor.selection = new vscode.Selection(editor.document.positionAt(at), editor.document.positionAt(at + 6));
    await expectRefused(editor, 'diffusionInfill.infillSelection', /only whitespace/);
    await expectRefused(editor, 'diffusionInfill.refineSelection', /only whitespace/);
  });

  it('3. a hole longer than the model window: says how long is allowed', async () => {
    const model = await api.ensureModel();
    const long = Array.from({ length: 400 }, (_, i) => `value_${i} = compute(${i}, "text")`).join('\n');
    const editor = await openEditor(`${long}\n`);
    editor.selection = new vscode.Selection(0, 0, 399, 5);
    // The worker's window: the embedded tokenizer puts no specials around the text.
    await expectRefused(editor, 'diffusionInfill.infillSelection', new RegExp(`the hole is \\d+ tokens, but the model window allows at most ${model.maxLength} tokens`));
  });

  it('4. a 10 MB document: a small hole runs (context cropped), reject leaves it byte-identical, accept writes only the hole', async function () {
    this.timeout(300_000);
    const line = 'def f(x):  # a line of filler text to make the file large\n';
    const big = line.repeat(Math.ceil((10 * 2 ** 20) / line.length));
    const editor = await openEditor(`${big}def target(a, b):\n    return a + b\n${big}`);
    const doc = editor.document;
    const original = doc.getText();
    editor.selection = select(editor, 'return a + b');
    const t0 = Date.now();
    const session = await runCommand(api, 'diffusionInfill.infillSelection', doc);
    const ms = Date.now() - t0;
    assert.ok(ms < 60_000, `took ${ms} ms`);
    await vscode.commands.executeCommand('diffusionInfill.reject');
    assert.ok(doc.getText() === original, 'reject changed the 10 MB document');
    // Whole-document selection: refused quickly (estimated, not tokenized in the extension host).
    editor.selection = new vscode.Selection(0, 0, doc.lineCount - 1, 0);
    const t1 = Date.now();
    await expectRefused(editor, 'diffusionInfill.infillSelection', /the hole is \d+ tokens, but the model window allows at most/);
    assert.ok(Date.now() - t1 < 30_000, `refusing took ${Date.now() - t1} ms`);
    assert.ok(session.result);
  });

  it('5. binary files: VS Code will not open one as text (nothing to infill, file unchanged); control characters at a hole work', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const binary = vscode.Uri.joinPath(folder, `blob-${Date.now()}.bin`);
    const bytes = Uint8Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256);
    await vscode.workspace.fs.writeFile(binary, bytes);
    await assert.rejects(Promise.resolve(vscode.workspace.openTextDocument(binary)), /binary/);
    assert.equal(Buffer.compare(Buffer.from(await vscode.workspace.fs.readFile(binary)), Buffer.from(bytes)), 0, 'the binary file changed');
    const text = 'header\u0001\u0002 bytes \u001b[31m\u007f\ufffd tail\nnext = 1\n';
    const editor = await openEditor(text, 'ctl.txt');
    editor.selection = select(editor, ' bytes ');
    const session = await runCommand(api, 'diffusionInfill.infillSelection', editor.document);
    assert.equal(editor.document.getText(), text);
    assert.equal(await vscode.commands.executeCommand('diffusionInfill.accept'), true);
    const i = text.indexOf(' bytes ');
    assert.equal(editor.document.getText(), text.slice(0, i) + session.result!.samples[0].holes[0] + text.slice(i + 7));
  });

  it('6. a 1 MB single-line file: the run works, only the hole changes', async () => {
    const half = 'x = [' + '1, '.repeat(170_000);
    const text = `${half}TARGET, ${half}]`;
    const editor = await openEditor(text);
    editor.selection = select(editor, 'TARGET');
    const session = await runCommand(api, 'diffusionInfill.infillSelection', editor.document);
    assert.equal(await vscode.commands.executeCommand('diffusionInfill.accept'), true);
    const got = editor.document.getText();
    assert.equal(got, text.replace('TARGET', session.result!.samples[0].holes[0]));
  });

  it('7. emoji, combining marks and CJK at the hole edges: the text around the hole is kept exactly, the result is well-formed', async () => {
    const text = 'label = "👋🏽"; mid = "e\u0301"; cjk = "漢字"\n';
    const editor = await openEditor(text);
    // From right after the emoji to right before the combining mark's base letter... and CJK after.
    const start = text.indexOf('"; mid');
    const end = text.indexOf('漢字');
    editor.selection = new vscode.Selection(editor.document.positionAt(start), editor.document.positionAt(end));
    const session = await runCommand(api, 'diffusionInfill.infillSelection', editor.document);
    const hole = session.result!.samples[0].holes[0];
    assert.equal(hole, Buffer.from(hole, 'utf8').toString('utf8'), 'a lone surrogate in the result');
    assert.equal(await vscode.commands.executeCommand('diffusionInfill.accept'), true);
    const got = editor.document.getText();
    assert.equal(got, text.slice(0, start) + hole + text.slice(end));
    assert.ok(got.startsWith('label = "👋🏽') && got.endsWith('漢字"\n'));
  });

  it('8. a CRLF file: the accepted text uses CRLF only, and one undo restores the file', async () => {
    const text = 'def area(w, h):\r\n    result = w * h\r\n    return result\r\n';
    const restoreFixed = await useSettings({ 'length.policy': 'fixed', 'length.fixed': 24 });
    try {
      const editor = await openEditor(text);
      assert.equal(editor.document.eol, vscode.EndOfLine.CRLF);
      editor.selection = select(editor, 'result = w * h\r\n    return result');
      await runCommand(api, 'diffusionInfill.infillSelection', editor.document);
      assert.equal(await vscode.commands.executeCommand('diffusionInfill.accept'), true);
      const got = editor.document.getText();
      assert.ok(!/[^\r]\n/.test(got) && !/\r(?!\n)/.test(got), `mixed line endings: ${JSON.stringify(got)}`);
      await vscode.commands.executeCommand('undo');
      assert.equal(editor.document.getText(), text);
    } finally {
      await restoreFixed();
    }
  });

  it('9. a read-only document: accept writes nothing and says it is read-only', async () => {
    const files = vscode.workspace.getConfiguration('files');
    const old = files.inspect('readonlyInclude')?.globalValue;
    await files.update('readonlyInclude', { '**/*.locked.py': true }, vscode.ConfigurationTarget.Global);
    try {
      const editor = await openEditor(SOURCE, 'locked.py');
      editor.selection = select(editor, 'return');
      await runCommand(api, 'diffusionInfill.infillSelection', editor.document);
      await expectRefused(editor, 'diffusionInfill.accept', /read-only/);
    } finally {
      await files.update('readonlyInclude', old, vscode.ConfigurationTarget.Global);
    }
  });

  it('10. a notebook cell: the run works in the cell, only the hole changes, other cells untouched', async () => {
    const cells = [
      new vscode.NotebookCellData(vscode.NotebookCellKind.Code, 'import math\n', 'python'),
      new vscode.NotebookCellData(vscode.NotebookCellKind.Code, 'def area(r):\n    return math.pi * r * r\n', 'python'),
    ];
    const notebook = await vscode.workspace.openNotebookDocument('jupyter-notebook', new vscode.NotebookData(cells));
    await vscode.window.showNotebookDocument(notebook);
    const cell = notebook.cellAt(1).document;
    const editor = await vscode.window.showTextDocument(cell);
    editor.selection = select(editor, 'math.pi * r * r');
    const session = await runCommand(api, 'diffusionInfill.infillSelection', cell);
    assert.equal(cell.getText(), cells[1].value, 'the cell changed before accept');
    const messages = captureMessages();
    let wrote: unknown;
    try {
      wrote = await vscode.commands.executeCommand('diffusionInfill.accept');
      if (wrote !== true) await messages.shown(1);
    } finally {
      messages.dispose();
    }
    if (wrote === true) {
      assert.equal(cell.getText(), cells[1].value.replace('math.pi * r * r', session.result!.samples[0].holes[0]));
    } else {
      // In code-server an edit to a cell of an untitled notebook reports success and changes nothing:
      // then the extension must say so once and leave the cell as it was.
      assert.equal(cell.getText(), cells[1].value, 'accept said nothing was written, but the cell changed');
      assert.equal(messages.errors.length, 1, JSON.stringify(messages.errors));
      assert.match(messages.errors[0], /Nothing was written/);
      say('      (notebook cell: the edit was not applied by the workbench; refused with a message, cell untouched)');
    }
    assert.equal(notebook.cellAt(0).document.getText(), 'import math\n');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  const brokenModels: [string, (dir: string) => void, RegExp][] = [
    ['a missing model folder', (dir) => fs.rmSync(dir, { recursive: true }), /Model folder not found/],
    ['a truncated model file', (dir) => fs.truncateSync(path.join(dir, 'onnx', 'model_quantized.onnx'), 1_000_000), /ONNX Runtime could not load the model/],
    [
      'a tokenizer from another model (more tokens than the graph)',
      (dir) =>
        editJson(path.join(dir, 'tokenizer.json'), (t) => {
          for (let i = 0; i < 300; i++) t.added_tokens.push({ id: 8192 + i, content: `<extra_${i}>`, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
        }),
      /tokenizer has \d+ tokens but .*8192/,
    ],
    [
      'a model without a mask token',
      (dir) => {
        editJson(path.join(dir, 'config.json'), (c) => delete c.mask_token_id);
        editJson(path.join(dir, 'tokenizer_config.json'), (c) => delete c.mask_token);
      },
      /no mask token/,
    ],
  ];
  brokenModels.forEach(([what, breakIt, expected], i) => {
    it(`${11 + i}. ${what}: the run says why, the document is untouched, the embedded model works again after`, async () => {
      const dir = modelCopy(breakIt);
      const restoreModel = await useSettings({ modelPath: dir });
      try {
        const editor = await openEditor(SOURCE);
        editor.selection = select(editor, 'return');
        await expectRefused(editor, 'diffusionInfill.infillSelection', expected);
      } finally {
        await restoreModel();
        fs.rmSync(dir, { recursive: true, force: true });
      }
      const editor = await openEditor(SOURCE);
      editor.selection = select(editor, 'return');
      await runCommand(api, 'diffusionInfill.infillSelection', editor.document);
    });
  });

  it('15. out-of-range settings (steps 0, eta 2, top-p 0): clamped, one message naming each, the run works', async () => {
    const restoreBad = await useSettings({ 'sampler.steps': 0, 'sampler.eta': 2, 'sampler.topP': 0 });
    const messages = captureMessages();
    try {
      const editor = await openEditor(SOURCE);
      editor.selection = select(editor, 'return');
      const session = await runCommand(api, 'diffusionInfill.infillSelection', editor.document);
      assert.equal(messages.warnings.length, 1, JSON.stringify(messages.warnings));
      assert.match(messages.warnings[0], /sampler\.steps = 0 .*using 1/);
      assert.match(messages.warnings[0], /sampler\.eta = 2 .*using 1/);
      assert.match(messages.warnings[0], /sampler\.topP = 0 .*using 0\.01/);
      const sampler = api.lastRequest()?.sampler;
      assert.equal(sampler?.steps, 1);
      assert.equal(sampler?.eta, 1);
      assert.equal(sampler?.topP, 0.01);
      assert.ok(session.result);
      assert.equal(editor.document.getText(), SOURCE);
    } finally {
      messages.dispose();
      await restoreBad();
    }
  });
});
