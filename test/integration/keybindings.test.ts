// Our keybindings against VS Code's own defaults (the Default Keyboard Shortcuts document of this
// very VS Code): the one that works everywhere (Infill Selection) must not take a default key; the
// preview-only ones may only take keys VS Code itself gives inline suggestions, and only while a
// preview is shown.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describe, it } from 'mocha';

interface Binding { key: string; command: string; when?: string; mac?: string }

const normalise = (key: string) =>
  key
    .toLowerCase()
    .split(' ')
    .map((chord) => chord.split('+').sort().join('+'))
    .join(' ');

const PREVIEW_CONTEXT = /diffusionInfill\.(previewVisible|running)/;
/**
 * The keys VS Code binds for its own inline suggestions (Tab accept, Escape hide, Alt+] / Alt+[
 * next / previous, Ctrl+Right accept word), which our preview stands in for while the cursor is at
 * it. Enter is not one: it always means a new line.
 */
const INLINE_SUGGESTION_KEYS = new Set(['tab', 'escape', 'alt+]', 'alt+[', 'ctrl+right'].map((key) => normalise(key)));

async function defaultBindings(): Promise<Binding[]> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse('vscode://defaultsettings/keybindings.json'));
  // JSON with comment lines (the unbound commands are listed as comments).
  const json = doc.getText().split('\n').filter((line) => !line.trim().startsWith('//')).join('\n');
  return JSON.parse(json) as Binding[];
}

describe('keybindings', () => {
  it('take no default key outside the preview, and in it only inline-suggestion keys', async () => {
    const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8'));
    const ours: Binding[] = manifest.contributes.keybindings;
    const defaults = (await defaultBindings()).filter((b) => !b.command.startsWith('diffusionInfill.') && !b.command.startsWith('-'));
    assert.ok(defaults.length > 300, `only ${defaults.length} default keybindings read`);
    const problems: string[] = [];
    for (const binding of ours) {
      const key = normalise(binding.key);
      const taken = defaults.filter((d) => normalise(d.key) === key || normalise(d.key).startsWith(key + ' '));
      if (taken.length === 0) continue;
      const previewOnly = PREVIEW_CONTEXT.test(binding.when ?? '');
      console.log(`      ${binding.key} (${binding.command}${previewOnly ? ', preview only' : ''}) shadows ${taken.map((d) => d.command).join(', ')}`);
      if (!previewOnly || !INLINE_SUGGESTION_KEYS.has(key)) problems.push(`${binding.key} → ${binding.command} takes ${taken.map((d) => d.command).join(', ')}`);
    }
    assert.deepEqual(problems, []);
  });

  it('act on a preview only while the cursor is at its hole; Enter is never one of them', () => {
    const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8'));
    const ours: Binding[] = manifest.contributes.keybindings;
    assert.deepEqual(ours.filter((b) => normalise(b.key) === 'enter'), []);
    const previewKeys = ours.filter((b) => PREVIEW_CONTEXT.test(b.when ?? ''));
    assert.ok(previewKeys.length >= 7, `only ${previewKeys.length} preview keys`);
    for (const b of previewKeys) assert.match(b.when ?? '', /&& diffusionInfill\.cursorAtHole\b/, `${b.key} → ${b.command} acts away from the hole`);
  });
});
