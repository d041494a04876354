// The top-k form of the logits (issue 18, the top-k head): wherever it answers, it answers as full
// rows do (same token for the same uniform, same probability); where it cannot, it says so and the
// sampler asks for full rows, so a whole run is identical with and without the head.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, DrawConstraint, DrawRules, LogitsProcessor, sample, TopKProcessor, UTF8_STATES, type Denoiser, type SamplerOptions, type TopKRows } from '../../src/core';
import { topKRowsOf } from './topkHead';

const END = 0;
const PAD = 1;
/** Pieces of 中 (E4 B8 AD), 😀 (F0 9F 98 80) and é (C3 A9), then 200 whole two-letter tokens. */
const PIECES: number[][] = [[0xe4], [0xb8], [0xad], [0xe4, 0xb8], [0xb8, 0xad], [0xe4, 0xb8, 0xad], [0xf0, 0x9f], [0x98, 0x80], [0xc3], [0xa9], [0x61], [0x20]];
const TOKENS: number[][] = [[], [...Buffer.from('<pad>')], ...PIECES];
for (let i = 0; TOKENS.length < 214; i++) TOKENS.push([0x61 + (i % 26), 0x61 + Math.floor(i / 26)]);
const MASK = TOKENS.length;
TOKENS.push([]);
const VOCAB = TOKENS.length;
const rules = new DrawRules(VOCAB, (id) => TOKENS[id], new Set([MASK, PAD]), new Set([END]));

const FILTERS: { temperature: number; topK: number; topP: number }[] = [
  { temperature: 1, topK: 0, topP: 0.9 },
  { temperature: 0.7, topK: 0, topP: 0.5 },
  { temperature: 1.3, topK: 5, topP: 1 },
  { temperature: 1, topK: 3, topP: 0.8 },
  { temperature: 1, topK: 0, topP: 1 },
];

/** A random allowed set the draw rules can give (or every drawable token). */
function allowedSet(rng: { next(): number }): Uint8Array {
  if (rng.next() < 0.3) return rules.drawable;
  const pick = () => 1 + Math.floor(rng.next() * ((1 << UTF8_STATES) - 1));
  return rules.allowedBetween(rng.next() < 0.5 ? 1 : pick(), rng.next() < 0.5 ? 1 : pick());
}

function randomRow(rng: { next(): number }): Float32Array {
  const sharpness = [0.3, 2, 6, 15][Math.floor(rng.next() * 4)];
  const row = Float32Array.from({ length: VOCAB }, () => {
    const v = sharpness * -Math.log(rng.next());
    return rng.next() < 0.2 ? Math.round(v) : v; // ties, at the k-th value too
  });
  if (rng.next() < 0.5) row[2 + Math.floor(rng.next() * PIECES.length)] += sharpness * 3; // a confident piece
  return row;
}

test('whole-character tokens are allowed all together or not at all, for every pair of states', () => {
  const { wholeBias, partialIds, wholeProbe } = rules.classes();
  const whole = [...wholeBias.keys()].filter((id) => wholeBias[id] === 0);
  assert.ok(whole.includes(END) && whole.includes(wholeProbe) && !whole.includes(MASK) && !whole.includes(PAD));
  assert.deepEqual([...partialIds].sort((a, b) => a - b), [2, 3, 4, 5, 6, 8, 9, 10, 11]);
  for (let left = 1; left < 1 << UTF8_STATES; left++) {
    for (let right = 1; right < 1 << UTF8_STATES; right += 7) {
      const allowed = rules.allowedBetween(left, right);
      const inside = whole.filter((id) => allowed[id]).length;
      assert.ok(inside === 0 || inside === whole.length, `left ${left}, right ${right}: ${inside} of ${whole.length}`);
    }
  }
});

test('where the top-k form answers, it answers as full rows do; where it cannot, it says so', () => {
  const rng = createRng(7);
  for (const filters of FILTERS) {
    const dense = new LogitsProcessor(VOCAB, MASK, filters.temperature, filters.topK, filters.topP);
    const sparse = new TopKProcessor(filters);
    let answered = 0;
    let declined = 0;
    for (let trial = 0; trial < 1500; trial++) {
      const row = randomRow(rng);
      const k = [1, 2, 4, 8, 32][Math.floor(rng.next() * 5)];
      const rows = topKRowsOf(row, 1, VOCAB, k, filters.temperature, rules);
      const allowed = allowedSet(rng);
      const u = rng.next();
      const drawn = sparse.draw(rows, 0, allowed, u);
      const best = sparse.best(rows, 0, allowed);
      const context = `${JSON.stringify(filters)}, trial ${trial}, k ${k}`;
      for (const [got, want] of [
        [drawn, dense.draw(row, 0, allowed, u)],
        [best, dense.best(row, 0, allowed)],
      ] as const) {
        if (!got) continue;
        assert.equal(got.token, want.token, context);
        assert.ok(Math.abs(got.prob - want.prob) <= 1e-6 * want.prob, `${context}: ${got.prob} vs ${want.prob}`);
      }
      if (filters.topK === 0 && filters.topP === 1) assert.ok(best, `${context}: without filters the argmax is always known`);
      if (drawn) answered++;
      else declined++;
    }
    if (filters.topK === 0 && filters.topP === 1) assert.ok(answered < 1500 * 0.3, 'a plain draw is known only when k covers every token');
    else assert.ok(answered > 1500 * 0.3 && declined > 0, `${JSON.stringify(filters)}: ${answered} answered, ${declined} declined`);
  }
});

