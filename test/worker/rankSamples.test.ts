// Ranking a run's samples by fit: each hole read back with the sample in place, in a narrow window
// near it, and the fits summed over the holes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePlaceholders, type Frame } from '../../src/core';
import { bestFirst } from '../../src/protocol/protocol';
import { logitRowBytes } from '../../src/worker/batchMemory';
import { FIT_CONTEXT, withHoleLength } from '../../src/worker/holeWindow';
import { LoadedModel } from '../../src/worker/model';
import { rankResizedSamples, rankSamples } from '../../src/worker/rankSamples';
import { plannerOf, recordingDenoiser, scriptedDenoiser } from './denoisers';
import { embeddedModel } from './fixtures';

test('samples are scored by fit: the rows holding the tokens the model expects score higher, summed over holes far apart', async () => {
  const model = await LoadedModel.load({ modelDir: embeddedModel, executionProvider: 'cpu', quantized: false, threads: 1 });
  try {
    const plan = plannerOf(model);
    const far = 'total = total + values[i] * weights[i]\n'.repeat(8); // about 100 tokens: the holes never share a window
    const segments = parsePlaceholders(`def f(x):\n    return [MASK:2]\n${far}y = [MASK:3]\n`);
    const sampled = plan(segments);
    const [likely, other] = [7, 5];
    // Row 0 holds `other` in both holes, row 1 `likely` in both, row 2 `likely` in the first only.
    const fills = [[other, other], [likely, likely], [likely, other]];
    const ids = new Int32Array(3 * sampled.ids.length);
    fills.forEach((fill, b) => {
      const row = ids.subarray(b * sampled.ids.length, (b + 1) * sampled.ids.length);
      row.set(sampled.ids);
      sampled.holes.forEach((h, k) => row.fill(fill[k], h.start, h.start + h.length));
    });
    const frame = { batch: 3, length: sampled.ids.length, ids } as Frame;
    const callLengths: number[] = [];
    const scripted = recordingDenoiser(
      scriptedDenoiser(model, () => (_, logits) => (logits[likely] = 8)),
      (length) => callLengths.push(length),
    );
    const ranking = await rankSamples(frame, sampled.holes, segments, plan, scripted, () => false);
    const [worst, best, middle] = ranking.fits;
    assert.ok(best > middle && middle > worst, `fits ${ranking.fits.join(', ')}`);
    // `likely` has log p = 8 - log(e^8 + 8190) over the other tokens' log p = -log(e^8 + 8190): two tokens' worth in the first hole.
    const perToken = 8;
    assert.ok(Math.abs(middle - worst - 2 * perToken) < 1e-3, `first hole: ${middle - worst}`);
    assert.ok(Math.abs(best - middle - 3 * perToken) < 1e-3, `second hole: ${best - middle}`);
    const limit = 3 + 2 * FIT_CONTEXT + 8;
    assert.ok(callLengths.every((n) => n <= limit), `calls of ${callLengths.join(', ')} tokens (at most ${limit})`);
    assert.deepEqual([ranking.forwardCalls, callLengths.length], [2, 2], 'one call a hole, every sample in it');

    // Within a batch-memory limit of one sample's logits: a call a sample, the same fits.
    const oneSample = 2 * (3 + 2) * logitRowBytes(model.denoiser.vocabSize);
    const split = await rankSamples(frame, sampled.holes, segments, plan, scripted, () => false, oneSample);
    assert.equal(split.forwardCalls, 6);
    split.fits.forEach((fit, b) => assert.ok(Math.abs(fit - ranking.fits[b]) < 1e-6));
  } finally {
    await model.dispose();
  }
});

test('samples whose hole resized are each read at the length they ended at; a hole deleted whole gets no fit and comes last', async () => {
  const model = await LoadedModel.load({ modelDir: embeddedModel, executionProvider: 'cpu', quantized: false, threads: 1 });
  try {
    const plan = plannerOf(model);
    const segments = parsePlaceholders('def f(x):\n    return [MASK:..8]\n');
    const likely = 7;
    // Rows as expand/delete leaves them: the hole ended at 2, 3 and 0 tokens, each row its own length.
    const lengths = [2, 3, 0];
    const plans = lengths.map((n) => plan(withHoleLength(segments, 0, Math.max(n, 1))));
    const width = Math.max(...plans.map((p) => p.ids.length));
    const ids = new Int32Array(3 * width);
    const rowLengths = new Int32Array(3);
    const holes = plans.map((p, b) => {
      const row = lengths[b] === 0 ? [...p.ids.slice(0, p.holes[0].start), ...p.ids.slice(p.holes[0].start + 1)] : [...p.ids].fill(likely, p.holes[0].start, p.holes[0].start + lengths[b]);
      ids.set(row, b * width);
      rowLengths[b] = row.length;
      return [{ start: p.holes[0].start, length: lengths[b] }];
    });
    const frame = { batch: 3, length: width, ids, rowLengths, holes } as unknown as Frame;
    const scripted = scriptedDenoiser(model, () => (_, logits) => (logits[likely] = 8));
    const ranking = await rankResizedSamples(frame, segments, plan, scripted, () => false);
    const [two, three, none] = ranking.fits;
    // The third token adds its own log p: 8 - log(e^8 + the other 8190 tokens' e^0).
    const third = 8 - Math.log(Math.exp(8) + 8190);
    assert.ok(Math.abs(three! - two! - third) < 1e-3, `fits ${ranking.fits.join(', ')}`);
    assert.equal(none, undefined);
    assert.equal(ranking.forwardCalls, 2, 'one call a row that has a hole');
    const order = bestFirst(ranking.fits.map((fit, b) => ({ holes: [String(b)], ...(fit !== undefined ? { fit } : {}) })));
    assert.deepEqual(order.map((s) => s.holes[0]), ['0', '1', '2']);
  } finally {
    await model.dispose();
  }
});
