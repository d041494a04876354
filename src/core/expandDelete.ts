/**
 * DreamOn's expand/delete rule (DreamLM/DreamOn, eval/generator.py): a model trained with two extra
 * outcomes for a masked position lets a hole change length while it is denoised. Each step, in
 * each row, every masked hole position draws a token from p_x0 (temperature, top-k, top-p); the
 * most confident positions commit (DreamOn commits one per step, ordered by negative entropy by
 * default); a committed `expand` becomes two masks (the hole grows by one), a committed `delete`
 * leaves the canvas (the hole shrinks by one). Expand is ruled out of p_x0 while the hole is at its
 * bound, the canvas at the model's window, or the hole's expand budget is spent. The run ends when
 * no mask is left, so the text never holds a mask, expand or delete id.
 *
 * Rows change length independently: each step calls the model once per group of rows that share a
 * length, and frames pad rows to the longest (Frame `rowLengths`, `holes`).
 */
import { inverseCdf } from './categorical';
import { DrawConstraint } from './drawRules';
import { CancelledError, DiffusionError } from './errors';
import type { LogitsProcessor } from './logits';
import { makeProcessor } from './remask-step';
import type { SampleResult } from './sampler';
import { TokenState, type Denoiser, type Frame, type HoleSpan, type ResizeRule, type Rng, type SampleInput, type SamplerOptions } from './types';

/** Masks a hole of unknown length starts from (DreamOn's quickstart and its eval default). */
export const START_MASKS = 4;

/** A row as it stands: ids and confidences, and where its holes are now. */
interface Row {
  ids: number[];
  confidence: number[];
  /** TokenState of each position for the frame of the step just run. */
  state: number[];
  holes: { start: number; length: number; bound?: number; budget: number }[];
}

/** Counters the sampler reports (see SampleResult). */
export interface ResizeRunStats {
  forwardCalls: number;
  forwardMs: number;
  samplerMs: number;
}

/** One masked hole position's draw this step. */
interface Candidate {
  /** Position in the row when the step began. */
  at: number;
  hole: number;
  token: number;
  prob: number;
  confidence: number;
  offset: number;
  allowed: Uint8Array | undefined;
}

export function validateResizeRule(rule: ResizeRule, input: SampleInput, vocab: number, maskId: number): void {
  const bad = (m: string): never => {
    throw new DiffusionError('bad-input', m);
  };
  const { expandId, deleteId, holes, window } = rule;
  for (const [name, id] of [['expandId', expandId], ['deleteId', deleteId]] as const) {
    if (!Number.isInteger(id) || id < 0 || id >= vocab || id === maskId) bad(`${name} must be a token id other than the mask, got ${id}`);
  }
  if (expandId === deleteId) bad('the expand and delete ids must differ');
  if (!Number.isInteger(window) || window < input.ids.length) bad(`the window (${window}) must hold the input (${input.ids.length} tokens)`);
  let end = 0;
  for (const h of holes) {
    if (!(Number.isInteger(h.start) && Number.isInteger(h.length) && h.start >= end && h.length >= 0 && h.start + h.length <= input.ids.length)) {
      bad(`holes must be in order and inside the input, got ${JSON.stringify(h)}`);
    }
    for (let l = h.start; l < h.start + h.length; l++) if (!input.editable[l]) bad(`hole position ${l} is not editable`);
    if (h.bound !== undefined && !(Number.isInteger(h.bound) && h.bound >= h.length)) bad(`a hole's bound (${h.bound}) must be a whole number >= its length (${h.length})`);
    if (h.budget !== undefined && !(Number.isInteger(h.budget) && h.budget >= 0)) bad(`a hole's expand budget must be a whole number >= 0, got ${h.budget}`);
    end = h.start + h.length;
  }
  const inHole = new Uint8Array(input.ids.length);
  for (const h of holes) inHole.fill(1, h.start, h.start + h.length);
  input.editable.forEach((e, l) => {
    if (e && !inHole[l]) bad(`editable position ${l} is in no hole`);
  });
}

