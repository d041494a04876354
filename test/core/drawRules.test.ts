// Holes are whole UTF-8 characters and never hold a special token (issue 17, items 9 and 10): the
// rules on a toy byte-level vocabulary, and every sampler run with and without them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, DrawConstraint, DrawRules, invalidUtf8At, sample, type Denoiser, type SamplerOptions, type StrategyName } from '../../src/core';

const END = 0;
const PAD = 1; // a special token that is not an end token
const MASK = 17;
/** A byte-level vocabulary that cuts 中 (E4 B8 AD), 😀 (F0 9F 98 80) and é (C3 A9) several ways. */
const TOKENS: number[][] = [
  [], // END
  [...Buffer.from('<pad>')],
  [0x61],
  [0x20],
  [0xe4],
  [0xb8],
  [0xad],
  [0xe4, 0xb8],
  [0xb8, 0xad],
  [0xe4, 0xb8, 0xad],
  [0xf0, 0x9f],
  [0x98, 0x80],
  [0xf0, 0x9f, 0x98, 0x80],
  [0x80],
  [0xc3],
  [0xa9],
  [0xed, 0xa0, 0x80], // a surrogate: never valid
  [], // MASK
];
const VOCAB = TOKENS.length;
const rules = new DrawRules(VOCAB, (id) => TOKENS[id], new Set([MASK, PAD]), new Set([END]));
const allowedIds = (allowed: Uint8Array) => [...allowed.keys()].filter((id) => allowed[id]);

test('a lone hole position allows whole tokens only; between the halves of a character, only its middle', () => {
  const hole = (ids: number[]) => new DrawConstraint(rules, [{ start: 1, length: ids.length }], ids.length + 2, MASK);
  const row = (ids: number[]) => Int32Array.from([2, ...ids, 2]);
  assert.deepEqual(allowedIds(hole([MASK]).allowedAt(row([MASK]), 0, 1)), [END, 2, 3, 9, 12]);
  // E4 | ? | AD: one continuation byte (B8, AD, 80, A9) completes the character.
  assert.deepEqual(allowedIds(hole([4, MASK, 6]).allowedAt(row([4, MASK, 6]), 0, 2)), [5, 6, 13, 15]);
  // E4 | ? | ?: one continuation byte (the next position finishes it) or two (B8 AD, 98 80).
  assert.deepEqual(allowedIds(hole([4, MASK, MASK]).allowedAt(row([4, MASK, MASK]), 0, 2)), [5, 6, 8, 11, 13, 15]);
  // ? | AD at the hole's start: a token that leaves one continuation byte to come (E4 B8, C3).
  assert.deepEqual(allowedIds(hole([MASK, 6]).allowedAt(row([MASK, 6]), 0, 1)), [7, 14]);
  // Context keeps only the never-drawn rule; the mask and PAD are never drawn anywhere.
  assert.equal(hole([MASK]).allowedAt(row([MASK]), 0, 0), rules.drawable);
  assert.deepEqual([rules.drawable[MASK], rules.drawable[PAD]], [0, 0]);
});

/** Logits that change with every call, row and position: any token may come up anywhere. */
class RandomDenoiser implements Denoiser {
  readonly vocabSize = VOCAB;
  readonly maskId = MASK;
  readonly usesTime = false;
  private calls = 0;
  forwardAt?: Denoiser['forwardAt'];
  constructor(gathers: boolean) {
    if (gathers) this.forwardAt = async (_ids, batch, _length, positions) => this.logits(batch, positions.length);
  }
  async forward(_ids: Int32Array, batch: number, length: number): Promise<Float32Array> {
    return this.logits(batch, length);
  }
  private logits(batch: number, rows: number): Float32Array {
    const rng = createRng(1000 + this.calls++);
    return Float32Array.from({ length: batch * rows * VOCAB }, () => 3 * rng.next());
  }
}

/** How many holes broke a rule: bytes that are not whole characters, or a special token in the text. */
function broken(ids: Int32Array, batch: number, length: number, start: number, holeLength: number): number {
  let count = 0;
  for (let b = 0; b < batch; b++) {
    const bytes: number[] = [];
    let special = false;
    for (let l = start; l < start + holeLength; l++) {
      const id = ids[b * length + l];
      if (id === END) break;
      if (id === PAD || id === MASK) special = true;
      bytes.push(...TOKENS[id]);
    }
    if (special || invalidUtf8At(bytes) >= 0) count++;
  }
  return count;
}

