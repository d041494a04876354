// Pinned sampler output: a fixed seed over recorded logits must give exactly these ids. Any change
// in what is drawn, in which order, or from which uniforms shows up here (the distribution tests
// would not notice a reordering that keeps every marginal). A deliberate change re-records the ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, sample, type Denoiser, type SamplerOptions } from '../../src/core';
import { drain } from './oracle';

const V = 8;
const MASK = V - 1;

/** Recorded logits: row r of the table for position l at model call c is row (l + c) % rows. */
const RECORDED = [
  [1.2, -0.4, 0.3, 2.1, -1.7, 0.0, 0.8, 0],
  [-0.9, 1.6, 0.2, -0.3, 1.1, 0.7, -2.2, 0],
  [0.4, 0.4, 1.9, -1.0, 0.1, -0.6, 1.3, 0],
  [2.4, 0.9, -0.8, 0.6, -0.2, 1.5, -1.1, 0],
  [-1.3, 0.0, 0.5, 1.8, 0.9, -0.7, 0.6, 0],
  [0.7, -1.5, 1.4, 0.2, 2.0, 0.3, -0.4, 0],
];

class RecordedDenoiser implements Denoiser {
  readonly vocabSize = V;
  readonly maskId = MASK;
  readonly usesTime = false;
  private calls = 0;
  async forward(_ids: Int32Array, batch: number, length: number): Promise<Float32Array> {
    const out = new Float32Array(batch * length * V);
    for (let b = 0; b < batch; b++) {
      for (let l = 0; l < length; l++) {
        const row = RECORDED[(l + this.calls) % RECORDED.length];
        for (let v = 0; v < V; v++) out[(b * length + l) * V + v] = v === MASK ? -1e9 : row[v];
      }
    }
    this.calls++;
    return out;
  }
}

async function idsOf(options: SamplerOptions, seed: number): Promise<number[][]> {
  // Context, a 5-token hole, context, a 3-token hole; two rows of the batch.
  const ids = Int32Array.from([3, MASK, MASK, MASK, MASK, MASK, 1, MASK, MASK, MASK, 0]);
  const editable = Uint8Array.from(ids, (id) => (id === MASK ? 1 : 0));
  const result = await drain(sample(new RecordedDenoiser(), { ids, editable, batch: 2 }, options, createRng(seed)), () => undefined);
  return [Array.from(result.ids.subarray(0, ids.length)), Array.from(result.ids.subarray(ids.length))];
}

const PINNED: [string, SamplerOptions, number[][]][] = [
  ['mdlm', { strategy: 'mdlm', steps: 8 }, [[3, 4, 0, 4, 3, 4, 1, 4, 0, 4, 0], [3, 3, 0, 2, 2, 4, 1, 1, 4, 0, 0]]],
  ['remdm-cap, top-p 0.9', { strategy: 'remdm-cap', steps: 12, eta: 0.05, topP: 0.9 }, [[3, 1, 3, 4, 3, 4, 1, 1, 4, 0, 0], [3, 3, 4, 4, 3, 1, 1, 6, 5, 2, 0]]],
  ['remdm-loop, top-p 0.5, temperature 0.7', { strategy: 'remdm-loop', steps: 16, topP: 0.5, temperature: 0.7 }, [[3, 0, 3, 4, 3, 4, 1, 3, 0, 0, 0], [3, 3, 0, 2, 2, 0, 1, 1, 4, 1, 0]]],
  ['remdm-conf', { strategy: 'remdm-conf', steps: 10, eta: 0.1 }, [[3, 3, 6, 4, 3, 5, 1, 5, 5, 1, 0], [3, 2, 3, 6, 3, 3, 1, 1, 0, 4, 0]]],
  ['confidence-threshold', { strategy: 'confidence-threshold', steps: 8, threshold: 0.3 }, [[3, 1, 2, 0, 3, 4, 1, 1, 2, 0, 0], [3, 1, 2, 0, 3, 4, 1, 1, 2, 0, 0]]],
];

for (const [name, options, expected] of PINNED) {
  test(`pinned output: ${name} at seed 7`, async () => {
    const got = await idsOf(options, 7);
    if (process.env.DI_RECORD_PINNED) console.log(name, JSON.stringify(got));
    assert.deepEqual(got, expected);
  });
}
