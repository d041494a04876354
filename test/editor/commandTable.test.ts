import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMMANDS, COMMAND_PREFIX, commandId, type CommandName } from '../../src/editor/commandTable';

// Compiled to out/test/editor; package.json is at the repository root.
const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
const names = Object.keys(COMMANDS) as CommandName[];

test('every command in package.json is in the command table, and every command in the table is in package.json', () => {
  const declared: string[] = manifest.contributes.commands.map((c: { command: string }) => c.command);
  assert.deepEqual([...declared].sort(), names.map(commandId).sort());
  assert.equal(new Set(declared).size, declared.length, 'a command declared twice');
});

test("the command palette's when-clauses are the table's", () => {
  const palette: { command: string; when?: string }[] = manifest.contributes.menus.commandPalette;
  const inManifest = Object.fromEntries(palette.map((m) => [m.command, m.when]));
  const inTable = Object.fromEntries(names.flatMap((n) => ('palette' in COMMANDS[n] ? [[commandId(n), COMMANDS[n].palette]] : [])));
  assert.deepEqual(inManifest, inTable);
});

test('menus and keybindings name only commands of the table', () => {
  const known = new Set(names.map(commandId));
  const menus = Object.values(manifest.contributes.menus as Record<string, { command: string }[]>).flat();
  const used = [...menus, ...manifest.contributes.keybindings].map((m: { command: string }) => m.command);
  assert.ok(used.length > 10, `found ${used.length} menu items and keybindings`);
  assert.deepEqual(used.filter((c) => c.startsWith(COMMAND_PREFIX) && !known.has(c)), []);
});
