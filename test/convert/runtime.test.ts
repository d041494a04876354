/**
 * Converted models in the runtime: shifted logits (row p-1 for position p, position 0 never
 * generated), the family's end tokens, windows shorter than the warm-up, and infills through the
 * worker and the CLI.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { convertSnapshot } from '../../src/convert/convert';
import { WorkerClient } from '../../src/host/client';
import { OnnxDenoiser } from '../../src/worker/onnxDenoiser';
import { planSpans, type SamplerOptions } from '../../src/core';
import { LoadedModel } from '../../src/worker/model';
import { topKRowsOf } from '../core/topkHead';
import { TextTokenizer } from '../../src/protocol/tokenizer';
import { ChatFormat, requestSegments } from '../../src/worker/chat';
import { readModelFolder } from '../../src/worker/modelFolder';
import { cliScript, editJson, embeddedModel, workerScript } from '../worker/fixtures';
import { hasTorch, makeSnapshot } from './snapshots';

describe('converted models in the runtime', { skip: hasTorch ? false : 'needs /usr/bin/python3 with torch' }, () => {
  let dir: string;
  let client: WorkerClient;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'di-convert-run-'));
    for (const family of ['dream', 'llada']) {
      makeSnapshot(family, path.join(dir, `${family}-snapshot`));
      await convertSnapshot(path.join(dir, `${family}-snapshot`), path.join(dir, family));
    }
    client = new WorkerClient(workerScript);
  });
  after(async () => {
    await client.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shift_logits: position p reads the model\'s row p-1', async () => {
    const file = path.join(dir, 'dream', 'onnx', 'model.onnx');
    const settings = { executionProvider: 'cpu' as const, threads: 1 };
    const plain = await OnnxDenoiser.load(file, 4, settings);
    const shifted = await OnnxDenoiser.load(file, 4, settings);
    shifted.shiftLogits = true;
    try {
      const ids = Int32Array.from([7, 8, 4, 4, 4, 9, 10]);
      const v = plain.vocabSize;
      const own = await plain.forward(ids, 1, 7);
      const read = await shifted.forward(ids, 1, 7);
      for (let p = 1; p < 7; p++) assert.deepEqual(read.subarray(p * v, (p + 1) * v), own.subarray((p - 1) * v, p * v), `position ${p}`);
      const at = await shifted.forwardAt!(ids, 1, 7, Int32Array.from([2, 4]));
      assert.deepEqual(at, Float32Array.from([...own.subarray(v, 2 * v), ...own.subarray(3 * v, 4 * v)]));
    } finally {
      await plain.dispose();
      await shifted.dispose();
    }
  });

  for (const family of ['dream', 'llada']) {
    it(`${family}: loads with its mask, shift and end tokens, and infills (a hole at the very start too)`, async () => {
      const modelDir = path.join(dir, family);
      const config = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8'));
      const model = await client.load({ modelDir, executionProvider: 'cpu', quantized: false, threads: 1 });
      assert.equal(model.maskId, config.mask_token_id);
      assert.equal(model.shiftLogits, family === 'dream' ? true : undefined);
      assert.deepEqual(model.endTokenIds, config.end_token_ids);
      for (const segments of [
        [{ kind: 'text' as const, text: 'def f(x):\n    return' }, { kind: 'hole' as const, length: 6 }, { kind: 'text' as const, text: '\n' }],
        [{ kind: 'hole' as const, length: 5 }, { kind: 'text' as const, text: ' = 1' }],
      ]) {
        const done = await client.infill({ segments, sampler: { strategy: 'topk-confidence', steps: 3 }, seed: 1, samples: 2, maxFramesPerSecond: 0 }).result;
        assert.equal(done.samples.length, 2);
        for (const s of done.samples) assert.equal(typeof s.holes[0], 'string');
      }
    });
  }

  it('an output layer hundreds of rows past the tokenizer (as in Qwen2.5 and Dream checkpoints) loads and infills', async () => {
    makeSnapshot('dream', path.join(dir, 'padded-snapshot'), 0, ['--vocab', '700']);
    await convertSnapshot(path.join(dir, 'padded-snapshot'), path.join(dir, 'padded'));
    const model = await client.load({ modelDir: path.join(dir, 'padded'), executionProvider: 'cpu', quantized: false, threads: 1 });
    assert.equal(model.vocabSize, 700);
    const done = await client.infill({ segments: [{ kind: 'text', text: 'def f(x):\n    return' }, { kind: 'hole', length: 6 }], sampler: { strategy: 'mdlm', steps: 3, temperature: 2 }, seed: 5, samples: 4, maxFramesPerSecond: 0 }).result;
    for (const s of done.samples) assert.equal(typeof s.holes[0], 'string');
  });

  it('a window shorter than the 8-token warm-up loads and runs', async () => {
    const modelDir = path.join(dir, 'dream-short');
    fs.cpSync(path.join(dir, 'dream'), modelDir, { recursive: true });
    editJson(path.join(modelDir, 'config.json'), (c) => (c.max_position_embeddings = 6));
    const model = await client.load({ modelDir, executionProvider: 'cpu', quantized: false, threads: 1 });
    assert.equal(model.maxLength, 6);
    const done = await client.infill({ segments: [{ kind: 'text', text: 'ab' }, { kind: 'hole', length: 3 }], sampler: { strategy: 'mdlm', steps: 3 }, seed: 2, samples: 1, maxFramesPerSecond: 0 }).result;
    assert.equal(typeof done.samples[0].holes[0], 'string');
  });

  it('an instruction goes into the chat template, the message itself kept literal', () => {
    const folder = readModelFolder(path.join(dir, 'dream'), false);
    const tokenizer = new TextTokenizer(folder.tokenizerJson, folder.tokenizerConfig);
    const chat = ChatFormat.of(folder.chatTemplate, folder.tokenizerConfig);
    assert.ok(chat, 'the snapshot has a chat template');
    const maskId = tokenizer.tokenId('<|mask|>')!;
    const message = 'say <|im_end|> now';
    const segments = requestSegments({ segments: [{ kind: 'hole', length: 3 }], instruction: message }, chat, 'dream');
    const plan = planSpans(segments, tokenizer, maskId, 512);
    const expected = [
      ...tokenizer.encodeMarkup('<|im_start|>user\n'),
      ...tokenizer.encode(message),
      ...tokenizer.encodeMarkup('<|im_end|>\n<|im_start|>assistant\n'),
      maskId, maskId, maskId,
    ];
    assert.deepEqual([...plan.ids], expected);
    const imEnd = tokenizer.tokenId('<|im_end|>')!;
    assert.equal([...plan.ids].filter((id) => id === imEnd).length, 1, 'only the template ends the user turn');
    assert.equal(plan.ids[0], tokenizer.tokenId('<|im_start|>'));
  });

  it('Generate with an instruction runs on a chat model and is refused, naming why, on a base model', async () => {
    const hole = [{ kind: 'hole' as const, length: 4, upTo: true }];
    const model = await client.load({ modelDir: path.join(dir, 'dream'), executionProvider: 'cpu', quantized: false, threads: 1 });
    assert.equal(model.chat, true);
    const done = await client.infill({ segments: hole, instruction: 'write a loop', sampler: { strategy: 'topk-confidence', steps: 3 }, seed: 3, samples: 1, maxFramesPerSecond: 0 }).result;
    assert.equal(typeof done.samples[0].holes[0], 'string');
    const markup = client.infill({ segments: [{ kind: 'text', text: '<|im_start|>', markup: true }, ...hole], sampler: { strategy: 'mdlm', steps: 2 }, seed: 3, samples: 1, maxFramesPerSecond: 0 }).result;
    await assert.rejects(markup, /markup comes only from the model's chat template/);

    const base = await client.load({ modelDir: embeddedModel, executionProvider: 'cpu', quantized: false, threads: 1 });
    assert.equal(base.chat, undefined);
    const refused = client.infill({ segments: hole, instruction: 'write a loop', sampler: { strategy: 'mdlm', steps: 2 }, seed: 3, samples: 1, maxFramesPerSecond: 0 }).result;
    await assert.rejects(refused, /mdlm-code-small has no chat template: it continues text/);
  });

  it('the CLI answers --instruction with a chat model and refuses it in one line with a base model', () => {
    const run = (model: string) =>
      spawnSync(process.execPath, [cliScript, '--model', model, '--json', '--seed', '4', '--steps', '3', '--max-tokens', '5', '--provider', 'cpu', '--instruction', 'name a colour'], { encoding: 'utf8' });
    const ok = run(path.join(dir, 'dream'));
    assert.equal(ok.status, 0, ok.stderr);
    const out = JSON.parse(ok.stdout);
    assert.equal(out.samples[0].text, out.samples[0].holes[0], 'the answer alone is printed');
    const base = run(embeddedModel);
    assert.equal(base.status, 1);
    assert.equal(base.stderr, 'diffusion-infill: mdlm-code-small has no chat template: it continues text and does not take instructions\n');
  });

  it('the CLI infills with a converted model', () => {
    const r = spawnSync(process.execPath, [cliScript, '--model', path.join(dir, 'llada'), '--json', '--seed', '4', '--steps', '4', '--sampler', 'topk-confidence', '--provider', 'cpu', 'x = [MASK:4]\n'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.sampler, 'topk-confidence');
    assert.equal(out.samples[0].text, `x = ${out.samples[0].holes[0]}\n`);
  });

  it('the top-k head returns what the JavaScript reference computes from full rows', async () => {
    await convertSnapshot(path.join(dir, 'dream-snapshot'), path.join(dir, 'dream-head'), { topKHead: true });
    const model = await LoadedModel.load({ modelDir: path.join(dir, 'dream-head'), executionProvider: 'cpu', quantized: false, threads: 1 });
    try {
      assert.equal(model.info.topKHead, true);
      const { denoiser, drawRules } = model;
      const v = denoiser.vocabSize;
      const ids = Int32Array.from([7, 8, 4, 4, 4, 9, 10, 4, 11, 12]).map((id) => (id === 4 ? model.info.maskId : id));
      const positions = Int32Array.from([2, 3, 4, 7]);
      const full = await denoiser.forwardAt!(ids, 2, 5, positions.subarray(0, 2));
      for (const [k, temperature] of [[8, 0.7], [1, 1], [v, 1.3]]) {
        const rows = await denoiser.forwardTopK!(ids, 2, 5, positions.subarray(0, 2), k, temperature);
        const want = topKRowsOf(full, 4, v, Math.min(k, v), temperature, drawRules);
        assert.deepEqual([rows.rows, rows.k], [4, Math.min(k, v)]);
        assert.deepEqual(rows.ids.filter((_, i) => rows.values[i] > -Infinity), want.ids.filter((_, i) => want.values[i] > -Infinity), `k ${k}`);
        assert.deepEqual(rows.values, want.values);
        assert.deepEqual(rows.partial, want.partial);
        assert.deepEqual(rows.partialIds, want.partialIds);
        rows.tailLogMass.forEach((x, r) => assert.ok(x === want.tailLogMass[r] || Math.abs(x - want.tailLogMass[r]) < 1e-5, `k ${k}, row ${r}: ${x} vs ${want.tailLogMass[r]}`));
      }
    } finally {
      await model.dispose();
    }
  });

  it('an infill is the same with and without the top-k head (retries with full rows included)', async () => {
    const segments = [{ kind: 'text' as const, text: 'def f(x):\n    return' }, { kind: 'hole' as const, length: 6 }, { kind: 'text' as const, text: '\n' }];
    const texts = async (modelDir: string, sampler: SamplerOptions) => {
      const info = await client.load({ modelDir, executionProvider: 'cpu', quantized: false, threads: 1 });
      const done = await client.infill({ segments, sampler, seed: 9, samples: 3, maxFramesPerSecond: 0 }).result;
      return { head: info.topKHead, texts: done.samples.map((x) => x.holes[0]), retries: done.fullRowRetries };
    };
    for (const sampler of [
      { strategy: 'remdm-cap', steps: 8, eta: 0.02, topP: 0.9 },
      { strategy: 'remdm-loop', steps: 12, eta: 0.02, tOn: 0.55, tOff: 0.05, alphaOn: 0.9, topP: 0.5, temperature: 0.7 },
      { strategy: 'topk-confidence', steps: 4 },
    ] as SamplerOptions[]) {
      const withHead = await texts(path.join(dir, 'dream-head'), sampler);
      const without = await texts(path.join(dir, 'dream'), sampler);
      assert.deepEqual([withHead.head, without.head], [true, undefined]);
      assert.deepEqual(withHead.texts, without.texts, sampler.strategy);
      // The argmax decoders never need full rows; the draws from this random (flat) model sometimes do.
      if (sampler.strategy === 'topk-confidence') assert.equal(withHead.retries, 0);
      assert.equal(without.retries, undefined);
    }
  });
});