/**
 * What a position may draw, expand on or off: the run's DrawConstraint (whole characters, no
 * specials but end tokens) with the expand id added, as DreamOn leaves expand in p_x0 except when
 * the hole may not grow. Built once per constraint array (they are cached by the rules).
 */
class AllowedTokens {
  private readonly cache = new WeakMap<Uint8Array, [Uint8Array, Uint8Array]>();
  private readonly all: [Uint8Array, Uint8Array];

  constructor(vocab: number, private readonly expandId: number) {
    this.all = this.variants(new Uint8Array(vocab).fill(1));
  }

  private variants(base: Uint8Array): [Uint8Array, Uint8Array] {
    const open = base.slice();
    open[this.expandId] = 1;
    const closed = base.slice();
    closed[this.expandId] = 0;
    return [open, closed];
  }

  get(base: Uint8Array | undefined, expand: boolean): Uint8Array {
    if (!base) return this.all[expand ? 0 : 1];
    let pair = this.cache.get(base);
    if (!pair) this.cache.set(base, (pair = this.variants(base)));
    return pair[expand ? 0 : 1];
  }
}

/** Negative entropy of a distribution (DreamOn's "entropy" order: the surest position is the highest). */
function negEntropy(probs: Float64Array): number {
  let h = 0;
  for (let i = 0; i < probs.length; i++) if (probs[i] > 0) h += probs[i] * Math.log(probs[i]);
  return h;
}

function margin(probs: Float64Array): number {
  let a = 0;
  let b = 0;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i] > a) [a, b] = [probs[i], a];
    else if (probs[i] > b) b = probs[i];
  }
  return a - b;
}

/** The runner of one expand/delete run; `sample()` yields its frames. */
export class ResizingCanvas {
  readonly rows: Row[];
  readonly stats: ResizeRunStats = { forwardCalls: 0, forwardMs: 0, samplerMs: 0 };
  private readonly processor: LogitsProcessor;
  private readonly allowed: AllowedTokens;
  private readonly order: NonNullable<ResizeRule['order']>;
  private readonly expandsTo: number;

  constructor(
    private readonly denoiser: Denoiser,
    private readonly input: SampleInput,
    private readonly rule: ResizeRule,
    private readonly options: Required<SamplerOptions>,
    private readonly rng: Rng,
    private readonly isCancelled: () => boolean,
  ) {
    const vocab = denoiser.vocabSize;
    this.processor = makeProcessor(options, vocab, denoiser.maskId, denoiser.drawableVocabSize ?? vocab);
    this.allowed = new AllowedTokens(vocab, rule.expandId);
    this.order = rule.order ?? 'entropy';
    this.expandsTo = rule.expandsTo ?? 2;
    const ids = Array.from(input.ids);
    const maskId = denoiser.maskId;
    this.rows = Array.from({ length: input.batch }, () => ({
      ids: ids.slice(),
      confidence: new Array<number>(ids.length).fill(0),
      state: ids.map((id) => (id === maskId ? TokenState.Masked : TokenState.Settled)),
      holes: rule.holes.map((h) => ({ start: h.start, length: h.length, ...(h.bound !== undefined ? { bound: h.bound } : {}), budget: h.budget ?? 2 * (h.bound ?? 0) })),
    }));
  }

  private maskedIn(row: Row): number[] {
    const out: number[] = [];
    for (const h of row.holes) for (let l = h.start; l < h.start + h.length; l++) if (row.ids[l] === this.denoiser.maskId) out.push(l);
    return out;
  }

  get anyMasked(): boolean {
    return this.rows.some((r) => this.maskedIn(r).length > 0);
  }

  /** Whether hole `h` of `row` may grow by one now. */
  private mayGrow(row: Row, h: number): boolean {
    const hole = row.holes[h];
    return hole.bound !== undefined && hole.length < hole.bound && row.ids.length < this.rule.window && hole.budget > 0;
  }

  private allowedAt(row: Row, h: number, l: number): Uint8Array {
    let base: Uint8Array | undefined;
    if (this.input.constraint) {
      const here = new DrawConstraint(this.input.constraint.rules, row.holes, row.ids.length, this.denoiser.maskId);
      base = here.allowedAt(Int32Array.from(row.ids), 0, l);
    }
    return this.allowed.get(base, this.mayGrow(row, h));
  }

