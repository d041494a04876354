// Ranking a run's samples by fit: each hole read back with the sample in place, in a narrow window
// near it, and the fits summed over the holes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePlaceholders, type Frame } from '../../src/core';
import { logitRowBytes } from '../../src/worker/batchMemory';
import { FIT_CONTEXT } from '../../src/worker/holeWindow';
import { LoadedModel } from '../../src/worker/model';
import { rankSamples } from '../../src/worker/rankSamples';
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
    const ranking = await rankSamples(frame, sampled, segments, plan, scripted, () => false);
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
    const split = await rankSamples(frame, sampled, segments, plan, scripted, () => false, oneSample);
    assert.equal(split.forwardCalls, 6);
    split.fits.forEach((fit, b) => assert.ok(Math.abs(fit - ranking.fits[b]) < 1e-6));
  } finally {
    await model.dispose();
  }
});
