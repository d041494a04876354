// Our keybindings as each OS sees them (the key VS Code picks there: `mac` / `linux` / `win`, else
// `key`), against keys the OS or the keyboard layout takes before VS Code sees them. VS Code's own
// defaults per OS are checked in a real VS Code (test/integration/keybindings.test.ts, run as Linux,
// macOS and Windows).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

type Os = 'mac' | 'linux' | 'win';
interface Binding { key: string; command: string; when?: string; mac?: string; linux?: string; win?: string }

const bindings: Binding[] = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')).contributes.keybindings;
const keyFor = (binding: Binding, os: Os): string => binding[os] ?? binding.key;
const normalise = (key: string) => key.toLowerCase().split('+').sort().join('+');

/** Taken before VS Code sees them, by OS (the desktop's or the system's own shortcuts). */
const RESERVED: Record<Os, { keys: string[]; why: string }[]> = {
  mac: [
    { keys: ['cmd+space', 'cmd+tab', 'cmd+h', 'cmd+m', 'cmd+q', 'cmd+alt+d', 'cmd+alt+escape', 'ctrl+cmd+q', 'ctrl+cmd+f', 'ctrl+cmd+space', 'ctrl+cmd+d'], why: 'macOS system shortcuts' },
    { keys: ['ctrl+left', 'ctrl+right', 'ctrl+up', 'ctrl+down'], why: 'Mission Control and Spaces' },
  ],
  linux: [
    { keys: ['ctrl+alt+l'], why: 'locks the screen on KDE Plasma, Xfce and Cinnamon' },
    { keys: ['ctrl+alt+t'], why: 'opens a terminal on Ubuntu and GNOME' },
    { keys: ['ctrl+alt+delete', 'ctrl+alt+left', 'ctrl+alt+right', 'ctrl+alt+up', 'ctrl+alt+down'], why: 'log out, workspace switching' },
  ],
  win: [
    { keys: ['ctrl+alt+delete', 'alt+tab', 'alt+f4', 'ctrl+shift+escape'], why: 'Windows system shortcuts' },
  ],
};

/**
 * Keys that type a character on common layouts: Option+letter on macOS (e.g. Option+L is @ on a
 * German Mac), and Ctrl+Alt+letter on Windows, where Ctrl+Alt is AltGr (AltGr+L is ł in Polish
 * programmers', AltGr+Q/E/M are @/€/µ in German).
 */
function typesCharacter(key: string, os: Os): string | undefined {
  const parts = key.split('+');
  const letter = parts.find((p) => /^[a-z]$/.test(p));
  if (!letter) return undefined;
  const mods = new Set(parts.filter((p) => p !== letter));
  if (os === 'mac' && mods.has('alt') && !mods.has('cmd') && !mods.has('ctrl')) return 'Option+letter types a character on macOS';
  if (os === 'win' && mods.has('alt') && mods.has('ctrl') && 'acelnosxzqem'.includes(letter)) return `Ctrl+Alt+${letter.toUpperCase()} is AltGr+${letter.toUpperCase()}, a character on Polish or German layouts`;
  return undefined;
}

for (const os of ['mac', 'linux', 'win'] as const) {
  test(`${os}: no keybinding takes a key the OS or the keyboard layout keeps`, () => {
    const problems: string[] = [];
    for (const binding of bindings) {
      const key = normalise(keyFor(binding, os));
      for (const reserved of RESERVED[os]) if (reserved.keys.map(normalise).includes(key)) problems.push(`${binding.command}: ${key} (${reserved.why})`);
      const typed = typesCharacter(key, os);
      if (typed) problems.push(`${binding.command}: ${key} (${typed})`);
    }
    assert.deepEqual(problems, []);
  });
}

test('the key each OS gets: Cmd on macOS where Linux and Windows take Ctrl; no two commands share a key in one context', () => {
  for (const binding of bindings) {
    const [pc, mac] = [keyFor(binding, 'linux'), keyFor(binding, 'mac')];
    if (/\bctrl\b/.test(pc)) assert.ok(/\bcmd\b/.test(mac), `${binding.command}: ${pc} on Linux, ${mac} on macOS (no Cmd)`);
    assert.equal(keyFor(binding, 'win'), pc, `${binding.command}: Windows and Linux differ`);
  }
  for (const os of ['mac', 'linux', 'win'] as const) {
    const seen = new Map<string, string>();
    for (const b of bindings) {
      const id = `${normalise(keyFor(b, os))} when ${b.when ?? ''}`;
      assert.ok(!seen.has(id), `${os}: ${b.command} and ${seen.get(id)} share ${id}`);
      seen.set(id, b.command);
    }
  }
});

test('keys that type a character: Option+letter on macOS, AltGr letters on Windows; Cmd and Shift combinations do not', () => {
  assert.match(typesCharacter('alt+l', 'mac') ?? '', /Option\+letter/);
  assert.match(typesCharacter(normalise('ctrl+alt+l'), 'win') ?? '', /AltGr\+L/);
  assert.equal(typesCharacter(normalise('ctrl+cmd+l'), 'mac'), undefined);
  assert.equal(typesCharacter(normalise('alt+shift+l'), 'win'), undefined);
});
