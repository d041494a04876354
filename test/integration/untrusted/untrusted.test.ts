// An untrusted workspace in a real VS Code (workspace trust on, the folder never trusted): its
// .vscode/settings.json points the model path at a folder it ships and asks for CUDA
// (test/vscode/server.mjs plantModelSettings). The extension must run on the embedded model and
// the user's provider setting, and never load the planted folder.
// Run by `node test/vscode/run-integration.mjs --untrusted` (part of npm test).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describe, it } from 'mocha';
import type { DiffusionInfillApi } from '../../../src/editor/extension';
import { FAST, openEditor, resultTexts, runCommand, select, useSuite } from '../helpers';
import { REPO_ROOT } from '../reliability/report';

const EMBEDDED = path.join(REPO_ROOT, 'models', 'mdlm-code-small');
/** Set by test/vscode/server.mjs plantModelSettings beside the restricted settings. */
const PLANTED_CANDIDATES = 2;

describe('untrusted workspace', () => {
  let api!: DiffusionInfillApi;
  useSuite(FAST, (got) => (api = got));

  it('opens in restricted mode; the workspace\'s settings apply except the restricted ones', () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the workspace should not be trusted');
    const cfg = vscode.workspace.getConfiguration('diffusionInfill');
    // The settings file is read (an unrestricted value from it applies) ...
    assert.equal(cfg.inspect<number>('candidates')?.workspaceValue, PLANTED_CANDIDATES);
    assert.equal(cfg.get<number>('candidates'), PLANTED_CANDIDATES);
    // ... and it does ask for its own model and CUDA; VS Code itself keeps those values from us
    // (inspect() shows no workspace value in restricted mode; src/editor/trust.ts ignores one too).
    const file = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.vscode', 'settings.json');
    const asked = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.match(asked['diffusionInfill.modelPath'], /\.models[\\/]planted$/);
    assert.equal(asked['diffusionInfill.executionProvider'], 'cuda');
    assert.equal(cfg.get<string>('modelPath'), '');
    assert.equal(cfg.get<string>('executionProvider'), 'auto');
  });

  it('loads the embedded model, not the folder the workspace names, on the user\'s provider setting', async () => {
    const info = await api.ensureModel();
    assert.equal(info.modelDir, EMBEDDED);
    // 'cuda' from the workspace would have given a fallback notice on this CPU machine; 'auto' gives none.
    assert.equal(info.providerNotice, undefined, info.providerNotice);
  });

  it('infills with the embedded model and writes only on accept', async () => {
    const original = 'def add(a, b):\n    return a + b\n';
    const editor = await openEditor(original);
    editor.selection = select(editor, 'a + b');
    const session = await runCommand(api, 'diffusionInfill.infillSelection', editor.document);
    assert.equal(editor.document.getText(), original);
    const [filled] = resultTexts(session);
    assert.equal(await vscode.commands.executeCommand('diffusionInfill.accept'), true);
    assert.equal(editor.document.getText(), original.replace('a + b', filled));
    assert.equal((await api.ensureModel()).modelDir, EMBEDDED);
  });
});
