// The gathering head (bench/make_positions_head.py): a graph that returns logits only at the
// positions asked for. The embedded model ships with the head, so both graphs are built here from
// a plain random model with the embedded tokenizer (training/export.py --random-tiny), with
// Debian's Python (needs torch and onnx; skipped where they are missing).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LoadedModel } from '../../src/worker/model';
import { runInfill } from '../../src/worker/runner';
import { OnnxDenoiser } from '../../src/worker/onnxDenoiser';
import { removeDir, repoRoot } from './fixtures';

const python = '/usr/bin/python3';
const hasOnnx = spawnSync(python, ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status === 0;
const skip = hasOnnx ? false : 'needs /usr/bin/python3 with torch and onnx';

let built: string | undefined;
/** Built once for the file (Python and onnx take seconds to start), removed after it: DIR/plain and DIR/positions. */
function buildModels(): { plain: string; positions: string } {
  if (!built) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'di-positions-'));
    const plain = path.join(dir, 'plain');
    const tiny = spawnSync(python, [path.join(repoRoot, 'training', 'export.py'), '--random-tiny', plain, '--no-quantized'], { encoding: 'utf8', cwd: path.join(repoRoot, 'training') });
    assert.equal(tiny.status, 0, tiny.stderr);
    const head = spawnSync(python, [path.join(repoRoot, 'bench', 'make_positions_head.py'), plain, path.join(dir, 'positions')], { encoding: 'utf8' });
    assert.equal(head.status, 0, head.stderr);
    built = dir;
  }
  return { plain: path.join(built, 'plain'), positions: path.join(built, 'positions') };
}
after(() => {
  if (built) removeDir(built);
});

test('a gathering graph returns exactly the full graph\'s logits rows (fp32), and forward() still gives all of them', { skip }, async () => {
  const { plain, positions: dir } = buildModels();
  const settings = { executionProvider: 'cpu' as const, threads: 1 };
  const full = await OnnxDenoiser.load(path.join(plain, 'onnx', 'model.onnx'), 8191, settings);
  const gathering = await OnnxDenoiser.load(path.join(dir, 'onnx', 'model.onnx'), 8191, settings);
  try {
    assert.equal(full.forwardAt, undefined, 'a plain graph has no forwardAt');
    assert.ok(gathering.forwardAt);
    const L = 40;
    const V = full.vocabSize;
    const ids = Int32Array.from({ length: 2 * L }, (_, i) => (i % L >= 10 && i % L < 20 ? 8191 : (i * 37) % 8000));
    const positions = Int32Array.from([10, 13, 19, 3]);
    const all = await full.forward(ids, 2, L);
    const some = await gathering.forwardAt(ids, 2, L, positions);
    assert.equal(some.length, 2 * positions.length * V);
    for (let b = 0; b < 2; b++) {
      positions.forEach((l, p) => {
        assert.deepEqual(some.subarray((b * positions.length + p) * V, (b * positions.length + p + 1) * V), all.subarray((b * L + l) * V, (b * L + l + 1) * V));
      });
    }
    assert.deepEqual(await gathering.forward(ids, 2, L), all);
  } finally {
    await full.dispose();
    await gathering.dispose();
  }
});

test('an infill through the gathering graph gives the same text as through the full graph (fp32, same seed)', { skip }, async () => {
  const { plain, positions } = buildModels();
  const load = (modelDir: string) => LoadedModel.load({ modelDir, executionProvider: 'cpu', quantized: false, threads: 1 });
  const full = await load(plain);
  const gathering = await load(positions);
  try {
    const request = {
      segments: [{ kind: 'text' as const, text: 'def add(a, b):\n    ' }, { kind: 'hole' as const, length: 12 }, { kind: 'text' as const, text: '\n\nprint(add(1, 2))\n' }],
      sampler: { strategy: 'remdm-loop' as const, steps: 12, topP: 0.9 },
      seed: 7,
      samples: 2,
      maxFramesPerSecond: 0,
    };
    const control = { isCancelled: () => false, postFrame: () => undefined };
    const a = await runInfill(full, 1, request, control);
    const b = await runInfill(gathering, 2, request, control);
    assert.deepEqual(b.samples, a.samples);
    assert.equal(b.forwardCalls, a.forwardCalls);
  } finally {
    await full.dispose();
    await gathering.dispose();
  }
});