test('a top-k form that leaves out the tail mass is caught (the comparison can fail)', () => {
  const rng = createRng(11);
  const filters = FILTERS[0];
  const dense = new LogitsProcessor(VOCAB, MASK, filters.temperature, filters.topK, filters.topP);
  const sparse = new TopKProcessor(filters);
  let differ = 0;
  for (let trial = 0; trial < 500; trial++) {
    const row = randomRow(rng);
    const rows = topKRowsOf(row, 1, VOCAB, 4, filters.temperature, rules);
    const noTail: TopKRows = { ...rows, tailLogMass: new Float32Array(1).fill(-Infinity) };
    const u = rng.next();
    const got = sparse.draw(noTail, 0, rules.drawable, u);
    if (got && got.token !== dense.draw(row, 0, rules.drawable, u).token) differ++;
  }
  assert.ok(differ > 0);
});

/** Logits that follow the ids (so every step differs), with full rows and the top-k form. */
class ToyModel implements Denoiser {
  readonly vocabSize = VOCAB;
  readonly maskId = MASK;
  readonly usesTime = false;
  calls = 0;
  /** The k of every top-k call. */
  readonly ks: number[] = [];
  forwardTopK?: Denoiser['forwardTopK'];
  constructor(
    private readonly sharpness: number,
    withHead: boolean,
  ) {
    if (withHead) this.forwardTopK = async (ids, batch, length, positions, k, temperature) => (this.ks.push(k), topKRowsOf(await this.forwardAt(ids, batch, length, positions), batch * positions.length, VOCAB, k, temperature, rules));
  }
  async forward(ids: Int32Array, batch: number, length: number): Promise<Float32Array> {
    return this.forwardAt(ids, batch, length, Int32Array.from({ length }, (_, l) => l));
  }
  async forwardAt(ids: Int32Array, batch: number, length: number, positions: Int32Array): Promise<Float32Array> {
    this.calls++;
    const out = new Float32Array(batch * positions.length * VOCAB);
    for (let b = 0; b < batch; b++) {
      let h = 0;
      for (let l = 0; l < length; l++) h = (h * 31 + ids[b * length + l]) % 9973;
      positions.forEach((l, r) => {
        const rng = createRng(h * 131 + l);
        for (let v = 0; v < VOCAB; v++) out[(b * positions.length + r) * VOCAB + v] = this.sharpness * -Math.log(rng.next());
      });
    }
    return out;
  }
}

const RUNS: Partial<SamplerOptions>[] = [
  { strategy: 'remdm-cap', eta: 0.02, topP: 0.9 },
  { strategy: 'remdm-loop', eta: 0.02, tOn: 0.55, tOff: 0.05, alphaOn: 0.9, topP: 0.5, temperature: 0.7 },
  { strategy: 'mdlm', topK: 4 },
  { strategy: 'topk-confidence' },
];

// A hole with an overlap ('a': 'a' and the two-letter tokens that begin with it) allows part of
// the whole-character class at its first position, which the top-k form cannot normalise.
for (const [options, overlap] of RUNS.flatMap((o) => [[o, undefined], [o, 'a']] as const)) {
  test(`${options.strategy}${overlap ? ', a hole with an overlap' : ''}: a whole run is the same with and without the top-k head`, async () => {
    const length = 12;
    const ids = Int32Array.from({ length }, (_, l) => (l >= 2 && l < 10 ? MASK : 20));
    const editable = Uint8Array.from(ids, (id) => (id === MASK ? 1 : 0));
    const constraint = new DrawConstraint(rules, [{ start: 2, length: 8, ...(overlap ? { overlap } : {}) }], length, MASK);
    let retries = 0;
    const ks = new Set<number>();
    for (const sharpness of [1, 4]) {
      for (let seed = 1; seed <= 3; seed++) {
        const run = async (withHead: boolean) => {
          const model = new ToyModel(sharpness, withHead);
          const gen = sample(model, { ids, editable, batch: 3, constraint }, { strategy: 'mdlm', steps: 10, ...options } as SamplerOptions, createRng(seed));
          const frames: string[] = [];
          let step = await gen.next();
          while (!step.done) {
            frames.push(`${step.value.ids.join(',')}|${Array.from(step.value.confidence, (c) => c.toFixed(6)).join(',')}`);
            step = await gen.next();
          }
          model.ks.forEach((k) => ks.add(k));
          return { frames, retries: step.value.fullRowRetries };
        };
        const withHead = await run(true);
        assert.deepEqual(withHead.frames, (await run(false)).frames, `sharpness ${sharpness}, seed ${seed}`);
        retries += withHead.retries;
      }
    }
    // Flat rows need full rows now and then (the nucleus reaches past k); decoders only at an overlap.
    if (options.strategy === 'topk-confidence' && !overlap) assert.equal(retries, 0);
    // An overlap's retries are not the head's k falling short: a decoder keeps asking for the same k.
    if (options.strategy === 'topk-confidence' && overlap) {
      assert.ok(retries > 0);
      assert.equal(ks.size, 1, `k asked for: ${[...ks]}`);
    }
  });
}
