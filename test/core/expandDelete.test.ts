/**
 * DreamOn's expand/delete rule: a hole grows by one position per committed expand, loses the
 * position of a committed delete, never past its bound, its budget or the window. Exact law: a toy
 * model that spends an expand per character and a delete to end makes the sampled texts follow a
 * chosen joint over texts of different lengths (truncated where the bound, budget or window stop it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, sample, type Denoiser, type Frame, type ResizeRule } from '../../src/core';
import { drain, totalVariation } from './oracle';

// Vocabulary of the toys: 0 delete (an end token), 1-4 text, 5 expand, 6 context, 7 mask.
const DEL = 0;
const EXP = 5;
const CTX = 6;
const MASK = 7;
const V = 8;
const sampler = { strategy: 'topk-confidence' as const, steps: 64, temperature: 1 };

/** A denoiser whose logits at each masked position come from `predict(row, position)`; the mask logit is high (SUBS drops it). */
class ScriptDenoiser implements Denoiser {
  readonly vocabSize = V;
  readonly maskId = MASK;
  readonly usesTime = false;
  calls = 0;
  constructor(private readonly predict: (row: number[], l: number) => number[]) {}
  async forward(ids: Int32Array, batch: number, length: number): Promise<Float32Array> {
    this.calls++;
    const out = new Float32Array(batch * length * V).fill(-Infinity);
    for (let b = 0; b < batch; b++) {
      const row = Array.from(ids.subarray(b * length, (b + 1) * length));
      for (let l = 0; l < length; l++) {
        if (row[l] !== MASK) continue;
        out.set(this.predict(row, l), (b * length + l) * V);
        out[(b * length + l) * V + MASK] = 50;
      }
    }
    return out;
  }
}

/** Logits: `weights` as probabilities (0 → impossible). */
function logitsOf(weights: Record<number, number>): number[] {
  const z = new Array<number>(V).fill(-Infinity);
  for (const [id, w] of Object.entries(weights)) if (w > 0) z[Number(id)] = Math.log(w);
  return z;
}

/** A canvas [CTX, hole of `masks` masks, CTX, ...tail] with a resizable first hole. */
function canvas(masks: number, tail: number[] = [CTX]) {
  const ids = Int32Array.from([CTX, ...new Array(masks).fill(MASK), ...tail]);
  const editable = Uint8Array.from(ids, (id) => (id === MASK ? 1 : 0));
  return { ids, editable };
}

function rule(holes: ResizeRule['holes'], window: number, extra: Partial<ResizeRule> = {}): ResizeRule {
  return { expandId: EXP, deleteId: DEL, holes, window, ...extra };
}

async function run(denoiser: Denoiser, masks: number, resize: ResizeRule, tail?: number[], batch = 1, seed = 1) {
  const frames: Frame[] = [];
  const input = { ...canvas(masks, tail), batch, resize };
  const result = await drain(sample(denoiser, input, sampler, createRng(seed)), (f) => frames.push(f));
  return { frames, result };
}

/** Row b of a frame or result, at its own length. */
function rowOf(x: { ids: Int32Array; length: number; rowLengths?: Int32Array }, b = 0): number[] {
  return Array.from(x.ids.subarray(b * x.length, b * x.length + x.rowLengths![b]));
}

// Expand is the likeliest, then text 1: expand wins while the hole may grow.
const greedyExpand = new ScriptDenoiser(() => logitsOf({ [EXP]: 0.9, 1: 0.1 }));

test('each committed expand grows the hole by one position, up to its bound; then text fills it', async () => {
  const { frames, result } = await run(greedyExpand, 2, rule([{ start: 1, length: 2, bound: 6 }], 100), [CTX], 1);
  const lengths = frames.map((f) => f.holes![0][0].length);
  // Low temperature is not needed: expand at 0.9 may still lose a draw, so only the shape is checked.
  for (let i = 1; i < lengths.length; i++) assert.ok(lengths[i] - lengths[i - 1] <= 1, `one expand per step at most: ${lengths}`);
  assert.ok(Math.max(...lengths) <= 6, `never past the bound: ${lengths}`);
  const final = rowOf(result);
  assert.equal(final[0], CTX);
  assert.equal(final[final.length - 1], CTX);
  assert.equal(result.holes![0][0].length, final.length - 2);
  assert.ok(final.every((id) => id !== MASK && id !== EXP && id !== DEL));
});

const alwaysExpand = new ScriptDenoiser(() => logitsOf({ [EXP]: 1, 1: 1e-9 }));

