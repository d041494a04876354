/**
 * Expand/delete in the runtime: a tiny random Dream-family snapshot whose tokenizer has DreamOn's
 * `<|expand|>` is converted (the ids land in config.json), loaded, and a hole of unknown length
 * starts from a few masks and grows and shrinks instead of being sized by a length search. The same
 * snapshot without the token keeps the length search.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { START_MASKS } from '../../src/core';
import { convertSnapshot } from '../../src/convert/convert';
import { LoadedModel } from '../../src/worker/model';
import { runInfill } from '../../src/worker/runner';
import type { FrameMessage, InfillRequest } from '../../src/protocol/protocol';
import { hasTorch, makeSnapshot } from '../convert/snapshots';

const BOUND = 10;
const request = (seed: number): InfillRequest => ({
  segments: [{ kind: 'text', text: 'def f(x):\n    ' }, { kind: 'hole', length: BOUND, upTo: true }, { kind: 'text', text: '\nreturn x\n' }],
  sampler: { strategy: 'topk-confidence', steps: 64, temperature: 1 },
  seed,
  samples: 3,
  maxFramesPerSecond: 0,
});

describe('expand/delete on a converted model', { skip: hasTorch ? false : 'needs /usr/bin/python3 with torch' }, () => {
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'di-expand-'));
    makeSnapshot('dream', path.join(dir, 'dreamon-snapshot'), 0, ['--expand']);
    await convertSnapshot(path.join(dir, 'dreamon-snapshot'), path.join(dir, 'dreamon'));
    makeSnapshot('dream', path.join(dir, 'dream-snapshot'));
    await convertSnapshot(path.join(dir, 'dream-snapshot'), path.join(dir, 'dream'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const load = (name: string) => LoadedModel.load({ modelDir: path.join(dir, name), executionProvider: 'cpu', quantized: false, threads: 1 });

  it('the converter records the expand token and DreamOn\'s delete (its EOS) in config.json; the loader reads them', async () => {
    const tokenizer = JSON.parse(fs.readFileSync(path.join(dir, 'dreamon-snapshot', 'tokenizer.json'), 'utf8'));
    const idOf = (t: string) => tokenizer.added_tokens.find((a: { content: string }) => a.content === t).id;
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'dreamon', 'config.json'), 'utf8'));
    assert.equal(config.expand_token_id, idOf('<|expand|>'));
    assert.equal(config.expand_token_id, idOf('<|mask|>') + 1);
    assert.equal(config.delete_token_id, idOf('<|endoftext|>'));
    const plain = JSON.parse(fs.readFileSync(path.join(dir, 'dream', 'config.json'), 'utf8'));
    assert.equal(plain.expand_token_id, undefined);
    const model = await load('dreamon');
    try {
      assert.deepEqual(model.resizeTokens, { expandId: config.expand_token_id, deleteId: config.delete_token_id });
    } finally {
      await model.dispose();
    }
  });

  it('a hole of unknown length starts from a few masks and grows and shrinks (logits nudged to expand, then delete); no length search', async () => {
    const model = await load('dreamon');
    try {
      const { expandId, deleteId } = model.resizeTokens!;
      // The random model rarely draws expand or delete: its logits for them are raised for a few calls.
      let calls = 0;
      const nudge = (token: number, logits: Float32Array) => {
        const v = model.denoiser.vocabSize;
        for (let o = 0; o < logits.length; o += v) logits[o + token] += 30;
        return logits;
      };
      const bias = (logits: Float32Array) => (++calls <= 4 ? nudge(expandId, logits) : calls <= 6 ? nudge(deleteId, logits) : logits);
      const d = model.denoiser as unknown as Record<string, unknown>;
      const forward = model.denoiser.forward.bind(model.denoiser);
      d.forward = async (...a: Parameters<typeof forward>) => bias(await forward(...a));
      if (model.denoiser.forwardAt) {
        const at = model.denoiser.forwardAt.bind(model.denoiser);
        d.forwardAt = async (...a: Parameters<typeof at>) => bias(await at(...a));
      }
      const frames: FrameMessage[] = [];
      const done = await runInfill(model, 1, request(5), { isCancelled: () => false, postFrame: (m) => frames.push(m) });
      assert.equal(done.lengths, undefined, 'no length search');
      assert.equal(done.timings.lengthSearchMs, 0);
      // Frame pieces of sample 0's hole: one per mask while masked. Start 4, +1 per expand (4 calls), -1 per delete.
      const masks = frames.map((f) => f.holes[0].filter((p) => p.text === '').length);
      assert.equal(masks[0], START_MASKS + 1, `the first commit is an expand: ${masks}`);
      assert.deepEqual(masks.slice(0, 6), [5, 6, 7, 8, 7, 6], `grows, then shrinks: ${masks}`);
      assert.ok(Math.max(...masks) <= BOUND);
      for (const s of done.samples) {
        assert.equal(typeof s.holes[0], 'string');
        assert.ok(!s.holes[0].includes('<|'), `no special token in the text: ${JSON.stringify(s.holes[0])}`);
      }
    } finally {
      await model.dispose();
    }
  });

  it('the same snapshot without the expand token sizes the hole by the length search, as before', async () => {
    const model = await load('dream');
    try {
      assert.equal(model.resizeTokens, undefined);
      const done = await runInfill(model, 1, request(5), { isCancelled: () => false, postFrame: () => undefined });
      assert.ok(done.lengths && done.lengths[0].tried.length > 0, 'a length search ran');
    } finally {
      await model.dispose();
    }
  });
});
