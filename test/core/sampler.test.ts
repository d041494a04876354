import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CancelledError,
  createRng,
  DiffusionError,
  REMASKING_STRATEGY_NAMES,
  sample,
  STRATEGY_NAMES,
  TokenState,
  type Frame,
  type SampleInput,
  type StrategyName,
} from '../../src/core';
import { correlatedOracle, drain } from './oracle';
import { PositionalDenoiser } from './toy-denoiser';

const V = 12;
const MASK = V - 1;

/** Context, a 6-token hole, context, a 3-token hole. */
function input(batch = 1): SampleInput {
  const ids = Int32Array.from([4, 2, MASK, MASK, MASK, MASK, MASK, MASK, 7, MASK, MASK, MASK, 0]);
  const editable = Uint8Array.from(ids, (id) => (id === MASK ? 1 : 0));
  return { ids, editable, batch };
}

async function run(strategy: StrategyName, seed: number, batch = 1, steps = 16) {
  const frames: Frame[] = [];
  const result = await drain(sample(new PositionalDenoiser(V), input(batch), { strategy, steps }, createRng(seed)), (f) => frames.push(f));
  return { frames, result };
}

for (const strategy of STRATEGY_NAMES) {
  test(`${strategy}: same seed → same output; context never changes; everything is filled`, async () => {
    const a = await run(strategy, 1, 4);
    const b = await run(strategy, 1, 4);
    assert.deepEqual(a.result.ids, b.result.ids);
    assert.deepEqual(a.frames.map((f) => f.ids), b.frames.map((f) => f.ids));
    const inp = input();
    for (const f of a.frames) {
      for (let r = 0; r < 4; r++) {
        for (let l = 0; l < inp.ids.length; l++) {
          if (!inp.editable[l]) {
            assert.equal(f.ids[r * inp.ids.length + l], inp.ids[l], `context changed at ${l}`);
            assert.equal(f.state[r * inp.ids.length + l], TokenState.Settled);
          }
        }
      }
    }
    assert.ok(!a.result.ids.includes(MASK), 'no mask left');
    const last = a.frames[a.frames.length - 1];
    assert.equal(last.step, last.totalSteps);
    assert.deepEqual(last.ids, a.result.ids);
  });
}

for (const strategy of REMASKING_STRATEGY_NAMES) {
  test(`${strategy}: different seeds give different samples, rows of a batch differ`, async () => {
    const a = await run(strategy, 1, 8);
    const b = await run(strategy, 2, 8);
    assert.notDeepEqual(a.result.ids, b.result.ids);
    const L = input().ids.length;
    const rows = new Set(Array.from({ length: 8 }, (_, r) => a.result.ids.subarray(r * L, (r + 1) * L).join(',')));
    assert.ok(rows.size > 1, 'batch rows are independent samples');
  });
}

test('frames: states describe the change from the previous frame; confidence is set for tokens', async () => {
  const { frames } = await run('remdm-cap', 5, 3, 40);
  const prev = input(3);
  let prevIds: Int32Array = new Int32Array(3 * prev.ids.length);
  for (let r = 0; r < 3; r++) prevIds.set(prev.ids, r * prev.ids.length);
  let remasked = 0;
  assert.equal(frames.length, 41);
  frames.forEach((f, i) => {
    assert.equal(f.step, i + 1);
    assert.equal(f.totalSteps, 41);
    for (let j = 0; j < f.ids.length; j++) {
      const was = prevIds[j];
      const now = f.ids[j];
      const st = f.state[j];
      if (st === TokenState.Decoded) assert.ok(was === MASK && now !== MASK);
      if (st === TokenState.Remasked) {
        remasked++;
        assert.ok(was !== MASK && now === MASK);
      }
      if (st === TokenState.Masked) assert.ok(was === MASK && now === MASK);
      if (st === TokenState.Settled) assert.equal(now, was);
      if (now === MASK) assert.equal(f.confidence[j], 0);
      else if (prev.editable[j % prev.ids.length]) assert.ok(f.confidence[j] > 0 && f.confidence[j] <= 1);
    }
    prevIds = f.ids;
  });
  assert.ok(remasked > 0, 'ReMDM remasked something over 40 steps');
});

