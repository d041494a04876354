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
import { WorkerClient } from '../../src/host/client';
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

  const infillOwt = async (modelDir: string, quantized: boolean) => {
    const model = await client.load({ modelDir, executionProvider: 'cpu', quantized, threads: 0 });
    assert.deepEqual([model.vocabSize, model.maskId, model.maxLength, model.usesTime], [50258, 50257, 1024, false]);
    assert.equal(path.basename(model.onnxFile), quantized ? 'model_quantized.onnx' : 'model.onnx');
    const frames: number[] = [];
    const done = await client.infill(
      {
        segments: [{ kind: 'text', text: 'The capital of France is' }, { kind: 'hole', length: 4 }, { kind: 'text', text: '. It is' }],
        sampler: { strategy: 'remdm-cap', steps: 6 },
        seed: 1,
        samples: 1,
        maxFramesPerSecond: 0,
      },
      (frame) => frames.push(frame.holes[0].length),
    ).result;
    // Pieces are whole characters: byte-level tokens of one character are drawn as one piece.
    assert.ok(frames.length >= 6 && frames[0] === 4 && frames.every((n) => n >= 1 && n <= 4), `frames show the 4-token hole: ${frames}`);
    assert.equal(typeof done.samples[0].holes[0], 'string');
    assert.ok(done.samples[0].holes[0].length > 0);
  };
  const parity = (modelDir: string, refDir: string) =>
    spawnSync('node', [path.join(byo, 'parity.mjs'), modelDir, refDir, '--tol', '1e-4'], { cwd: byo, encoding: 'utf8' });

  it('an MDLM-OWT checkpoint (random bf16 weights, its exact parameter names, smaller width) exports with fp32 parity <= 1e-4 and int8, and infills', async () => {
    run('make_random_mdlm_owt.py', path.join(dir, 'owt-ckpt'), '--small', '--bf16');
    run('export_mdlm_owt.py', path.join(dir, 'owt-ckpt'), path.join(dir, 'owt'), '--quantize', '--reference-dir', path.join(dir, 'owt-ref'), '--threads', '1');
    const report = parity(path.join(dir, 'owt'), path.join(dir, 'owt-ref'));
    assert.equal(report.status, 0, report.stdout + report.stderr);
    assert.match(report.stdout, /model\.onnx: inputs \[input_ids\] outputs \[logits\] .*max abs diff/);
    assert.match(report.stdout, /model_quantized\.onnx: /);
    await infillOwt(path.join(dir, 'owt'), false);
    await infillOwt(path.join(dir, 'owt'), true);
  });

  it('the exported folder carries GPT-2\'s tokenizer with [MASK] appended as 50257', () => {
    const encode = (text: string) => JSON.parse(execFileSync('node', [path.join(byo, 'encode.mjs'), path.join(dir, 'owt'), text], { encoding: 'utf8' }));
    assert.deepEqual(encode('Hello world').ids, [15496, 995]); // GPT-2's own ids
    const got = encode('def foo(x):\n    return x[MASK]<|endoftext|>');
    assert.deepEqual(got.ids, [4299, 22944, 7, 87, 2599, 198, 220, 220, 220, 1441, 2124, 50257, 50256]);
    assert.equal(got.decoded, 'def foo(x):\n    return x[MASK]<|endoftext|>');
  });

  it('weights in external data (onnx/model.onnx_data) load with the same logits and infill; the parity check fails on another model', async () => {
    run('export_mdlm_owt.py', path.join(dir, 'owt-ckpt'), path.join(dir, 'owt-ext'), '--external-data', '--threads', '1');
    assert.ok(fs.statSync(path.join(dir, 'owt-ext', 'onnx', 'model.onnx_data')).size > fs.statSync(path.join(dir, 'owt-ext', 'onnx', 'model.onnx')).size);
    const same = parity(path.join(dir, 'owt-ext'), path.join(dir, 'owt-ref'));
    assert.equal(same.status, 0, same.stdout + same.stderr);
    await infillOwt(path.join(dir, 'owt-ext'), false);
    run('make_random_mdlm_owt.py', path.join(dir, 'other-ckpt'), '--small', '--seed', '2');
    run('export_mdlm_owt.py', path.join(dir, 'other-ckpt'), path.join(dir, 'other'), '--threads', '1');
    const other = parity(path.join(dir, 'other'), path.join(dir, 'owt-ref'));
    assert.equal(other.status, 1, other.stdout + other.stderr);
    assert.match(other.stderr, /FAIL: fp32 max abs diff .* > 0\.0001/);
  });

  it('the exporter\'s own Python tests pass (safetensors round trip, checkpoint parameter names, the literal reference forward)', () => {
    const done = spawnSync(python, ['-m', 'unittest', 'test_byo.SafetensorsTest', 'test_byo.DitModuleTest'], { cwd: byo, encoding: 'utf8' });
    assert.equal(done.status, 0, done.stdout + done.stderr);
    assert.match(done.stderr, /Ran [1-9]\d* tests?[\s\S]*OK/);
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

  it('a model whose logits are wider than its tokenizer (vocabulary padded to a multiple of 64) loads and never draws a padding id', async () => {
    run('make_tiny_bert.py', path.join(dir, 'bert-padded'), '--pad-vocab-to', '64');
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'bert-padded', 'config.json'), 'utf8'));
    const tokens = Object.keys(JSON.parse(fs.readFileSync(path.join(dir, 'bert-padded', 'tokenizer.json'), 'utf8')).model.vocab).length;
    assert.ok(config.vocab_size % 64 === 0 && config.vocab_size > tokens, `${config.vocab_size} vs ${tokens}`);
    const model = await client.load({ modelDir: path.join(dir, 'bert-padded'), executionProvider: 'cpu', quantized: false, threads: 0 });
    assert.equal(model.vocabSize, config.vocab_size);
    // The padding rows carry the largest logits (make_tiny_bert.py biases them up), so a sampler
    // that drew them would show them: this tokenizer decodes an id it does not have as [UNK].
    let last: string[] = [];
    const done = await client.infill(
      { segments: [{ kind: 'text', text: 'the value is' }, { kind: 'hole', length: 2 }], sampler: { strategy: 'mdlm', steps: 2 }, seed: 5, samples: 4, maxFramesPerSecond: 0 },
      (frame) => (last = frame.holes[0].map((view) => view.text)),
    ).result;
    assert.ok(last.length === 2 && last.every((text) => text.trim().length > 0 && text !== '[UNK]'), JSON.stringify(last));
    assert.equal(done.samples.length, 4);
    assert.ok(done.samples.every((sample) => !sample.holes[0].includes('[UNK]')), JSON.stringify(done.samples));
  });
});
