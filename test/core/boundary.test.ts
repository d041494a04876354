import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { boundaryViolations, moduleSpecifiers } from './import-boundary';

// Compiled to out/test/core; the sources live in <repo>/src/core.
const repo = path.resolve(__dirname, '..', '..', '..');
const coreDir = path.join(repo, 'src', 'core');

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('src/core imports nothing outside src/core (no vscode, onnxruntime-node, worker_threads, fs)', () => {
  const files = filesUnder(coreDir);
  assert.ok(files.length >= 10, `found ${files.length} core files`);
  const found = files.flatMap((f) => boundaryViolations(fs.readFileSync(f, 'utf8'), path.dirname(f), coreDir).map((s) => `${path.relative(repo, f)}: ${s}`));
  assert.deepEqual(found, []);
});

test('the checker catches every forbidden form', () => {
  const dir = coreDir;
  const bad = [
    "import * as vscode from 'vscode';",
    "import { InferenceSession } from 'onnxruntime-node';",
    "import { Worker } from 'worker_threads';",
    "import { parentPort } from \"node:worker_threads\";",
    "const fs = require('fs');",
    "import 'node:fs';",
    "const m = await import('fs');",
    "export { x } from '../worker/protocol';",
    "import type { Y } from '../editor/extension';",
    "import {\n  a,\n  b,\n} from 'lodash';",
  ];
  for (const line of bad) assert.equal(boundaryViolations(line, dir, coreDir).length, 1, line);
  const good = ["import { a } from './types';", "export * from './errors';", "import type { Rng } from './types';"];
  for (const line of good) assert.deepEqual(boundaryViolations(line, dir, coreDir), [], line);
  assert.deepEqual(moduleSpecifiers("// importing things from 'nowhere' in prose\nconst s = 'import';"), []);
});