test('the model is called only in steps where a position unmasks, counted honestly', async () => {
  const oracle = correlatedOracle();
  const frames: Frame[] = [];
  const inp = { ids: Int32Array.from([3, 3, 3]), editable: Uint8Array.from([1, 1, 1]), batch: 1 };
  const result = await drain(sample(oracle, inp, { strategy: 'mdlm', steps: 100 }, createRng(3)), (f) => frames.push(f));
  assert.equal(result.forwardCalls, oracle.forwardCalls);
  assert.equal(frames.filter((f) => f.modelCalled).length, oracle.forwardCalls);
  assert.ok(oracle.forwardCalls >= 1 && oracle.forwardCalls <= 3, `3 masked positions unmask in at most 3 steps, got ${oracle.forwardCalls}`);
  let current: Int32Array = inp.ids;
  for (const f of frames) {
    const unmasked = f.ids.some((id, l) => current[l] === 3 && id !== 3);
    assert.equal(f.modelCalled, unmasked, `step ${f.step}: called exactly when a position unmasked`);
    current = f.ids;
  }
});

test('a time-conditioned model is called with the grid time of each step where a position unmasks', async () => {
  const d = new PositionalDenoiser(V, true);
  const frames: Frame[] = [];
  const res = await drain(sample(d, input(2), { strategy: 'mdlm', steps: 8 }, createRng(1)), (f) => frames.push(f));
  assert.equal(res.forwardCalls, d.calls);
  assert.equal(frames.filter((f) => f.modelCalled).length, d.calls);
  assert.ok(d.calls >= 2);
  const grid = [1, ...frames.map((f) => f.t)];
  frames.forEach((f, i) => {
    if (f.modelCalled && f.step < f.totalSteps) assert.ok(d.times.includes(grid[i]), `step ${f.step} called at t = ${grid[i]}`);
  });
  for (let i = 1; i < d.times.length; i++) assert.ok(d.times[i] < d.times[i - 1]);
});

test('cancellation stops before the next model call with a CancelledError', async () => {
  const d = new PositionalDenoiser(V, true);
  const gen = sample(d, input(), { strategy: 'remdm-cap', steps: 50 }, createRng(1), { isCancelled: () => d.calls >= 3 });
  await assert.rejects(drain(gen), (e: unknown) => e instanceof CancelledError && e.code === 'cancelled');
  assert.equal(d.calls, 3);
});

test('refine: starts at t0 < 1 and keeps unmasked editable tokens under mdlm', async () => {
  const d = new PositionalDenoiser(V);
  const ids = Int32Array.from([4, 5, MASK, 6, MASK, 9]);
  const editable = Uint8Array.from([0, 1, 1, 1, 1, 1]);
  const frames: Frame[] = [];
  const res = await drain(sample(d, { ids, editable, batch: 2 }, { strategy: 'mdlm', steps: 10 }, createRng(4), { startTime: 0.4 }), (f) => frames.push(f));
  assert.ok(frames[0].t < 0.4 && frames[0].t > 0.3);
  for (let r = 0; r < 2; r++) {
    assert.equal(res.ids[r * 6 + 1], 5);
    assert.equal(res.ids[r * 6 + 3], 6);
    assert.equal(res.ids[r * 6 + 5], 9);
    assert.ok(res.ids[r * 6 + 2] !== MASK && res.ids[r * 6 + 4] !== MASK);
  }
  await assert.rejects(drain(sample(d, { ids, editable, batch: 1 }, { strategy: 'mdlm', steps: 4 }, createRng(1), { startTime: 1.5 })), DiffusionError);
});

test('remdm strategies can remask refine tokens (ReMDM can revise existing text)', async () => {
  const d = new PositionalDenoiser(V);
  const ids = Int32Array.from([4, 5, 5, 5, 5, 5, 5, 5, 5, 5]);
  const editable = Uint8Array.from([0, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  const frames: Frame[] = [];
  await drain(sample(d, { ids, editable, batch: 4 }, { strategy: 'remdm-rescale', eta: 1, steps: 20 }, createRng(2), { startTime: 0.5 }), (f) => frames.push(f));
  assert.ok(frames.some((f) => f.state.includes(TokenState.Remasked)));
  assert.equal(frames[0].modelCalled, false, 'nothing masked at first: no model call needed');
});

test('bad input is rejected with typed errors', async () => {
  const d = new PositionalDenoiser(V);
  const cases: SampleInput[] = [
    { ids: Int32Array.from([1, MASK]), editable: Uint8Array.from([1]), batch: 1 },
    { ids: Int32Array.from([1, MASK]), editable: Uint8Array.from([0, 1]), batch: 0 },
    { ids: Int32Array.from([1, V + 3]), editable: Uint8Array.from([0, 1]), batch: 1 },
    { ids: Int32Array.from([MASK, MASK]), editable: Uint8Array.from([0, 1]), batch: 1 },
    { ids: new Int32Array(0), editable: new Uint8Array(0), batch: 1 },
  ];
  for (const c of cases) {
    await assert.rejects(drain(sample(d, c, { strategy: 'mdlm', steps: 4 }, createRng(1))), (e: unknown) => e instanceof DiffusionError && e.code === 'bad-input');
  }
});
