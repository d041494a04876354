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
import { planSpans } from '../../src/core';
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
});
