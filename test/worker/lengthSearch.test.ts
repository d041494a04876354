// The length search scores candidates over the context near the hole, not the whole window
// (issue 19: the search may cost at most as much again as the infill), with the real embedded model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePlaceholders, planSpans, type Denoiser } from '../../src/core';
import { LoadedModel } from '../../src/worker/model';
import { SCORING_CONTEXT, searchHoleLengths } from '../../src/worker/lengthSearch';
import { embeddedModel } from './fixtures';

test('candidates are scored in a window of the holes plus SCORING_CONTEXT tokens a side, one call per batch', async () => {
  const model = await LoadedModel.load({ modelDir: embeddedModel, executionProvider: 'cpu', quantized: false, threads: 1 });
  try {
    const real = model.denoiser;
    const lengths: number[] = [];
    const recording: Denoiser = {
      vocabSize: real.vocabSize,
      maskId: real.maskId,
      usesTime: real.usesTime,
      forward: (ids, batch, length, t) => {
        lengths.push(length);
        return real.forward(ids, batch, length, t);
      },
      forwardAt: (ids, batch, length, positions, t) => {
        lengths.push(length);
        return real.forwardAt!(ids, batch, length, positions, t);
      },
    };
    const windows: (number | undefined)[] = [];
    const plan = (segments: ReturnType<typeof parsePlaceholders>, window?: number) => {
      windows.push(window);
      return planSpans(segments, model.tokenizer, model.info.maskId, Math.min(window ?? Infinity, model.info.maxLength));
    };
    const text = `${'total = total + values[i] * weights[i]\n'.repeat(80)}def add(a, b):\n    return [MASK:..12]\n\n${'print(add(1, 2))\n'.repeat(80)}`;
    const segments = parsePlaceholders(text);
    assert.ok(plan(segments).ids.length >= 500, 'the document fills the whole window');
    const run = await searchHoleLengths(segments, plan, recording, () => false);
    const limit = 12 + 2 * SCORING_CONTEXT + 8;
    assert.ok(lengths.length > 0 && lengths.every((n) => n <= limit), `scoring calls of ${lengths.join(', ')} tokens (at most ${limit})`);
    assert.equal(run.forwardCalls, lengths.length);
    assert.ok(Math.ceil(run.choices[0].tried.length / 4) === lengths.length, 'one call per batch of four candidates');
  } finally {
    await model.dispose();
  }
});
