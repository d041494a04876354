// First real test in a real VS Code: the extension activates, and the editor APIs the extension
// relies on (documents, edits, selections) work in this extension host.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { after, describe, it } from 'mocha';

const EXTENSION_ID = 'diffusion-infill.diffusion-infill';

describe('smoke: extension host', () => {
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('finds and activates the extension', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    await ext.activate();
    assert.equal(ext.isActive, true);
    assert.equal(ext.packageJSON.main, './dist/extension.js');
  });

  it('registers its commands once active', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    await ext?.activate();
    const all = await vscode.commands.getCommands(true);
    const ours = all.filter((id) => id.startsWith('diffusionInfill.') || id.startsWith('diffusion-infill.'));
    assert.ok(ours.length > 0, 'no diffusion-infill command is registered');
  });

  it('opens an untitled document, edits it and reads it back', async () => {
    const doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content: 'alpha\ngamma\n' });
    const editor = await vscode.window.showTextDocument(doc);
    const ok = await editor.edit((edit) => edit.insert(new vscode.Position(1, 0), 'beta\n'));
    assert.equal(ok, true);
    assert.equal(doc.getText(), 'alpha\nbeta\ngamma\n');
    editor.selection = new vscode.Selection(1, 0, 1, 4);
    assert.equal(doc.getText(editor.selection), 'beta');
  });

  it('opens a workspace file', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'no workspace folder is open');
    const files = await vscode.workspace.findFiles('**/*.txt');
    assert.ok(files.length > 0, 'the workspace has no .txt file');
    const doc = await vscode.workspace.openTextDocument(files[0]);
    assert.ok(doc.lineCount >= 1);
    assert.ok(doc.getText().length > 0);
  });
});