  /**
   * One step: the model once per length among rows with masks, then in each such row `k` commits
   * (k = ceil(masked / steps left), 1 at DreamOn's pace) in confidence order, each applied at once.
   */
  async step(index: number): Promise<void> {
    const { denoiser, rows } = this;
    const maskId = denoiser.maskId;
    const vocab = denoiser.vocabSize;
    for (const row of rows) row.state = row.ids.map((id) => (id === maskId ? TokenState.Masked : TokenState.Settled));
    const byLength = new Map<number, number[]>();
    rows.forEach((row, b) => {
      if (this.maskedIn(row).length === 0) return;
      const group = byLength.get(row.ids.length);
      if (group) group.push(b);
      else byLength.set(row.ids.length, [b]);
    });
    for (const [length, group] of byLength) {
      if (this.isCancelled()) throw new CancelledError();
      const ids = new Int32Array(group.length * length);
      group.forEach((b, i) => ids.set(rows[b].ids, i * length));
      const masked = new Set<number>();
      for (const b of group) for (const l of this.maskedIn(rows[b])) masked.add(l);
      const positions = Int32Array.from([...masked].sort((x, y) => x - y));
      const rowOf = new Map<number, number>();
      positions.forEach((l, r) => rowOf.set(l, r));
      const times = denoiser.usesTime ? new Float64Array(group.length).fill(1 - index / this.options.steps) : undefined;
      const t0 = performance.now();
      const logits = denoiser.forwardAt ? await denoiser.forwardAt(ids, group.length, length, positions, times) : await denoiser.forward(ids, group.length, length, times);
      this.stats.forwardMs += performance.now() - t0;
      this.stats.forwardCalls++;
      const expected = group.length * (denoiser.forwardAt ? positions.length : length) * vocab;
      if (logits.length !== expected) throw new DiffusionError('bad-input', `the model returned ${logits.length} logits, expected ${expected}`);
      const offsetOf = denoiser.forwardAt ? (i: number, l: number) => (i * positions.length + rowOf.get(l)!) * vocab : (i: number, l: number) => (i * length + l) * vocab;
      const s0 = performance.now();
      group.forEach((b, i) => this.commitRow(rows[b], index, logits, (l) => offsetOf(i, l)));
      this.stats.samplerMs += performance.now() - s0;
    }
  }

  private holeAt(row: Row, l: number): number {
    return row.holes.findIndex((h) => l >= h.start && l < h.start + h.length);
  }

  private draw(logits: Float32Array, offset: number, allowed: Uint8Array): { token: number; prob: number; probs: Float64Array } {
    const probs = this.processor.distribution(logits, offset, allowed);
    const token = inverseCdf(probs, probs.length, this.rng.next());
    return { token, prob: probs[token], probs };
  }

  private commitRow(row: Row, index: number, logits: Float32Array, offsetOf: (l: number) => number): void {
    const masked = this.maskedIn(row);
    const candidates: Candidate[] = masked.map((at) => {
      const hole = this.holeAt(row, at);
      const allowed = this.allowedAt(row, hole, at);
      const offset = offsetOf(at);
      if (this.order === 'probability') {
        const { token, prob } = this.draw(logits, offset, allowed);
        return { at, hole, token, prob, confidence: prob, offset, allowed };
      }
      // Entropy and margin do not depend on the draw: only committed positions draw (below).
      const probs = this.processor.distribution(logits, offset, allowed);
      return { at, hole, token: -1, prob: 0, confidence: this.order === 'entropy' ? negEntropy(probs) : margin(probs), offset, allowed };
    });
    const stepsLeft = Math.max(1, this.options.steps - index);
    const commits = Math.min(candidates.length, Math.ceil(candidates.length / stepsLeft));
    // Most confident first; ties go to the leftmost position.
    const order = candidates.slice().sort((x, y) => y.confidence - x.confidence || x.at - y.at);
    const shift = new Map<number, number>(); // position when the step began → position now
    const now = (at: number) => {
      let p = at;
      for (const [from, by] of shift) if (from < at) p += by;
      return p;
    };
    for (let r = 0; r < commits; r++) {
      const c = order[r];
      const l = now(c.at);
      // A commit before this one may have changed what this position may draw (a filled hole, the bound).
      const allowed = r === 0 ? c.allowed! : this.allowedAt(row, c.hole, l);
      if (c.token < 0 || !allowed[c.token]) ({ token: c.token, prob: c.prob } = this.draw(logits, c.offset, allowed));
      this.apply(row, c.hole, l, c.token, c.prob);
      if (c.token === this.rule.expandId) shift.set(c.at, this.expandsTo - 1);
      else if (c.token === this.rule.deleteId && row.holes[c.hole].bound !== undefined) shift.set(c.at, -1);
    }
  }

