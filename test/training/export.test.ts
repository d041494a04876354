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
import { readModelFolder } from '../../src/worker/modelFolder';
import { python, root, skip } from './python';

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

test('a model folder gives its weights back: PyTorch rebuilt from the fp32 graph matches ONNX Runtime, and train.py --init-from starts there', { skip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiny-weights-'));
  try {
    const model = path.join(dir, 'model');
    assert.equal(exportTiny(model).status, 0);
    const ids = [1, 2, 3, 4, 5, 6, 7, 8];
    const script = [
      'import sys, json, torch',
      `sys.path.insert(0, ${JSON.stringify(path.join(root, 'training'))})`,
      'from onnx_weights import model_from_folder',
      `m = model_from_folder(${JSON.stringify(model)})`,
      `print(json.dumps(m(torch.tensor([${ids.join(',')}])[None]).flatten().tolist()))`,
    ].join('\n');
    const torchRun = spawnSync(python, ['-c', script], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    assert.equal(torchRun.status, 0, torchRun.stderr);
    const fromTorch: number[] = JSON.parse(torchRun.stdout.trim().split('\n').pop() ?? '[]');
    const session = await ort.InferenceSession.create(path.join(model, 'onnx', 'model.onnx'));
    const { logits } = await session.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]) });
    await session.release();
    assert.equal(fromTorch.length, logits.data.length);
    const diff = Math.max(...fromTorch.map((v, i) => Math.abs(v - (logits.data as Float32Array)[i])));
    assert.ok(diff < 1e-4, `max abs diff ${diff}`);

    // A smoke run from those weights (every objective of the mix): it says where it started, and a preset of another shape is refused by name.
    const data = path.join(dir, 'data');
    fs.mkdirSync(path.join(data, 'train'), { recursive: true });
    fs.writeFileSync(path.join(data, 'train', 'python.u16'), Buffer.from(Uint16Array.from({ length: 4096 }, (_, i) => 1 + (i % 200)).buffer));
    const train = (preset: string, out: string) => spawnSync(python, [path.join(root, 'training/train.py'), '--data', data, '--tokenizer', model,
      '--out', path.join(dir, out), '--preset', preset, '--init-from', model, '--objectives', 'mdlm=0.4,span=0.3,eos=0.3', '--threads', '1'],
      { encoding: 'utf8', timeout: 120_000 });
    const smoke = train('smoke', 'run');
    assert.equal(smoke.status, 0, smoke.stderr);
    assert.match(smoke.stdout, /initialised from/);
    assert.ok(fs.existsSync(path.join(dir, 'run', 'checkpoint.pt')));
    const wrong = train('small', 'wrong');
    assert.notEqual(wrong.status, 0);
    assert.match(wrong.stderr, /no initializer of the right shape for .*embed\.weight/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a model trained to resize its holes: add_expand.py adds the token once, train.py trains it, export.py names it in config.json, and the runtime reads it', { skip }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiny-expand-'));
  try {
    const model = path.join(dir, 'model');
    assert.equal(exportTiny(model, ['--no-parity']).status, 0);
    const tokenizer = path.join(dir, 'tokenizer');
    const add = (from: string) => spawnSync(python, [path.join(root, 'training/add_expand.py'), from, tokenizer], { encoding: 'utf8', timeout: 120_000 });
    const added = add(model);
    assert.equal(added.status, 0, added.stderr);
    assert.match(added.stdout, /<\|expand\|> = 8192/);
    const again = add(tokenizer);
    assert.notEqual(again.status, 0);
    assert.match(again.stderr, /has <\|expand\|> already/);

    const data = path.join(dir, 'data');
    fs.mkdirSync(path.join(data, 'train'), { recursive: true });
    fs.writeFileSync(path.join(data, 'train', 'python.u16'), Buffer.from(Uint16Array.from({ length: 4096 }, (_, i) => 1 + (i % 200)).buffer));
    const train = spawnSync(python, [path.join(root, 'training/train.py'), '--data', data, '--tokenizer', tokenizer, '--out', path.join(dir, 'run'),
      '--preset', 'smoke', '--init-from', model, '--objectives', 'mdlm=0.5,expand=0.5', '--threads', '1'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(train.status, 0, train.stderr);
    assert.match(train.stdout, /'vocab_size': 8193/);
    const out = path.join(dir, 'resizing');
    const exported = spawnSync(python, [path.join(root, 'training/export.py'), path.join(dir, 'run', 'checkpoint.pt'), out, '--tokenizer', tokenizer],
      { encoding: 'utf8', timeout: 120_000 });
    assert.equal(exported.status, 0, exported.stdout + exported.stderr);
    assert.match(exported.stdout, /parity ok/);
    const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    assert.deepEqual([config.vocab_size, config.expand_token_id, config.delete_token_id], [8193, 8192, 0]);
    assert.deepEqual(readModelFolder(out, false).config.resizeTokens, { expandId: 8192, deleteId: 0 });
    // The model without the token resizes nothing.
    assert.equal(readModelFolder(model, false).config.resizeTokens, undefined);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
