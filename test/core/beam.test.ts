import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, sample, TokenState, type Frame, type SamplerOptions } from '../../src/core';
import { correlatedOracle, drain, JointOracle } from './oracle';
import { PositionalDenoiser } from './toy-denoiser';

const [A, B, C] = [0, 1, 2];

/** A joint whose mode greedy decoding misses: position 0 is surest at A, but B C is likeliest. */
const trap = () => new JointOracle(2, 3, (x) => ({ [`${B}${C}`]: 0.4, [`${A}${A}`]: 0.35, [`${A}${B}`]: 0.25 })[x.join('')] ?? 0);

async function run(model: JointOracle | PositionalDenoiser, ids: number[], options: SamplerOptions, batch: number) {
  const input = { ids: Int32Array.from(ids), editable: Uint8Array.from(ids, (id) => (id === model.maskId ? 1 : 0)), batch };
  const frames: Frame[] = [];
  const result = await drain(sample(model, input, options, createRng(3)), (f) => frames.push(f));
  const rows = Array.from({ length: batch }, (_, b) => Array.from(result.ids.subarray(b * ids.length, (b + 1) * ids.length)));
  return { frames, result, rows };
}

test('beam: finds the joint mode that confidence decoding misses, and offers the runner-up second', async () => {
  const M = trap().maskId;
  const greedy = await run(trap(), [M, M], { strategy: 'topk-confidence', steps: 2 }, 1);
  assert.deepEqual(greedy.rows, [[A, A]]);
  assert.deepEqual((await run(trap(), [M, M], { strategy: 'beam', steps: 2 }, 1)).rows, [[A, A]], 'one beam is confidence decoding');
  assert.deepEqual((await run(trap(), [M, M], { strategy: 'beam', steps: 2 }, 2)).rows, [[B, C], [A, A]]);
});

test('beam: with beams for every outcome, the rows are the joint outcomes, likeliest first', async () => {
  const oracle = correlatedOracle();
  const M = oracle.maskId;
  const { rows } = await run(oracle, [M, M, M], { strategy: 'beam', steps: 3 }, 27);
  const outcomes = rows.map((r) => oracle.encode(r));
  assert.deepEqual([...outcomes].sort((x, y) => x - y), Array.from(oracle.joint.keys()));
  // Scores are sums of float32 log-probabilities: outcomes within 1e-6 may come in either order.
  outcomes.slice(1).forEach((c, i) => assert.ok(oracle.joint[c] <= oracle.joint[outcomes[i]] + 1e-6, `row ${i + 1}`));
});

test('beam: one row decodes exactly as topk-confidence, one token a step', async () => {
  const V = 10;
  const ids = [1, 2, ...new Array(8).fill(V - 1), 3];
  const beam = await run(new PositionalDenoiser(V, false, 2), ids, { strategy: 'beam', steps: 8 }, 1);
  const greedy = await run(new PositionalDenoiser(V, false, 2), ids, { strategy: 'topk-confidence', steps: 8 }, 1);
  assert.deepEqual(beam.frames.map((f) => Array.from(f.ids)), greedy.frames.map((f) => Array.from(f.ids)));
  assert.deepEqual(beam.frames.map((f) => Array.from(f.state)), greedy.frames.map((f) => Array.from(f.state)));
});

test('beam: fewer steps than masks commit the even split; distinct rows; never remasks', async () => {
  const V = 10;
  const ids = [1, ...new Array(5).fill(V - 1), 3];
  const { frames, rows, result } = await run(new PositionalDenoiser(V, false, 0.3), ids, { strategy: 'beam', steps: 2 }, 3);
  assert.equal(result.steps, 2);
  for (const f of frames) {
    assert.ok(!f.state.includes(TokenState.Remasked));
    for (let b = 0; b < 3; b++) {
      const decoded = Array.from(f.state.subarray(b * f.length, (b + 1) * f.length)).filter((s) => s === TokenState.Decoded).length;
      assert.equal(decoded, f.step === 1 ? 3 : 2, `step ${f.step}, row ${b}`);
    }
  }
  assert.equal(new Set(rows.map((r) => r.join())).size, 3);
  assert.ok(rows.every((r) => !r.includes(V - 1)));
  assert.equal(frames.at(-1)!.step, frames.at(-1)!.totalSteps);
});
