import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DiffusionError, DRAFT_COUNT, DRAFT_MARGIN, draftShortlist, lengthCandidates, logProbability, searchLength, topLogProbability } from '../../src/core';

test('candidates: every length up to 8, then about 25% apart, always the bound', () => {
  assert.deepEqual(lengthCandidates(1), [1]);
  assert.deepEqual(lengthCandidates(5), [1, 2, 3, 4, 5]);
  assert.deepEqual(lengthCandidates(16), [1, 2, 3, 4, 5, 6, 7, 8, 10, 13, 16]);
  const c = lengthCandidates(512);
  assert.equal(c.at(-1), 512);
  assert.ok(c.length < 30, `${c.length} candidates for 512`);
  for (let i = 1; i < c.length; i++) assert.ok(c[i] > c[i - 1]);
  assert.throws(() => lengthCandidates(0), DiffusionError);
});

test('logProbability: softmax over the drawable vocabulary, the mask and padding rows left out', () => {
  const logits = Float32Array.from([Math.log(1), Math.log(3), 50, 70]); // id 2 = mask, id 3 = padding
  assert.ok(Math.abs(logProbability(logits, 0, 3, 2, 1) - Math.log(0.75)) < 1e-6);
  assert.ok(Math.abs(logProbability(logits, 0, 3, 2, 0) - Math.log(0.25)) < 1e-6);
  const shifted = Float32Array.from([9, 9, Math.log(1), Math.log(3), 50, 70]);
  assert.ok(Math.abs(logProbability(shifted, 2, 3, 2, 1) - Math.log(0.75)) < 1e-6, 'reads at the offset');
});

test("topLogProbability: the likeliest drawable token's log-probability, the mask left out", () => {
  const logits = Float32Array.from([Math.log(1), Math.log(3), 50, 70]);
  assert.ok(Math.abs(topLogProbability(logits, 0, 3, 2) - Math.log(0.75)) < 1e-6);
  const flat = Float32Array.from([9, 0, 0, 0, 0]);
  assert.ok(Math.abs(topLogProbability(flat, 1, 4, 9) - Math.log(0.25)) < 1e-6, 'reads at the offset');
  // Over an allowed set (what a draw rule lets the position take): the softmax over it alone.
  const spread = Float32Array.from([Math.log(6), Math.log(1), Math.log(3), 0]);
  assert.ok(Math.abs(topLogProbability(spread, 0, 4, 3, Uint8Array.from([0, 1, 1, 0])) - Math.log(0.75)) < 1e-6);
});

test('the search scores batches shortest first and stops at the first batch that does not improve', async () => {
  const peak = (n: number) => -Math.abs(n - 6);
  const calls: number[][] = [];
  const r = await searchLength(lengthCandidates(64), async (lengths) => {
    calls.push(lengths);
    return lengths.map(peak);
  });
  assert.equal(r.chosen, 6);
  assert.deepEqual(calls, [[1, 2, 3, 4], [5, 6, 7, 8], [10, 13, 17, 22]], 'stops after the batch past the peak');
  assert.deepEqual(r.tried.map((t) => t.length), calls.flat());
});

test('the search keeps the local peak, not a later global one, and ties keep the shorter length', async () => {
  const scores: Record<number, number> = { 1: 0, 2: 5, 3: 1, 4: 1, 5: 0, 6: 0, 7: 0, 8: 0, 10: 9 };
  const r = await searchLength([1, 2, 3, 4, 5, 6, 7, 8, 10], async (ls) => ls.map((n) => scores[n]), 4);
  assert.equal(r.chosen, 2);
  const tie = await searchLength([1, 2, 3], async (ls) => ls.map(() => 1), 4);
  assert.equal(tie.chosen, 1);
  const all = await searchLength([1, 2, 3, 4, 5], async (ls) => ls.map((n) => n), 2);
  assert.equal(all.chosen, 5, 'rising all the way: the bound');
});

test('draftShortlist: the best three first scores within the margin, best first; one alone is no shortlist', () => {
  const trials = (scores: number[]) => scores.map((score, i) => ({ length: i + 1, score }));
  assert.deepEqual(draftShortlist(trials([-3, -1, -1.2, -1.4, -1.45])), [2, 3, 4], 'at most DRAFT_COUNT');
  assert.equal(DRAFT_COUNT, 3);
  assert.deepEqual(draftShortlist(trials([-3, -1, -1.2, -1 - DRAFT_MARGIN - 0.01])), [2, 3], 'past the margin: left out');
  assert.deepEqual(draftShortlist(trials([-3, -1, -2])), [], 'a clear winner needs no draft');
  assert.deepEqual(draftShortlist(trials([-1, -1])), [1, 2], 'ties: the shorter first');
  assert.deepEqual(draftShortlist(trials([-1])), []);
});
