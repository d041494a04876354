import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, isDecoderStrategy, sample, STRATEGY_NAMES, TokenState, type Denoiser, type Frame, type SampleInput } from '../../src/core';
import { drain } from './oracle';
import { PositionalDenoiser } from './toy-denoiser';

const V = 12;
const MASK = V - 1;

/** The toy model with Denoiser.forwardAt: it returns only the requested rows and records what was asked. */
class GatheringDenoiser implements Denoiser {
  readonly inner = new PositionalDenoiser(V);
  readonly vocabSize = V;
  readonly maskId = MASK;
  readonly usesTime = false;
  readonly requests: { ids: Int32Array; positions: number[] }[] = [];
  forward(): Promise<Float32Array> {
    throw new Error('the sampler must use forwardAt when the model has it');
  }
  async forwardAt(ids: Int32Array, batch: number, length: number, positions: Int32Array): Promise<Float32Array> {
    this.requests.push({ ids: ids.slice(), positions: Array.from(positions) });
    const full = await this.inner.forward(ids, batch, length);
    const out = new Float32Array(batch * positions.length * V);
    for (let b = 0; b < batch; b++) {
      positions.forEach((l, p) => out.set(full.subarray((b * length + l) * V, (b * length + l + 1) * V), (b * positions.length + p) * V));
    }
    return out;
  }
}

function input(batch: number): SampleInput {
  const ids = Int32Array.from([4, 2, MASK, MASK, MASK, MASK, MASK, MASK, 7, MASK, MASK, MASK, 0]);
  return { ids, editable: Uint8Array.from(ids, (id) => (id === MASK ? 1 : 0)), batch };
}

for (const strategy of STRATEGY_NAMES) {
  test(`${strategy}: logits gathered where positions unmask give exactly the frames of full logits`, async () => {
    const full: Frame[] = [];
    const gathered: Frame[] = [];
    const model = new GatheringDenoiser();
    const a = await drain(sample(new PositionalDenoiser(V), input(3), { strategy, steps: 10 }, createRng(5)), (f) => full.push(f));
    const b = await drain(sample(model, input(3), { strategy, steps: 10 }, createRng(5)), (f) => gathered.push(f));
    assert.deepEqual(b.ids, a.ids);
    assert.deepEqual(gathered, full);
    const called = gathered.filter((f) => f.modelCalled);
    assert.ok(called.length > 0);
    assert.equal(model.requests.length, called.length);
    model.requests.forEach(({ ids, positions }, k) => {
      const f = called[k];
      const decodes = (r: number, l: number) => f.state[r * 13 + l] === TokenState.Decoded;
      // A ReMDM step runs only the rows where a position unmasks, and asks for the positions that
      // unmask in at least one row; decoders and the noise-removal step run every row, for every
      // position still masked in at least one.
      const everyRow = isDecoderStrategy(strategy) || f.step === f.totalSteps;
      const before = gathered.indexOf(f) > 0 ? gathered[gathered.indexOf(f) - 1].ids : Int32Array.from([0, 1, 2].flatMap(() => Array.from(input(3).ids)));
      // The beam runs its live beams: the first rows, as many as distinct rows (the rest copy row 0).
      const live = new Set([0, 1, 2].map((r) => before.subarray(r * 13, (r + 1) * 13).join())).size;
      const rows = strategy === 'beam' ? [0, 1, 2].slice(0, live) : everyRow ? [0, 1, 2] : [0, 1, 2].filter((r) => Array.from({ length: 13 }, (_, l) => l).some((l) => decodes(r, l)));
      assert.equal(ids.length, rows.length * 13, `step ${f.step}: rows ${rows.join(' ')}`);
      rows.forEach((r, i) => assert.deepEqual(ids.subarray(i * 13, (i + 1) * 13), before.subarray(r * 13, (r + 1) * 13), `step ${f.step}: row ${r}'s ids`));
      const expected = [];
      for (let l = 0; l < 13; l++) {
        const wanted = everyRow ? rows.some((r) => ids[r * 13 + l] === MASK) : rows.some((r) => decodes(r, l));
        if (wanted) expected.push(l);
      }
      assert.deepEqual(positions, expected, `step ${f.step}`);
    });
    if (!isDecoderStrategy(strategy) || strategy === 'beam') assert.ok(model.requests.some((r) => r.ids.length < 3 * 13), 'some step ran fewer rows than the batch');
  });
}