test('expand is blocked at the bound, the window and a spent budget; the hole is then filled with text', async () => {
  const cases: { bound: number; window: number; budget?: number; expect: number }[] = [
    { bound: 6, window: 100, expect: 6 },
    { bound: 6, window: 6, expect: 4 }, // canvas [CTX, 4, CTX] fills the window
    { bound: 6, window: 100, budget: 1, expect: 3 },
    { bound: 2, window: 100, expect: 2 },
  ];
  for (const c of cases) {
    const { frames, result } = await run(alwaysExpand, 2, rule([{ start: 1, length: 2, bound: c.bound, ...(c.budget !== undefined ? { budget: c.budget } : {}) }], c.window));
    const lengths = frames.map((f) => f.holes![0][0].length);
    assert.deepEqual(lengths.slice(0, c.expect - 2), Array.from({ length: c.expect - 2 }, (_, i) => i + 3), `${JSON.stringify(c)}: one position per expand`);
    assert.ok(frames.every((f) => f.rowLengths![0] <= c.window), 'never past the window');
    assert.deepEqual(rowOf(result), [CTX, ...new Array(c.expect).fill(1), CTX], JSON.stringify(c));
  }
});

test('each committed delete removes its position; a hole may end empty; context never changes', async () => {
  const alwaysDelete = new ScriptDenoiser(() => logitsOf({ [DEL]: 1 }));
  const { frames, result } = await run(alwaysDelete, 4, rule([{ start: 1, length: 4, bound: 8 }], 100), [CTX, 3]);
  assert.deepEqual(frames.map((f) => f.holes![0][0].length), [3, 2, 1, 0]);
  assert.deepEqual(frames.map((f) => f.rowLengths![0]), [6, 5, 4, 3]);
  assert.deepEqual(rowOf(result), [CTX, CTX, 3]);
});

test('a hole without a bound keeps its length: no expand there, delete stays a token; later holes move with the first', async () => {
  // The resizable hole grows to its bound, then takes text; the fixed one, expand ruled out, draws delete as a token.
  const ids = [CTX, MASK, CTX, 3, MASK, MASK, CTX];
  const denoiser = new ScriptDenoiser((row, l) => (l > row.indexOf(3) ? logitsOf({ [EXP]: 1, [DEL]: 1e-6 }) : logitsOf({ [EXP]: 1, 1: 1e-6 })));
  const input = { ids: Int32Array.from(ids), editable: Uint8Array.from(ids, (id) => (id === MASK ? 1 : 0)), batch: 1 };
  const resize = rule([{ start: 1, length: 1, bound: 3 }, { start: 4, length: 2 }], 100);
  const frames: Frame[] = [];
  const result = await drain(sample(denoiser, { ...input, resize }, sampler, createRng(3)), (f) => frames.push(f));
  for (const f of frames) {
    const [a, b] = f.holes![0];
    assert.equal(b.length, 2, 'the fixed hole keeps its length');
    assert.equal(b.start, a.start + a.length + 2, 'it moves with the first hole');
    const row = rowOf(f);
    assert.deepEqual([row[0], row[a.start + a.length], row[a.start + a.length + 1], row[row.length - 1]], [CTX, CTX, 3, CTX], 'context unchanged');
    assert.ok(row.slice(b.start, b.start + 2).every((id) => id !== EXP), 'no expand in the fixed hole');
  }
  assert.deepEqual(rowOf(result), [CTX, 1, 1, 1, CTX, 3, DEL, DEL, CTX]);
});

test('rows of a batch resize independently: frames pad them and report each row', async () => {
  const coin = new ScriptDenoiser(() => logitsOf({ [EXP]: 1, [DEL]: 1, 1: 1, 2: 1 }));
  const { frames, result } = await run(coin, 3, rule([{ start: 1, length: 3, bound: 7 }], 12), [CTX], 16, 5);
  const finalLengths = new Set<number>();
  for (const f of frames) {
    for (let b = 0; b < f.batch; b++) {
      const row = rowOf(f, b);
      const hole = f.holes![b][0];
      assert.equal(row.length, hole.length + 2);
      assert.ok(hole.length <= 7 && row.length <= 12);
      assert.equal(row[0], CTX);
      assert.equal(row[row.length - 1], CTX);
    }
  }
  for (let b = 0; b < 16; b++) {
    const row = rowOf(result, b);
    finalLengths.add(row.length);
    assert.ok(row.every((id) => id !== MASK && id !== EXP && id !== DEL), `row ${b}: ${row}`);
  }
  assert.ok(finalLengths.size > 2, `rows end at different lengths: ${[...finalLengths]}`);
  assert.ok(coin.calls >= frames.length, 'one call per length group and step');
});

test('a rule that does not fit the input is refused', async () => {
  const bad = (r: ResizeRule) => drain(sample(alwaysExpand, { ...canvas(2), batch: 1, resize: r }, sampler, createRng(1)));
  await assert.rejects(bad(rule([{ start: 1, length: 2, bound: 1 }], 100)), /bound/);
  await assert.rejects(bad(rule([{ start: 1, length: 1, bound: 4 }], 100)), /in no hole/);
  await assert.rejects(bad(rule([{ start: 1, length: 2, bound: 4 }], 3)), /window/);
  await assert.rejects(bad({ ...rule([{ start: 1, length: 2, bound: 4 }], 100), expandId: MASK }), /expandId/);
});

