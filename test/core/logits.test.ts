import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argmax, createRng, FilterScratch, gumbelMax, LogitsProcessor, sampleCategorical, topKFilter, topPFilter } from '../../src/core';

function keptSet(probs: number[], p: number, exact = false): number[] {
  const a = Float64Array.from(probs);
  topPFilter(a, a.length, p, new FilterScratch(a.length), exact);
  const kept = [...a.keys()].filter((i) => a[i] > 0);
  const mass = a.reduce((s, v) => s + v, 0);
  assert.ok(Math.abs(mass - 1) < 1e-12, 'renormalised');
  return kept;
}

test('top-p keeps the prefix whose cumulative mass is <= p, and always the top token', () => {
  assert.deepEqual(keptSet([0.1, 0.5, 0.15, 0.25], 0.75), [1, 3]);
  assert.deepEqual(keptSet([0.1, 0.5, 0.15, 0.25], 0.74), [1]);
  assert.deepEqual(keptSet([0.1, 0.5, 0.15, 0.25], 0.9), [1, 2, 3]);
  assert.deepEqual(keptSet([0.1, 0.6, 0.3], 0.05), [1], 'top token even when it alone exceeds p');
  assert.deepEqual(keptSet([0.2, 0.3, 0.5], 1), [0, 1, 2], 'p = 1 keeps everything');
  assert.deepEqual(keptSet([0.2, 0, 0.8], 1), [0, 2]);
});

test('top-p ties: the lower index goes first, and the kept values are renormalised', () => {
  assert.deepEqual(keptSet([0.25, 0.25, 0.25, 0.25], 0.5), [0, 1]);
  assert.deepEqual(keptSet([0.3, 0.4, 0.3], 0.7), [0, 1]);
  const a = Float64Array.from([0.3, 0.4, 0.3]);
  topPFilter(a, 3, 0.7, new FilterScratch(3));
  assert.ok(Math.abs(a[0] - 3 / 7) < 1e-12 && Math.abs(a[1] - 4 / 7) < 1e-12 && a[2] === 0);
});

test('top-p fast path equals the exact full sort (kept sets) on large random vocabularies', () => {
  const rng = createRng(3);
  const V = 5000;
  for (let trial = 0; trial < 40; trial++) {
    const probs = Array.from({ length: V }, () => {
      const u = rng.next();
      // Heavy tail, quantised to create many ties.
      return trial % 2 ? Math.round(Math.exp(12 * u) * 4) / 4 : Math.exp(8 * u);
    });
    const z = probs.reduce((s, v) => s + v, 0);
    const norm = probs.map((v) => v / z);
    for (const p of [0.1, 0.5, 0.9, 0.99]) assert.deepEqual(keptSet(norm, p), keptSet(norm, p, true), `trial ${trial} p ${p}`);
  }
});

test('top-p fast path (buckets and weighted selection, no sort) matches the exact sort: same kept set, same probabilities to rounding', () => {
  const rng = createRng(11);
  for (let trial = 0; trial < 30; trial++) {
    const V = 3000;
    const raw = Array.from({ length: V }, () => Math.round(Math.exp(10 * rng.next()) * (trial % 3 ? 1 : 0.25)));
    const z = raw.reduce((s, v) => s + v, 0);
    for (const p of [0.3, 0.9, 0.999]) {
      const fast = Float64Array.from(raw, (v) => v / z);
      const exact = Float64Array.from(fast);
      topPFilter(fast, V, p, new FilterScratch(V));
      topPFilter(exact, V, p, new FilterScratch(V), true);
      // The fast path on the unnormalised weights (as the processor passes them) gives the same.
      const weights = Float64Array.from(raw);
      topPFilter(weights, V, p, new FilterScratch(V));
      for (let i = 0; i < V; i++) {
        assert.equal(fast[i] > 0, exact[i] > 0, `trial ${trial} p ${p} index ${i} kept`);
        assert.ok(Math.abs(fast[i] - exact[i]) <= 1e-14, `trial ${trial} p ${p} index ${i}: ${fast[i]} vs ${exact[i]}`);
        assert.ok(Math.abs(weights[i] - exact[i]) <= 1e-14, `unnormalised: trial ${trial} p ${p} index ${i}: ${weights[i]} vs ${exact[i]}`);
      }
    }
  }
});

test('top-k keeps the k largest (ties with the k-th all kept)', () => {
  const z = Float64Array.from([1, 5, 3, 4, 2]);
  topKFilter(z, 5, 2, new FilterScratch(5));
  assert.deepEqual(Array.from(z), [-Infinity, 5, -Infinity, 4, -Infinity]);
  const t = Float64Array.from([1, 3, 3, 0]);
  topKFilter(t, 4, 1, new FilterScratch(4));
  assert.deepEqual(Array.from(t), [-Infinity, 3, 3, -Infinity]);
  const off = Float64Array.from([1, 2]);
  topKFilter(off, 2, 0, new FilterScratch(2));
  assert.deepEqual(Array.from(off), [1, 2]);
});

