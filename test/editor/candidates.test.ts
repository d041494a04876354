import { test } from 'node:test';
import assert from 'node:assert/strict';
import { candidateLabel, cycleIndex, uniqueCandidates } from '../../src/editor/candidates';

test('identical samples are merged, first occurrence order kept', () => {
  const samples = [{ holes: ['a', 'x'] }, { holes: ['b', 'x'] }, { holes: ['a', 'x'] }, { holes: ['a', 'y'] }];
  assert.deepEqual(uniqueCandidates(samples), [['a', 'x'], ['b', 'x'], ['a', 'y']]);
  // Holes are compared as a whole: ['ab', ''] and ['a', 'b'] differ.
  assert.equal(uniqueCandidates([{ holes: ['ab', ''] }, { holes: ['a', 'b'] }]).length, 2);
});

test('ranked samples are offered best fit first; a tie keeps the drawn order', () => {
  const samples = [{ holes: ['a'], fit: -9 }, { holes: ['b'], fit: -2 }, { holes: ['c'], fit: -5 }, { holes: ['b'], fit: -2 }, { holes: ['d'], fit: -5 }];
  assert.deepEqual(uniqueCandidates(samples), [['b'], ['c'], ['d'], ['a']]);
});

test('cycling wraps both ways', () => {
  assert.equal(cycleIndex(0, 3, 1), 1);
  assert.equal(cycleIndex(2, 3, 1), 0);
  assert.equal(cycleIndex(0, 3, -1), 2);
  assert.equal(cycleIndex(0, 1, -1), 0);
  assert.equal(cycleIndex(0, 0, 1), 0);
});

test('the label is 1-based and empty for a single candidate', () => {
  assert.equal(candidateLabel(1, 3), '2/3');
  assert.equal(candidateLabel(0, 1), '');
});
