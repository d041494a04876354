import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContextBias, type Denoiser } from '../../src/core';

const enc = new TextEncoder();
/** id: text; 5 (the mask) and 6 (an end token) are never raised; 7 is a lone space. */
const TEXTS = ['a', ' a', 'b', ' b', 'ab', undefined, undefined, ' '];
const MASK = 5;
const bias = (amount: number) => ContextBias.byText(TEXTS.length, (id) => (TEXTS[id] === undefined ? undefined : enc.encode(TEXTS[id])), amount);

test('ContextBias raises the classes of each row\'s tokens, a leading space aside, in every row of logits', () => {
  const vocab = TEXTS.length;
  const ids = Int32Array.of(0, MASK, 6, 4, /* row 2: */ 3, 3, MASK, 7);
  const logits = new Float32Array(2 * 3 * vocab).map((_, i) => i % 3);
  const before = logits.slice();
  bias(2.5).apply(logits, ids, 2, 4, 3);
  const raised = [
    [0, 1, 4], // 'a' raises ' a' too; the mask and the end token raise nothing
    [2, 3], // ' b' twice raises its class once; a lone space is no class
  ];
  for (let b = 0; b < 2; b++) {
    for (let r = 0; r < 3; r++) {
      for (let id = 0; id < vocab; id++) {
        const i = (b * 3 + r) * vocab + id;
        assert.equal(logits[i] - before[i], raised[b].includes(id) ? 2.5 : 0, `row ${b}, logit row ${r}, id ${id}`);
      }
    }
  }
});

test('ContextBias: ids outside the vocabulary and all-mask rows raise nothing', () => {
  const logits = new Float32Array(TEXTS.length);
  bias(1).apply(logits, Int32Array.of(MASK, -1, 99), 1, 3, 1);
  assert.deepEqual([...logits], new Array(TEXTS.length).fill(0));
});

test('ContextBias.over: the view raises what forward and forwardAt return, and has no top-k form', async () => {
  const vocab = TEXTS.length;
  const model: Denoiser = {
    vocabSize: vocab,
    maskId: MASK,
    usesTime: false,
    forward: async (_ids, batch, length) => new Float32Array(batch * length * vocab),
    forwardAt: async (_ids, batch, _length, positions) => new Float32Array(batch * positions.length * vocab),
    forwardTopK: async () => assert.fail('the view must not rank before the bias'),
  };
  const view = bias(2).over(model);
  assert.equal(view.forwardTopK, undefined);
  assert.deepEqual([view.vocabSize, view.maskId, view.usesTime], [vocab, MASK, false]);
  const ids = Int32Array.of(2, MASK);
  const rowOf = (logits: Float32Array, r: number) => [...logits.subarray(r * vocab, (r + 1) * vocab)];
  const expected = [0, 0, 2, 2, 0, 0, 0, 0]; // 'b' raises ' b'
  const all = await view.forward(ids, 1, 2);
  assert.deepEqual([rowOf(all, 0), rowOf(all, 1)], [expected, expected]);
  assert.deepEqual(rowOf(await view.forwardAt!(ids, 1, 2, Int32Array.of(1)), 0), expected);
  const plain = await model.forward(ids, 1, 2);
  assert.ok(plain.every((v) => v === 0), 'the model itself is untouched');
});