  /** Puts `token` at position l of hole h: a token stands, expand grows the hole, delete shrinks it. */
  private apply(row: Row, h: number, l: number, token: number, prob: number): void {
    const hole = row.holes[h];
    const resizes = hole.bound !== undefined;
    let by = 0;
    if (token === this.rule.expandId) {
      // Only drawn where mayGrow allowed it.
      by = this.expandsTo - 1;
      const masks = new Array<number>(this.expandsTo).fill(this.denoiser.maskId);
      row.ids.splice(l, 1, ...masks);
      row.confidence.splice(l, 1, ...new Array<number>(this.expandsTo).fill(0));
      row.state.splice(l, 1, ...new Array<number>(this.expandsTo).fill(TokenState.Masked));
      hole.budget--;
    } else if (token === this.rule.deleteId && resizes) {
      by = -1;
      row.ids.splice(l, 1);
      row.confidence.splice(l, 1);
      row.state.splice(l, 1);
    } else {
      row.ids[l] = token;
      row.confidence[l] = prob;
      row.state[l] = TokenState.Decoded;
    }
    hole.length += by;
    for (let k = h + 1; k < row.holes.length; k++) row.holes[k].start += by;
  }

  /** The rows padded to the longest: [batch, length] arrays, with each row's length and holes. */
  padded(): { length: number; ids: Int32Array; state: Uint8Array; confidence: Float32Array; rowLengths: Int32Array; holes: HoleSpan[][] } {
    const length = Math.max(...this.rows.map((r) => r.ids.length));
    const n = this.rows.length * length;
    const ids = new Int32Array(n);
    const state = new Uint8Array(n);
    const confidence = new Float32Array(n);
    this.rows.forEach((r, b) => {
      ids.set(r.ids, b * length);
      state.set(r.state, b * length);
      confidence.set(r.confidence, b * length);
    });
    return {
      length,
      ids,
      state,
      confidence,
      rowLengths: Int32Array.from(this.rows, (r) => r.ids.length),
      holes: this.rows.map((r) => r.holes.map((h) => ({ start: h.start, length: h.length }))),
    };
  }

  frame(step: number, totalSteps: number): Frame {
    return { step, totalSteps, t: step >= totalSteps ? 0 : 1 - step / totalSteps, batch: this.rows.length, ...this.padded(), modelCalled: true };
  }
}

/**
 * The run: steps until no row holds a mask. `steps` paces the commits (k per step, see `step`);
 * past it every mask commits each step, and expands stop when budgets are spent, so it ends.
 */
export async function* resizingSteps(
  denoiser: Denoiser,
  input: SampleInput,
  rule: ResizeRule,
  options: Required<SamplerOptions>,
  rng: Rng,
  isCancelled: () => boolean,
): AsyncGenerator<Frame, SampleResult, void> {
  validateResizeRule(rule, input, denoiser.vocabSize, denoiser.maskId);
  const canvas = new ResizingCanvas(denoiser, input, rule, options, rng, isCancelled);
  let steps = 0;
  while (canvas.anyMasked) {
    await canvas.step(steps);
    steps++;
    const done = !canvas.anyMasked;
    yield canvas.frame(steps, done ? steps : Math.max(options.steps, steps + 1));
  }
  const { length, ids, rowLengths, holes } = canvas.padded();
  return { ids, batch: input.batch, length, rowLengths, holes, steps, ...canvas.stats, fullRowRetries: 0 };
}