// ---- Exact law ----

/** Target joint over texts of 0-3 symbols from {1, 2}: uneven by length and content. */
const TEXTS: number[][] = [[]];
for (let n = 1; n <= 3; n++) for (const x of TEXTS.filter((t) => t.length === n - 1)) TEXTS.push([...x, 1], [...x, 2]);
const weight = (x: number[]) => [3, 2, 4, 1][x.length] * (x.every((v) => v === x[0]) ? 3 : 1) * (x[0] === 2 ? 2 : 1);
const total = TEXTS.reduce((s, x) => s + weight(x), 0);
const Q = new Map(TEXTS.map((x) => [x.join(''), weight(x) / total]));
/** Mass of texts that start with x (x included). */
const prefixMass = (x: number[]) => TEXTS.filter((y) => y.length >= x.length && x.every((v, i) => y[i] === v)).reduce((s, y) => s + Q.get(y.join(''))!, 0);

/**
 * The toy: the hole is [text x][m masks]. With one mask it expands with the chance the text goes on,
 * q(len > |x| | prefix x), else deletes it (the text ends); with two, the left mask draws the next
 * symbol from q(· | x, goes on), the right one is uniform over four symbols (higher entropy, so the
 * left one commits first). Started from one mask, the text is drawn from q exactly.
 */
const chainToy = new ScriptDenoiser((row, l) => {
  const hole = row.slice(1, row.length - 1);
  const x = hole.filter((id) => id !== MASK);
  const m = hole.length - x.length;
  const rest = prefixMass(x);
  if (m === 1) return logitsOf({ [EXP]: rest - Q.get(x.join(''))!, [DEL]: Q.get(x.join(''))! });
  const leftmost = row.indexOf(MASK) === l;
  if (!leftmost) return logitsOf({ 1: 1, 2: 1, 3: 1, 4: 1 });
  return logitsOf({ 1: prefixMass([...x, 1]), 2: prefixMass([...x, 2]) });
});

/** q with texts stopped at `longest` symbols: a text that would go on ends there (expand blocked, delete left). */
function truncatedLaw(longest: number): Map<string, number> {
  const law = new Map<string, number>();
  for (const x of TEXTS) {
    if (x.length > longest) continue;
    law.set(x.join(''), x.length === longest ? prefixMass(x) : Q.get(x.join(''))!);
  }
  return law;
}

async function lawTv(resize: ResizeRule, law: Map<string, number>, seed: number, window = 100) {
  const N = 20000;
  const input = { ...canvas(1), batch: N, resize: { ...resize, window } };
  const result = await drain(sample(chainToy, input, sampler, createRng(seed)));
  const keys = [...law.keys()];
  const counts = new Float64Array(keys.length + 1);
  for (let b = 0; b < N; b++) {
    const text = rowOf(result, b).slice(1, -1).join('');
    const k = keys.indexOf(text);
    counts[k < 0 ? keys.length : k]++;
  }
  return totalVariation(counts, [...keys.map((k) => law.get(k)!), 0]);
}

/** Sampling noise at 20k samples over 15 texts is about 0.01. */
const TV_BOUND = 0.025;

test('sampled texts follow the chosen joint over texts of different lengths, and its truncations by bound, budget and window', async () => {
  const hole = { start: 1, length: 1 };
  const cases: [string, ResizeRule, Map<string, number>, number?][] = [
    ['free', rule([{ ...hole, bound: 4 }], 100), truncatedLaw(3)],
    ['bound 3', rule([{ ...hole, bound: 3 }], 100), truncatedLaw(2)],
    ['budget 1', rule([{ ...hole, bound: 4, budget: 1 }], 100), truncatedLaw(1)],
    ['window 5', rule([{ ...hole, bound: 4 }], 100), truncatedLaw(2), 5],
  ];
  for (const [i, [name, r, law, window]] of cases.entries()) {
    const tv = await lawTv(r, law, 11 + i, window);
    console.log(`TV expand/delete ${name}: ${tv.toFixed(4)}`);
    assert.ok(tv < TV_BOUND, `${name}: TV ${tv}`);
  }
});

test('the same check catches a wrong rule: an expand that yields one mask', async () => {
  const tv = await lawTv({ ...rule([{ start: 1, length: 1, bound: 4 }], 100), expandsTo: 1 }, truncatedLaw(3), 5);
  console.log(`TV expand/delete, expand → one mask: ${tv.toFixed(4)}`);
  assert.ok(tv > 4 * TV_BOUND, `TV ${tv}`);
});
