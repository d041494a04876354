/**
 * The sampler against an oracle denoiser that returns the exact conditionals of a known joint:
 * with many steps every strategy must reproduce the joint, and a wrong posterior must not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createRng,
  remdmPosterior,
  REMASKING_STRATEGY_NAMES,
  sample,
  type PosteriorFn,
  type RemaskingStrategyName,
} from '../../src/core';
import { correlatedOracle, drain, totalVariation } from './oracle';

const SAMPLES = 20000;
const STEPS = 200;
/** Deterministic (fixed seeds); sampling noise alone is about 0.015 at 20k samples over 27 outcomes. */
const TV_BOUND = 0.04;

async function empiricalTv(strategy: RemaskingStrategyName, seed: number, posterior?: PosteriorFn, steps = STEPS) {
  const oracle = correlatedOracle();
  const input = { ids: Int32Array.from([3, 3, 3]), editable: Uint8Array.from([1, 1, 1]), batch: SAMPLES };
  const result = await drain(sample(oracle, input, { strategy, steps }, createRng(seed), { posterior }));
  const counts = new Float64Array(oracle.joint.length);
  for (let b = 0; b < SAMPLES; b++) counts[oracle.encode(result.ids.subarray(b * 3, b * 3 + 3))]++;
  return totalVariation(counts, oracle.joint);
}

test('the oracle joint is far from independent, so parallel-decoding errors would show', () => {
  const o = correlatedOracle();
  const marg = [0, 1, 2].map((l) => [0, 1, 2].map((v) => o.joint.reduce((s, p, c) => s + (o.decode(c)[l] === v ? p : 0), 0)));
  const product = Array.from(o.joint, (_, c) => {
    const x = o.decode(c);
    return marg[0][x[0]] * marg[1][x[1]] * marg[2][x[2]];
  });
  assert.ok(totalVariation(product, o.joint) > 0.3);
});

for (const [i, strategy] of REMASKING_STRATEGY_NAMES.entries()) {
  test(`${strategy} samples match the joint (TV < ${TV_BOUND})`, async () => {
    // remdm-conf's sigma is O(1) per step, not O(dt): its bias shrinks with steps, so give it more.
    const tv = await empiricalTv(strategy, 100 + i, undefined, strategy === 'remdm-conf' ? 400 : STEPS);
    console.log(`TV ${strategy}: ${tv.toFixed(4)}`);
    assert.ok(tv < TV_BOUND, `${strategy}: TV ${tv}`);
  });
}

test('a wrong posterior (sign of sigma flipped in q(mask)) fails the same check', async () => {
  const flipped: PosteriorFn = (alphaT, alphaS, sigma) => {
    const right = remdmPosterior(alphaT, alphaS, sigma);
    const stay = Math.min(1, Math.max(0, (1 - alphaS + sigma * alphaT) / (1 - alphaT)));
    return { ...right, stayMasked: stay, unmask: 1 - stay };
  };
  const tv = await empiricalTv('remdm-cap', 100, flipped);
  console.log(`TV remdm-cap with flipped q(mask): ${tv.toFixed(4)}`);
  assert.ok(tv > 3 * TV_BOUND, `wrong posterior went unnoticed: TV ${tv}`);
});

test('few MDLM steps decode positions in parallel and drift from the joint (the check has power)', async () => {
  const tv = await empiricalTv('mdlm', 5, undefined, 4);
  console.log(`TV mdlm at 4 steps: ${tv.toFixed(4)}`);
  assert.ok(tv > TV_BOUND, `TV ${tv}`);
});

test('with a context token, samples follow the conditional joint and the context never changes', async () => {
  const oracle = correlatedOracle();
  const N = 12000;
  const input = { ids: Int32Array.from([2, 3, 3]), editable: Uint8Array.from([0, 1, 1]), batch: N };
  const frames: Int32Array[] = [];
  const result = await drain(sample(oracle, input, { strategy: 'remdm-cap', steps: 100 }, createRng(9)), (f) => frames.push(f.ids));
  for (const ids of [...frames, result.ids]) for (let b = 0; b < N; b++) assert.equal(ids[b * 3], 2);
  const cond = new Float64Array(9);
  let z = 0;
  oracle.joint.forEach((p, c) => {
    const x = oracle.decode(c);
    if (x[0] === 2) {
      cond[x[1] * 3 + x[2]] += p;
      z += p;
    }
  });
  const counts = new Float64Array(9);
  for (let b = 0; b < N; b++) counts[result.ids[b * 3 + 1] * 3 + result.ids[b * 3 + 2]]++;
  const tv = totalVariation(counts, cond.map((p) => p / z));
  console.log(`TV conditional given context: ${tv.toFixed(4)}`);
  assert.ok(tv < TV_BOUND, `TV ${tv}`);
});
