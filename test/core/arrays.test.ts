// Spreading an unbounded array into a call overflows the stack (issue 17, item 7 and its leftovers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendAll, maxOf } from '../../src/core/arrays';

test('appendAll and maxOf take a million items (a spread of that many throws RangeError)', () => {
  const big = Array.from({ length: 1_000_000 }, (_, i) => i);
  assert.throws(() => [].push(...(big as never[])), RangeError, 'the spread this replaces overflows here');
  const to = [-1];
  assert.equal(appendAll(to, big), to);
  assert.equal(to.length, 1_000_001);
  assert.equal(to[1_000_000], 999_999);
  assert.equal(maxOf(big), 999_999);
  assert.equal(maxOf([]), -Infinity);
});
