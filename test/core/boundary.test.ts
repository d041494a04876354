import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { boundaryViolations, LAYER_RULES, layerViolations, moduleSpecifiers, type Layer } from './import-boundary';

// Compiled to out/test/core; the sources live in <repo>/src.
const repo = path.resolve(__dirname, '..', '..', '..');
const srcDir = path.join(repo, 'src');
const coreDir = path.join(srcDir, 'core');

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

test('every folder under src/ is a layer, and each imports only what its rule allows', () => {
  const layers = fs.readdirSync(srcDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  assert.deepEqual(layers.sort(), Object.keys(LAYER_RULES).sort());
  const found = (layers as Layer[]).flatMap((layer) =>
    filesUnder(path.join(srcDir, layer)).flatMap((f) =>
      layerViolations(fs.readFileSync(f, 'utf8'), path.dirname(f), srcDir, layer).map((s) => `${path.relative(repo, f)}: ${s}`),
    ),
  );
  assert.deepEqual(found, []);
});

test('the layer rules catch a step the wrong way', () => {
  const at = (layer: string, sub = '') => path.join(srcDir, layer, sub);
  const bad: [Layer, string, string][] = [
    ['editor', at('editor'), "import { TextTokenizer } from '../worker/tokenizer';"],
    ['editor', at('editor', 'timeline'), "import type { X } from '../../worker/runner';"],
    ['cli', at('cli'), "import { runInfill } from '../worker/runner';"],
    ['cli', at('cli'), "import * as vscode from 'vscode';"],
    ['host', at('host'), "import { LoadedModel } from '../worker/model';"],
    ['host', at('host'), "import * as ort from 'onnxruntime-node';"],
    ['protocol', at('protocol'), "import { sample } from '../core/sampler';"],
    ['protocol', at('protocol'), "import { WorkerClient } from '../host/client';"],
    ['protocol', at('protocol'), "import fs from 'node:fs';"],
    ['worker', at('worker'), "import type { Session } from '../editor/session';"],
    ['worker', at('worker'), "import { WorkerClient } from '../host/client';"],
    ['worker', at('worker'), "import * as vscode from 'vscode';"],
    ['core', at('core'), "import type { ErrorCode } from '../protocol/protocol';"],
    ['core', at('core'), "import { convertSnapshot } from '../convert/convert';"],
    ['convert', at('convert'), "import { sample } from '../core/sampler';"],
    ['convert', at('convert'), "import { OnnxDenoiser } from '../worker/onnxDenoiser';"],
  ];
  for (const [layer, dir, line] of bad) assert.equal(layerViolations(line, dir, srcDir, layer).length, 1, `${layer}: ${line}`);
  const good: [Layer, string, string][] = [
    ['editor', at('editor', 'timeline'), "import type { TokenView } from '../../protocol/protocol';"],
    ['editor', at('editor'), "import { WorkerClient } from '../host/client';"],
    ['cli', at('cli'), "import { parsePlaceholders } from '../core';"],
    ['host', at('host'), "import { Worker } from 'node:worker_threads';"],
    ['protocol', at('protocol'), "import type { Segment } from '../core/types';"],
    ['worker', at('worker'), "import { InfillError } from '../protocol/errors';"],
    ['worker', at('worker'), "import * as ort from 'onnxruntime-node';"],
  ];
  for (const [layer, dir, line] of good) assert.deepEqual(layerViolations(line, dir, srcDir, layer), [], `${layer}: ${line}`);
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
    "export { x } from '../protocol/protocol';",
    "import type { Y } from '../editor/extension';",
    "import {\n  a,\n  b,\n} from 'lodash';",
  ];
  for (const line of bad) assert.equal(boundaryViolations(line, dir, coreDir).length, 1, line);
  const good = ["import { a } from './types';", "export * from './errors';", "import type { Rng } from './types';"];
  for (const line of good) assert.deepEqual(boundaryViolations(line, dir, coreDir), [], line);
  assert.deepEqual(moduleSpecifiers("// importing things from 'nowhere' in prose\nconst s = 'import';"), []);
});
