/**
 * Bring-your-own models through the real runtime: folders built here by training/byo's scripts
 * (a randomly initialised MDLM-OWT-shaped DiT exported like the real checkpoint, and a tiny
 * BERT-shaped masked LM in the transformers.js layout) load, validate and infill.
 * Needs Debian's python3-torch and python3-onnx (`.ci/run` installs them) and `npm ci` in training/byo.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkerClient } from '../../src/worker/client';
import { repoRoot, workerScript } from '../worker/fixtures';

const byo = path.join(repoRoot, 'training', 'byo');
const python = '/usr/bin/python3';
const hasTorch = spawnSync(python, ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status === 0;
const run = (script: string, ...args: string[]) => execFileSync(python, [path.join(byo, script), ...args], { cwd: byo, stdio: 'pipe' });

describe('bring your own model', { skip: hasTorch ? false : 'needs /usr/bin/python3 with torch and onnx' }, () => {
  let dir: string;
  let client: WorkerClient;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'di-byo-'));
    client = new WorkerClient(workerScript);
  });
  after(async () => {
    await client.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an MDLM-OWT checkpoint (random weights, its exact parameter names, smaller width) exports and infills', async () => {
    run('make_random_mdlm_owt.py', path.join(dir, 'owt-ckpt'), '--small');
    run('export_mdlm_owt.py', path.join(dir, 'owt-ckpt'), path.join(dir, 'owt'));
    const model = await client.load({ modelDir: path.join(dir, 'owt'), executionProvider: 'cpu', quantized: false, threads: 0 });
    assert.deepEqual([model.vocabSize, model.maskId, model.maxLength, model.usesTime], [50258, 50257, 1024, false]);
    const frames: number[] = [];
    const done = await client.infill(
      {
        segments: [{ kind: 'text', text: 'The capital of France is' }, { kind: 'hole', length: 4 }, { kind: 'text', text: '. It is' }],
        sampler: { strategy: 'remdm-cap', steps: 6 },
        seed: 1,
        samples: 1,
        maxFramesPerSecond: 0,
      },
      (frame) => frames.push(frame.holes[0][0].length),
    ).result;
    // Pieces are whole characters: byte-level tokens of one character are drawn as one piece.
    assert.ok(frames.length >= 6 && frames[0] === 4 && frames.every((n) => n >= 1 && n <= 4), `frames show the 4-token hole: ${frames}`);
    assert.equal(typeof done.samples[0].holes[0], 'string');
    assert.ok(done.samples[0].holes[0].length > 0);
  });

  it('a BERT-shaped fill-mask model gets attention_mask and token_type_ids, its own [MASK] and [CLS] … [SEP]', async () => {
    run('make_tiny_bert.py', path.join(dir, 'bert'));
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'bert', 'config.json'), 'utf8'));
    const model = await client.load({ modelDir: path.join(dir, 'bert'), executionProvider: 'cpu', quantized: false, threads: 0 });
    assert.equal(model.vocabSize, config.vocab_size);
    assert.equal(model.maxLength, config.max_position_embeddings);
    const done = await client.infill(
      {
        segments: [{ kind: 'text', text: 'the value is' }, { kind: 'hole', length: 2 }, { kind: 'text', text: 'here' }],
        sampler: { strategy: 'confidence-threshold', steps: 2 },
        seed: 3,
        samples: 2,
        maxFramesPerSecond: 0,
      },
    ).result;
    assert.equal(done.samples.length, 2);
    for (const sample of done.samples) assert.ok(!sample.holes[0].includes('[MASK]') && !sample.holes[0].includes('[CLS]'), sample.holes[0]);
  });

  it('a window longer than a BERT model allows is refused with the allowed length', async () => {
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'bert', 'config.json'), 'utf8'));
    await client.load({ modelDir: path.join(dir, 'bert'), executionProvider: 'cpu', quantized: false, threads: 0 });
    const tooLong = { kind: 'hole' as const, length: config.max_position_embeddings };
    await assert.rejects(
      client.infill({ segments: [tooLong], sampler: { strategy: 'mdlm', steps: 2 }, seed: 0, samples: 1, maxFramesPerSecond: 0 }).result,
      (err: Error & { code?: string }) => err.code === 'hole-too-long' && /\d+/.test(err.message),
    );
  });
});