test('processor: softmax with temperature, the mask token suppressed, top-k then top-p', () => {
  const logits = Float32Array.from([0, Math.log(2), Math.log(4), 50]); // id 3 is the mask
  const p = new LogitsProcessor(4, 3, 1, 0, 1).distribution(logits, 0);
  [1 / 7, 2 / 7, 4 / 7, 0].forEach((want, i) => assert.ok(Math.abs(p[i] - want) < 1e-7, `p[${i}] = ${p[i]}`));
  const hot = new LogitsProcessor(4, 3, 2, 0, 1).distribution(logits, 0);
  const w = [1, Math.SQRT2, 2];
  const z = w[0] + w[1] + w[2];
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(hot[i] - w[i] / z) < 1e-6);
  const k = new LogitsProcessor(4, 3, 1, 2, 1).distribution(logits, 0);
  assert.ok(k[0] === 0 && Math.abs(k[1] - 1 / 3) < 1e-7 && k[3] === 0);
  const nucleus = new LogitsProcessor(4, 3, 1, 0, 0.6).distribution(logits, 0);
  assert.deepEqual(Array.from(nucleus), [0, 0, 1, 0]);
  // Offsets address one position inside a [length, vocab] block.
  const two = Float32Array.from([9, 0, 0, 0, 0, 0, 9, 0]);
  assert.equal(argmax(new LogitsProcessor(4, 3, 1, 0, 1).distribution(two, 4), 4), 2);
});

test('processor: padding rows past the tokenizer (logits wider than the vocabulary) are never drawn', () => {
  // ids 0-2 are tokens, 3 is the mask, 4-5 are padding with the largest logits.
  const logits = Float32Array.from([0, Math.log(3), 0, 9, 20, 30]);
  for (const [topK, topP] of [[0, 1], [2, 1], [0, 0.5]]) {
    const processor = new LogitsProcessor(6, 3, 1, topK, topP, false, 4);
    const p = processor.distribution(logits, 0);
    assert.equal(p[4] + p[5], 0, `top-k ${topK}, top-p ${topP}: ${Array.from(p)}`);
    assert.equal(processor.best(logits, 0).token, 1);
  }
  assert.ok(Math.abs(new LogitsProcessor(6, 3, 1, 0, 1, false, 4).best(logits, 0).prob - 0.6) < 1e-7);
});

test('processor rejects a position with no finite logit', () => {
  assert.throws(
    () => new LogitsProcessor(3, 2, 1, 0, 1).distribution(Float32Array.from([-Infinity, NaN, 1]), 0),
    (e: unknown) => (e as { code?: string }).code === 'bad-input',
  );
});

test('Gumbel-max draws follow the distribution and never pick a zero-probability token', () => {
  const probs = Float64Array.from([0.5, 0, 0.3, 0.2]);
  const rng = createRng(21);
  const counts = [0, 0, 0, 0];
  const N = 40000;
  for (let i = 0; i < N; i++) counts[gumbelMax(probs, 4, rng)]++;
  assert.equal(counts[1], 0);
  for (const i of [0, 2, 3]) {
    const sd = Math.sqrt((probs[i] * (1 - probs[i])) / N);
    assert.ok(Math.abs(counts[i] / N - probs[i]) < 5 * sd, `token ${i}: ${counts[i] / N}`);
  }
});

test('inverse-CDF draws follow the distribution (unnormalised weights too) and never pick a zero-probability token', () => {
  const weights = Float64Array.from([0, 5, 0, 3, 2, 0]); // total 10, zeros at both ends and inside
  const rng = createRng(22);
  const counts = new Array(6).fill(0);
  const N = 40000;
  for (let i = 0; i < N; i++) counts[sampleCategorical(weights, 6, rng)]++;
  assert.equal(counts[0] + counts[2] + counts[5], 0);
  for (const i of [1, 3, 4]) {
    const p = weights[i] / 10;
    const sd = Math.sqrt((p * (1 - p)) / N);
    assert.ok(Math.abs(counts[i] / N - p) < 5 * sd, `token ${i}: ${counts[i] / N}`);
  }
  // u at the very top of the total (rounding) still lands on a token with weight.
  assert.equal(sampleCategorical(Float64Array.from([0.5, 0.5, 0]), 3, { next: () => 1 - 2 ** -53 }), 1);
});
