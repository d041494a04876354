// Our keybindings against VS Code's own defaults (the Default Keyboard Shortcuts document of this
// very VS Code, for the OS the workbench runs as: Linux here, macOS / Windows with run-integration.mjs
// --os mac / --os windows):
// the one that works everywhere (Infill Selection) must not take a default key; the preview-only
// ones may only take keys VS Code itself gives its inline suggestions, and only while a preview is
// shown. Each binding's key for that OS is the one VS Code picks (`mac` / `linux` / `win`, else `key`).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describe, it } from 'mocha';

interface Binding { key: string; command: string; when?: string; mac?: string; linux?: string; win?: string }
type Os = 'mac' | 'linux' | 'win';

const normalise = (key: string) =>
  key
    .toLowerCase()
    .split(' ')
    .map((chord) => chord.split('+').sort().join('+'))
    .join(' ');

const PREVIEW_CONTEXT = /diffusionInfill\.(previewVisible|running)/;
/** VS Code's own inline-suggestion commands: their keys are the ones our preview stands in for. */
const INLINE_SUGGESTION_COMMAND = /^editor\.action\.inlineSuggest\./;

const keyFor = (binding: Binding, os: Os): string => binding[os] ?? binding.key;

async function defaultBindings(): Promise<Binding[]> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse('vscode://defaultsettings/keybindings.json'));
  // JSON with comment lines (the unbound commands are listed as comments).
  const json = doc.getText().split('\n').filter((line) => !line.trim().startsWith('//')).join('\n');
  return JSON.parse(json) as Binding[];
}

/** The OS the workbench runs as, from its defaults: Quick Open is Cmd+P on macOS only, Format Document Ctrl+Shift+I on Linux only. */
function workbenchOs(defaults: Binding[]): Os {
  const keyOf = (command: string) => defaults.filter((d) => d.command === command).map((d) => d.key);
  if (keyOf('workbench.action.quickOpen').includes('cmd+p')) return 'mac';
  return keyOf('editor.action.formatDocument').includes('ctrl+shift+i') ? 'linux' : 'win';
}

const ours = (): Binding[] => JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')).contributes.keybindings;

describe('keybindings', () => {
  it('take no default key outside the preview, and in it only inline-suggestion keys', async () => {
    const all = await defaultBindings();
    const os = workbenchOs(all);
    console.log(`      the workbench runs as ${os}`);
    const defaults = all.filter((b) => !b.command.startsWith('diffusionInfill.') && !b.command.startsWith('-'));
    assert.ok(defaults.length > 300, `only ${defaults.length} default keybindings read`);
    const inlineKeys = new Set(defaults.filter((d) => INLINE_SUGGESTION_COMMAND.test(d.command)).map((d) => normalise(d.key)));
    assert.ok(inlineKeys.has('tab') && inlineKeys.has('escape'), `inline-suggestion keys: ${[...inlineKeys].join(', ')}`);
    const problems: string[] = [];
    for (const binding of ours()) {
      const key = normalise(keyFor(binding, os));
      const taken = defaults.filter((d) => normalise(d.key) === key || normalise(d.key).startsWith(key + ' '));
      if (taken.length === 0) continue;
      const previewOnly = PREVIEW_CONTEXT.test(binding.when ?? '');
      console.log(`      ${key} (${binding.command}${previewOnly ? ', preview only' : ''}) shadows ${taken.map((d) => d.command).join(', ')}`);
      if (!previewOnly || !inlineKeys.has(key)) problems.push(`${key} → ${binding.command} takes ${taken.map((d) => d.command).join(', ')}`);
    }
    assert.deepEqual(problems, []);
  });

  it('VS Code resolves each of ours to the key given for its OS', async () => {
    const all = await defaultBindings();
    const os = workbenchOs(all);
    for (const binding of ours()) {
      const resolved = all.filter((d) => d.command === binding.command).map((d) => normalise(d.key));
      assert.ok(resolved.includes(normalise(keyFor(binding, os))), `${binding.command}: ${os} key ${keyFor(binding, os)}, VS Code lists ${resolved.join(', ')}`);
    }
  });

  it('act on a preview only while the cursor is at its hole; Enter is never one of them', () => {
    const bindings = ours();
    for (const os of ['mac', 'linux', 'win'] as const) assert.deepEqual(bindings.filter((b) => normalise(keyFor(b, os)) === 'enter'), [], `Enter on ${os}`);
    const previewKeys = bindings.filter((b) => PREVIEW_CONTEXT.test(b.when ?? ''));
    assert.ok(previewKeys.length >= 7, `only ${previewKeys.length} preview keys`);
    for (const b of previewKeys) assert.match(b.when ?? '', /&& diffusionInfill\.cursorAtHole\b/, `${b.key} → ${b.command} acts away from the hole`);
  });
});
