import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, streamSeed, Xoshiro128 } from '../../src/core';

test('the same seed gives the same stream; different seeds differ', () => {
  const a = createRng(42);
  const b = createRng(42);
  const c = createRng(43);
  const xs = Array.from({ length: 100 }, () => a.next());
  assert.deepEqual(Array.from({ length: 100 }, () => b.next()), xs);
  assert.notDeepEqual(Array.from({ length: 100 }, () => c.next()), xs);
  assert.notDeepEqual(Array.from({ length: 5 }, () => createRng(2 ** 40).next()), Array.from({ length: 5 }, () => createRng(0).next()));
});

test('floats are uniform in [0, 1) with more than 32 bits of resolution', () => {
  const r = createRng(7);
  const N = 100000;
  let sum = 0;
  let fine = 0;
  const bins = new Array(10).fill(0);
  for (let i = 0; i < N; i++) {
    const x = r.next();
    assert.ok(x >= 0 && x < 1);
    sum += x;
    bins[Math.floor(x * 10)]++;
    if ((x * 2 ** 32) % 1 !== 0) fine++;
  }
  assert.ok(Math.abs(sum / N - 0.5) < 0.005);
  for (const b of bins) assert.ok(Math.abs(b / N - 0.1) < 0.006);
  assert.ok(fine > N * 0.99, 'low bits are used');
});

test('xoshiro128** matches its reference outputs for a known state', () => {
  // Reference: xoshiro128** with state (1, 2, 3, 4) yields 11520, 0, 5927040, 70819200, ...
  const g = new Xoshiro128(0);
  Object.assign(g, { a: 1, b: 2, c: 3, d: 4 });
  assert.deepEqual([g.nextUint32(), g.nextUint32(), g.nextUint32(), g.nextUint32()], [11520, 0, 5927040, 70819200]);
});

test('streamSeed: each stream of a seed is its own, and none is the seed itself', () => {
  const first = (seed: number) => createRng(seed).next();
  const streams = [1, 2, 3, 16].map((s) => streamSeed(42, s));
  assert.equal(new Set(streams).size, 4);
  assert.deepEqual(streams, [1, 2, 3, 16].map((s) => streamSeed(42, s)), 'the same seed gives the same streams');
  assert.notEqual(streamSeed(43, 1), streamSeed(42, 1));
  assert.ok(streams.every((s) => Number.isSafeInteger(s) && first(s) !== first(42)));
  assert.ok(Number.isSafeInteger(streamSeed(2 ** 53 - 1, 512)));
});
