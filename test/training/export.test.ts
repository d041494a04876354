// The export path end to end: training/export.py --random-tiny writes a model folder (and checks
// its own fp32/int8 parity with onnxruntime-node); these tests then read that folder as the
// extension would, and show the parity check fails on a model that does not match PyTorch.
// Needs Debian's PyTorch at /usr/bin/python3; skipped where it is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';

const root = path.resolve(__dirname, '../../..');
const python = '/usr/bin/python3';
const hasTorch = spawnSync(python, ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status === 0;
const skip = hasTorch ? false : 'needs /usr/bin/python3 with torch and onnx';

function exportTiny(dir: string, extra: string[] = []) {
  return spawnSync(python, [path.join(root, 'training/export.py'), '--random-tiny', dir, ...extra], {
    encoding: 'utf8', timeout: 120_000,
  });
}

test('export.py --random-tiny writes a loadable model folder that passes parity', { skip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiny-export-'));
  try {
    const run = exportTiny(dir);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /parity ok/);
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    assert.equal(config.model_type, 'mdlm');
    assert.equal(config.time_conditioning, false);
    const tokenizer = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'));
    assert.equal(tokenizer.model.vocab['[MASK]'], config.mask_token_id);
    assert.equal(config.vocab_size, config.mask_token_id + 1);

    for (const file of ['model.onnx', 'model_quantized.onnx']) {
      const session = await ort.InferenceSession.create(path.join(dir, 'onnx', file));
      assert.deepEqual(session.inputNames, ['input_ids']);
      assert.deepEqual(session.outputNames, ['logits']);
      // A length other than the export example's, batch 3: both axes are dynamic.
      const ids = new ort.Tensor('int64', new BigInt64Array(3 * 11).fill(BigInt(config.mask_token_id)), [3, 11]);
      const { logits } = await session.run({ input_ids: ids });
      assert.equal(logits.type, 'float32');
      assert.deepEqual(logits.dims, [3, 11, config.vocab_size]);
      await session.release();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('parity.mjs fails when the fp32 model does not match PyTorch', { skip }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiny-parity-'));
  try {
    const parityFile = path.join(dir, 'parity.json');
    const run = exportTiny(path.join(dir, 'model'), ['--parity-file', parityFile, '--no-parity']);
    assert.equal(run.status, 0, run.stderr);
    // The int8 model stands in for the fp32 one: close, but not within 1e-4.
    fs.copyFileSync(path.join(dir, 'model/onnx/model_quantized.onnx'), path.join(dir, 'model/onnx/model.onnx'));
    const check = spawnSync(process.execPath, [path.join(root, 'training/parity.mjs'), path.join(dir, 'model'), parityFile],
      { encoding: 'utf8' });
    assert.equal(check.status, 1, check.stdout + check.stderr);
    assert.match(check.stdout, /PARITY FAILED/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
