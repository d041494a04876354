// The GPU stage's plumbing, run here on the CPU (no test may need a GPU): the preset grows the
// shipped model without changing its function and within the size the repository takes, and
// training/gpu.sh turns a pack of tokens into checksummed pieces that reassemble into a checkpoint
// export.py reads. Needs Debian's PyTorch at /usr/bin/python3; skipped where it is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { py, python, root, skip } from './python';

test('the GPU preset is the shipped model grown to ten blocks, the same function, under 50 MB in fp32', { skip }, () => {
  const [blocks, bytes, diff] = py([
    'import json, torch',
    'from pathlib import Path',
    'from model import DiffusionLM, ModelConfig',
    'from onnx_weights import model_from_folder',
    'from train import PRESETS, grown_weights',
    `shipped = Path(${JSON.stringify(path.join(root, 'models/mdlm-code-small'))})`,
    'ref = model_from_folder(shipped)',
    'model = DiffusionLM(ModelConfig(vocab_size=ref.config.vocab_size, mask_token_id=ref.config.mask_token_id, **PRESETS["gpu"]["model"]))',
    'model.load_state_dict(grown_weights(shipped, model)); model.eval()',
    'x = torch.randint(0, 8000, (2, 40), generator=torch.Generator().manual_seed(0))',
    'with torch.no_grad(): diff = (model(x) - ref(x)).abs().max().item()',
    'print(json.dumps([model.config.num_layers, 4 * sum(p.numel() for p in model.parameters()), diff]))',
  ]) as [number, number, number];
  assert.equal(blocks, 10);
  assert.ok(bytes < 50e6, `${bytes} bytes of fp32 weights`);
  assert.ok(diff < 1e-5, `grown model differs by ${diff}`);
});

test('gpu.sh turns a pack of tokens into checksummed pieces of a checkpoint export.py reads', { skip }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-stage-'));
  try {
    // A pack as `PACK=1 train.sh` lays it out: random tokens stand in for the corpus.
    const data = path.join(dir, 'pack');
    for (const split of ['train', 'heldout']) {
      fs.mkdirSync(path.join(data, 'data', split), { recursive: true });
      for (const domain of ['python', 'pydocs', 'typescript']) {
        const tokens = Uint16Array.from({ length: 4096 }, (_, i) => (i * 7919 + domain.length) % 8000);
        fs.writeFileSync(path.join(data, 'data', split, `${domain}.u16`), Buffer.from(tokens.buffer));
      }
    }
    fs.mkdirSync(path.join(data, 'tokenizer'));
    fs.copyFileSync(path.join(root, 'models/mdlm-code-small/tokenizer.json'), path.join(data, 'tokenizer/tokenizer.json'));
    const tokens = path.join(dir, 'tokens.tar.xz');
    assert.equal(spawnSync('tar', ['cJf', tokens, '-C', data, 'data', 'tokenizer']).status, 0);

    const out = path.join(dir, 'out');
    const env = { ...process.env, OUT: out, TOKENS: tokens, PY: python, PRESET: 'smoke', INIT_FROM: '', MINUTES: '2' };
    const run = spawnSync('bash', [path.join(root, 'training/gpu.sh')], { env, encoding: 'utf8', timeout: 180_000 });
    assert.equal(run.status, 0, run.stdout + run.stderr);

    const pieces = fs.readdirSync(out).filter((f) => f.startsWith('weights.pt.part')).sort();
    assert.ok(pieces.length >= 1);
    const weights = Buffer.concat(pieces.map((f) => fs.readFileSync(path.join(out, f))));
    const [sum, name] = fs.readFileSync(path.join(out, 'weights.sha256'), 'utf8').trim().split(/\s+/);
    assert.equal(name, 'weights.pt');
    assert.equal(createHash('sha256').update(weights).digest('hex'), sum);
    assert.match(fs.readFileSync(path.join(out, 'log.jsonl'), 'utf8'), /"heldout_acc15"/);

    const checkpoint = path.join(dir, 'checkpoint.pt');
    fs.writeFileSync(checkpoint, weights);
    const [layers, steps] = py([
      'import json',
      'from export import load_checkpoint',
      `model, state = load_checkpoint(${JSON.stringify(checkpoint)})`,
      'print(json.dumps([model.config.num_layers, state["step"]]))',
    ]) as [number, number];
    assert.equal(layers, 1);
    assert.equal(steps, 5);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('gpu.sh without its pack of tokens names what is missing and writes nothing', { skip }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-stage-'));
  try {
    const env = { ...process.env, OUT: path.join(dir, 'out'), TOKENS: path.join(dir, 'none.tar.xz'), PY: python };
    const run = spawnSync('bash', [path.join(root, 'training/gpu.sh')], { env, encoding: 'utf8' });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /gpu\.sh: no .*none\.tar\.xz/);
    assert.equal(fs.existsSync(path.join(dir, 'out')), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
