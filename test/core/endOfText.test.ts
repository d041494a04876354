/**
 * End of text: a hole sampled at its maximum length ends at the first end token. Against an
 * oracle over sequences of different lengths padded with EOS, the trimmed texts must follow the joint.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, sample, textLength, type StrategyName } from '../../src/core';
import { drain, JointOracle, totalVariation } from './oracle';

const EOS = 0;
const ends = new Set([EOS]);
/** Sampling noise at 20k samples is about 0.006 here. */
const TV_BOUND = 0.02;

test('textLength: the text stops at the first end token; masks and other tokens do not end it', () => {
  const MASK = 9;
  assert.equal(textLength([5, 6, EOS, 7], 0, 4, ends), 2);
  assert.equal(textLength([5, 6, EOS, EOS], 0, 4, ends), 2, 'trailing end tokens dropped');
  assert.equal(textLength([EOS, 5], 0, 2, ends), 0, 'an end token first: empty text');
  assert.equal(textLength([5, MASK, MASK], 0, 3, ends), 3, 'masks still count (they may become text)');
  assert.equal(textLength([1, 2, 5, EOS], 2, 2, ends), 1, 'offsets are within the run');
  assert.equal(textLength([5, EOS], 0, 2, new Set()), 2, 'a model without end tokens keeps its length');
  assert.equal(textLength([5, 3, 4], 0, 3, new Set([3, 4])), 1, 'any of several end ids');
});

/**
 * Texts of 0-3 symbols from {1, 2}, padded with EOS to 3 positions, uneven weights by length. A
 * little mass on junk after the first EOS keeps every state possible (the oracle needs support
 * everywhere); trimming maps it onto the shorter text, so what is compared is the joint's law of
 * the trimmed text.
 */
function paddedOracle(): JointOracle {
  return new JointOracle(3, 3, (x) => {
    const n = textLength(x, 0, 3, ends);
    if (x.slice(n).some((v) => v !== EOS)) return 0.05;
    const body = x.slice(0, n);
    // Strongly correlated: texts of one repeated symbol are far likelier (parallel decoding mixes them).
    return [40, 12, 4, 1][n] * (body.every((v) => v === body[0]) ? 12 : 1) * (body[0] === 1 ? 2 : 1);
  });
}

/** Trimmed text of an outcome, as the padded outcome index (one key per text). */
function textKey(oracle: JointOracle, x: ArrayLike<number>): number {
  const n = textLength(x, 0, 3, ends);
  return oracle.encode([...Array.from(x).slice(0, n), ...new Array(3 - n).fill(EOS)]);
}

/** Total variation between the sampled trimmed texts and the joint's law of the trimmed text. */
async function trimmedTv(strategy: StrategyName, steps: number, seed: number) {
  const oracle = paddedOracle();
  const textLaw = new Float64Array(oracle.joint.length);
  oracle.joint.forEach((p, c) => (textLaw[textKey(oracle, oracle.decode(c))] += p));
  const N = 20000;
  const input = { ids: Int32Array.from([3, 3, 3]), editable: Uint8Array.from([1, 1, 1]), batch: N };
  const result = await drain(sample(oracle, input, { strategy, steps }, createRng(seed)));
  const counts = new Float64Array(oracle.joint.length);
  const lengths = [0, 0, 0, 0];
  for (let b = 0; b < N; b++) {
    const row = result.ids.subarray(b * 3, b * 3 + 3);
    lengths[textLength(row, 0, 3, ends)]++;
    counts[textKey(oracle, row)]++;
  }
  return { tv: totalVariation(counts, textLaw), lengths };
}

test('trimmed texts of EOS-padded holes follow the joint over texts of different lengths', async () => {
  for (const [i, strategy] of (['mdlm', 'remdm-cap', 'remdm-loop'] as const).entries()) {
    const { tv, lengths } = await trimmedTv(strategy, 200, 40 + i);
    console.log(`TV ${strategy} trimmed: ${tv.toFixed(4)}, lengths ${lengths.join('/')}`);
    assert.ok(tv < TV_BOUND, `${strategy}: TV ${tv}`);
    assert.ok(lengths.every((n) => n > 500), 'every length 0..3 occurs often');
  }
});

test('the same check catches a biased sampler (2 MDLM steps decode in parallel)', async () => {
  const { tv } = await trimmedTv('mdlm', 2, 7);
  console.log(`TV mdlm at 2 steps, trimmed: ${tv.toFixed(4)}`);
  assert.ok(tv > 2 * TV_BOUND, `TV ${tv}`);
});
