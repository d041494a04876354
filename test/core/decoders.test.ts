import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, DiffusionError, sample, TokenState, type Frame, type SamplerOptions } from '../../src/core';
import { drain } from './oracle';
import { PositionalDenoiser } from './toy-denoiser';

const V = 10;
const MASK = V - 1;

function holeInput(holeLength: number, batch = 2) {
  const ids = Int32Array.from([1, 2, ...new Array(holeLength).fill(MASK), 3]);
  const editable = Uint8Array.from(ids, (id) => (id === MASK ? 1 : 0));
  return { ids, editable, batch };
}

async function frames(options: SamplerOptions, holeLength: number, sharpness = 1) {
  const out: Frame[] = [];
  const d = new PositionalDenoiser(V, false, sharpness);
  const result = await drain(sample(d, holeInput(holeLength), options, createRng(1)), (f) => out.push(f));
  return { out, result, calls: d.calls };
}

const decoded = (f: Frame, row: number) =>
  Array.from(f.state.subarray(row * f.length, (row + 1) * f.length)).filter((s) => s === TokenState.Decoded).length;

test('topk-confidence: an even split of the masked count over the steps, all filled at the end', async () => {
  const { out, result } = await frames({ strategy: 'topk-confidence', steps: 4 }, 10);
  assert.equal(out.length, 4);
  for (let r = 0; r < 2; r++) assert.deepEqual(out.map((f) => decoded(f, r)), [3, 3, 2, 2]);
  assert.ok(!result.ids.includes(MASK));
  assert.equal(out[3].step, out[3].totalSteps);
});

test('topk-confidence commits the most confident positions first, and never remasks', async () => {
  const { out } = await frames({ strategy: 'topk-confidence', steps: 5 }, 5);
  for (let i = 1; i < out.length; i++) {
    const prev = out[i - 1];
    const cur = out[i];
    assert.ok(!cur.state.includes(TokenState.Remasked));
    // Everything committed earlier was at least as confident as anything committed now.
    const earlier = Array.from(prev.confidence).filter((c, j) => c > 0 && prev.ids[j] !== MASK && j < prev.length);
    const now = Array.from(cur.confidence).filter((_, j) => cur.state[j] === TokenState.Decoded && j < cur.length);
    assert.ok(Math.min(...earlier) >= Math.max(...now) - 1e-7);
  }
});

test('confidence-threshold: commits all above the threshold, at least one per step, finishes early', async () => {
  const low = await frames({ strategy: 'confidence-threshold', steps: 8, threshold: 0.0 }, 6);
  assert.equal(low.out.length, 1, 'everything is above threshold 0: one step');
  assert.equal(low.out[0].totalSteps, 1);
  const high = await frames({ strategy: 'confidence-threshold', steps: 8, threshold: 1 }, 6);
  // Nothing beats threshold 1, so the even-split floor decides: ceil(6/8) = 1 per step.
  assert.equal(high.out.length, 6);
  for (const f of high.out) assert.ok(decoded(f, 0) >= 1);
  assert.ok(!high.result.ids.includes(MASK));
  assert.equal(high.calls, 6);
});

test('blocks: only the leftmost unfinished block is decoded; steps split evenly over blocks', async () => {
  const { out, result } = await frames({ strategy: 'topk-confidence', steps: 6, blockLength: 4 }, 12);
  assert.equal(out.length, 6);
  const firstHole = 2;
  out.forEach((f, i) => {
    const block = Math.floor(i / 2);
    for (let r = 0; r < 2; r++) {
      for (let l = 0; l < f.length; l++) {
        if (f.state[r * f.length + l] === TokenState.Decoded) {
          assert.equal(Math.floor((l - firstHole) / 4), block, `step ${i + 1} decoded position ${l} outside block ${block}`);
        }
      }
      // Blocks to the right stay fully masked until their turn.
      for (let l = firstHole + 4 * (block + 1); l < firstHole + 12; l++) assert.equal(f.ids[r * f.length + l], MASK);
      assert.equal(decoded(f, r), 2);
    }
  });
  assert.ok(!result.ids.includes(MASK));
});

test('blocks with the threshold decoder never leave a row unfinished', async () => {
  const { out, result } = await frames({ strategy: 'confidence-threshold', steps: 5, blockLength: 3, threshold: 0.3 }, 11, 3);
  assert.ok(out.length <= 5);
  assert.ok(!result.ids.includes(MASK));
  for (const f of out) for (let r = 0; r < 2; r++) assert.ok(decoded(f, r) >= 1 || !f.ids.subarray(r * f.length, (r + 1) * f.length).includes(MASK));
});

test('more blocks than steps is a bad-options error', async () => {
  await assert.rejects(
    drain(sample(new PositionalDenoiser(V), holeInput(8), { strategy: 'topk-confidence', steps: 3, blockLength: 2 }, createRng(1))),
    (e: unknown) => e instanceof DiffusionError && e.code === 'bad-options' && /blocks/.test(e.message),
  );
});
