import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, DEFAULT_SAMPLER_OPTIONS, noiseRemovalStep, makeProcessor, remaskingStep, stepCoefficients, TokenState } from '../../src/core';

const V = 5;
const MASK = 4;

function uniformLogits(n: number): Float32Array {
  const l = new Float32Array(n * V);
  for (let j = 0; j < n; j++) l[j * V + MASK] = 7; // SUBS must ignore it
  return l;
}

test('one remaskingStep: unmask and remask frequencies equal the posterior, context is copied, input untouched', () => {
  const batch = 2000;
  const length = 4;
  const n = batch * length;
  const ids = new Int32Array(n);
  for (let b = 0; b < batch; b++) ids.set([1, MASK, 2, MASK], b * length); // position 0 is context
  const editable = Uint8Array.from([0, 1, 1, 1]);
  const before = ids.slice();
  const options = { ...DEFAULT_SAMPLER_OPTIONS, strategy: 'remdm-rescale' as const, eta: 0.5 };
  const [t, s] = [0.6, 0.5];
  const r = remaskingStep({ logits: uniformLogits(n), ids, editable, confidence: new Float32Array(n).fill(0.5), batch, length, vocab: V, maskId: MASK, t, s, rng: createRng(5), options });
  assert.deepEqual(ids, before);
  const c = stepCoefficients('remdm-rescale', options, t, s);
  const unmaskP = (c.alphaS - (1 - c.sigma) * c.alphaT) / (1 - c.alphaT);
  let unmasked = 0;
  let remasked = 0;
  const tokenCounts = new Array(V).fill(0);
  for (let b = 0; b < batch; b++) {
    const j = b * length;
    assert.equal(r.ids[j], 1);
    assert.equal(r.state[j], TokenState.Settled);
    for (const l of [1, 3]) {
      if (r.ids[j + l] !== MASK) {
        unmasked++;
        tokenCounts[r.ids[j + l]]++;
        assert.equal(r.state[j + l], TokenState.Decoded);
        assert.ok(Math.abs(r.confidence[j + l] - 0.25) < 1e-6);
      } else assert.equal(r.state[j + l], TokenState.Masked);
    }
    if (r.ids[j + 2] === MASK) {
      remasked++;
      assert.equal(r.state[j + 2], TokenState.Remasked);
      assert.equal(r.confidence[j + 2], 0);
    } else assert.equal(r.confidence[j + 2], 0.5);
  }
  assert.equal(tokenCounts[MASK], 0);
  const sd = (p: number, m: number) => 4 * Math.sqrt((p * (1 - p)) / m);
  assert.ok(Math.abs(unmasked / (2 * batch) - unmaskP) < sd(unmaskP, 2 * batch), `unmask ${unmasked / (2 * batch)} vs ${unmaskP}`);
  assert.ok(Math.abs(remasked / batch - c.sigma) < sd(c.sigma, batch), `remask ${remasked / batch} vs ${c.sigma}`);
  assert.ok(r.changed);
});

test('mdlm from t to s = 0 unmasks everything; noise removal fills the rest with the argmax', () => {
  const ids = Int32Array.from([MASK, MASK, 3]);
  const editable = Uint8Array.from([1, 1, 1]);
  const options = { ...DEFAULT_SAMPLER_OPTIONS, strategy: 'mdlm' as const };
  const logits = uniformLogits(3);
  logits[1 * V + 2] = 3;
  const r = remaskingStep({ logits, ids, editable, confidence: new Float32Array(3), batch: 1, length: 3, vocab: V, maskId: MASK, t: 0.5, s: 0, rng: createRng(1), options });
  assert.ok(!r.ids.includes(MASK));
  assert.equal(r.ids[2], 3);
  const nr = noiseRemovalStep({ logits, ids, editable, confidence: new Float32Array(3), batch: 1, length: 3, vocab: V, maskId: MASK, processor: makeProcessor(options, V, MASK) });
  assert.equal(nr.ids[1], 2);
  assert.equal(nr.ids[0], 0, 'ties go to the lowest id');
  assert.deepEqual(Array.from(nr.state), [TokenState.Decoded, TokenState.Decoded, TokenState.Settled]);
});

test('a step with nothing masked needs no logits and changes nothing under mdlm', () => {
  const ids = Int32Array.from([1, 2]);
  const r = remaskingStep({ logits: null, ids, editable: Uint8Array.from([1, 1]), confidence: new Float32Array(2), batch: 1, length: 2, vocab: V, maskId: MASK, t: 0.5, s: 0.4, rng: createRng(1), options: { ...DEFAULT_SAMPLER_OPTIONS, strategy: 'mdlm' } });
  assert.equal(r.changed, false);
  assert.deepEqual(Array.from(r.ids), [1, 2]);
});