const STRATEGIES: [StrategyName, Partial<SamplerOptions>][] = [
  ['mdlm', {}],
  ['remdm-loop', { eta: 0.3 }],
  ['remdm-conf', { eta: 0.3 }],
  ['topk-confidence', {}],
  ['confidence-threshold', { threshold: 0.2 }],
  ['remdm-cap', { topP: 0.5, temperature: 1.3 }],
];

for (const [strategy, extra] of STRATEGIES) {
  test(`${strategy}: every hole is whole characters with no special token (and is not without the rules)`, async () => {
    const length = 14;
    const ids = Int32Array.from({ length }, (_, l) => (l >= 2 && l < 12 ? MASK : 2));
    const editable = Uint8Array.from(ids, (id) => (id === MASK ? 1 : 0));
    const constraint = new DrawConstraint(rules, [{ start: 2, length: 10 }], length, MASK);
    let without = 0;
    for (const gathers of [false, true]) {
      for (let seed = 1; seed <= 4; seed++) {
        const run = async (withRules: boolean) => {
          const input = { ids, editable, batch: 8, ...(withRules ? { constraint } : {}) };
          const gen = sample(new RandomDenoiser(gathers), input, { strategy, steps: 6, ...extra }, createRng(seed));
          let step = await gen.next();
          while (!step.done) step = await gen.next();
          return broken(step.value.ids, 8, length, 2, 10);
        };
        assert.equal(await run(true), 0, `seed ${seed}, gathers ${gathers}`);
        without += await run(false);
      }
    }
    assert.ok(without > 0, 'without the rules some hole breaks one (the test can fail)');
  });
}

test('a hole with an overlap draws its first token from those that begin with it, or an end token; a mask there stands for those', () => {
  // Overlap ' ' (0x20): token 3 is the only one that begins with it.
  const holes = [{ start: 1, length: 3, overlap: ' ' }];
  const constraint = new DrawConstraint(rules, holes, 5, MASK);
  const ids = Int32Array.from([2, MASK, MASK, MASK, 2]);
  assert.deepEqual(allowedIds(constraint.allowedAt(ids, 0, 1)), [END, 3]);
  const plain = new DrawConstraint(rules, [{ start: 1, length: 3 }], 5, MASK);
  // Next to the masked first position: what may follow ' ', not a character's continuation bytes.
  const afterSpace = Int32Array.from([2, 3, MASK, MASK, 2]);
  for (const l of [2, 3]) assert.deepEqual(allowedIds(constraint.allowedAt(ids, 0, l)), allowedIds(plain.allowedAt(afterSpace, 0, l)));
  assert.notDeepEqual(allowedIds(constraint.allowedAt(ids, 0, 2)), allowedIds(plain.allowedAt(ids, 0, 2)));
  // An overlap no token begins with leaves the position as it was.
  const none = new DrawConstraint(rules, [{ start: 1, length: 3, overlap: 'zz' }], 5, MASK);
  assert.deepEqual(allowedIds(none.allowedAt(ids, 0, 1)), allowedIds(plain.allowedAt(ids, 0, 1)));
  // Outside the holes nothing changes.
  assert.equal(constraint.allowedAt(ids, 0, 0), rules.drawable);
});

for (const [strategy, extra] of STRATEGIES) {
  test(`${strategy}: a hole with an overlap always starts with it (or is empty)`, async () => {
    const length = 8;
    const ids = Int32Array.from({ length }, (_, l) => (l >= 2 && l < 6 ? MASK : 2));
    const editable = Uint8Array.from(ids, (id) => (id === MASK ? 1 : 0));
    const constraint = new DrawConstraint(rules, [{ start: 2, length: 4, overlap: ' ' }], length, MASK);
    const firsts = new Set<number>();
    for (const gathers of [false, true]) {
      const gen = sample(new RandomDenoiser(gathers), { ids, editable, batch: 16, constraint }, { strategy, steps: 4, ...extra }, createRng(7));
      let step = await gen.next();
      while (!step.done) step = await gen.next();
      for (let b = 0; b < 16; b++) firsts.add(step.value.ids[b * length + 2]);
    }
    assert.ok([...firsts].every((id) => id === 3 || id === END), `first tokens ${[...firsts]}`);
  });
}
