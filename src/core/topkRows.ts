/**
 * Logits in the form a large-vocabulary graph's top-k head returns them, and p_x0 computed from
 * that form without ever reading a full row.
 *
 * Per row the head gives the k largest logits of the whole-character tokens with their ids, the
 * log-mass of the other whole-character tokens at the run's temperature, and every logit of the
 * partial-character tokens (byte-level BPE pieces of a character: few, and a draw rule may allow
 * any subset of them). Whole-character tokens are allowed all together or not at all
 * (DrawRules.classes), so the normaliser of any allowed set is known exactly.
 *
 * Exactness: every token above tau (the k-th whole-character value) is known, nothing below it is
 * known individually. The kept set of top-k / nucleus is exact when it ends above tau: top-k needs
 * `topK` known tokens above tau; the nucleus needs its cut to fall among them (the mass above tau
 * exceeds p). Without filters the argmax and its probability are always exact. A plain draw from the whole
 * distribution (no top-k, no nucleus) is never: those calls return undefined and the sampler asks
 * the model for full rows (FullRowsNeeded). The draws equal those from full rows except where a
 * cumulative sum lands within float32 rounding of the tail's mass of the nucleus' limit.
 */
export interface TopKRows {
  readonly kind: 'topk';
  readonly rows: number;
  readonly k: number;
  /** [rows, k] whole-character logits, descending (ties: lower id first); -Infinity past the last token. */
  readonly values: Float32Array;
  /** [rows, k] their ids. */
  readonly ids: Int32Array;
  /** [rows] log sum exp(logit / temperature) over the whole-character tokens outside the k (-Infinity: none). */
  readonly tailLogMass: Float32Array;
  /** The temperature tailLogMass was computed at. */
  readonly temperature: number;
  /** [rows, partialIds.length] the partial-character tokens' logits. */
  readonly partial: Float32Array;
  readonly partialIds: Int32Array;
  /** One whole-character token: whether the allowed set holds it says whether it holds them all. */
  readonly wholeProbe: number;
}

/** Logits as a model call returns them: full rows [rows, vocab], or the top-k form. */
export type ModelLogits = Float32Array | TopKRows;

/** Thrown by a step that met a row the top-k form cannot serve exactly; the sampler retries with full rows. */
export class FullRowsNeeded extends Error {
  /** Whether a head asked for more tokens could have served the row (false: no k would, e.g. a partial class set). */
  constructor(readonly widerHeadHelps: boolean) {
    super('this step needs the full logits');
  }
}

/**
 * Allowed sets that hold some whole-character tokens but not all (the first position of a hole with
 * an overlap: DrawConstraint): the top-k form does not know their normaliser, so they need full rows.
 */
export const partialClassSets = new WeakSet<Uint8Array>();

/** The top-k form asks for more than this many tokens at most (k doubles after a step that more tokens would have served). */
export const MAX_HEAD_K = 1024;
export const DEFAULT_HEAD_K = 64;

/** The tokens a draw may pick and their probabilities (normalised over the kept set). */
export interface KeptSet {
  count: number;
  ids: Int32Array;
  probs: Float64Array;
}

/** Rounding slack for the nucleus' "cumulative <= p" test (as logits.ts). */
const TOP_P_SLACK = 1e-12;

/** The filters of one run (LogitsProcessor's). */
export interface TopKFilters {
  temperature: number;
  topK: number;
  topP: number;
}

/** Reusable buffers sized to k + partial tokens. */
class Scratch {
  ids = new Int32Array(0);
  z = new Float64Array(0);
  order = new Int32Array(0);
  spare = new Int32Array(0);
  keptIds = new Int32Array(0);
  keptProbs = new Float64Array(0);
  fit(n: number): void {
    if (this.ids.length >= n) return;
    this.ids = new Int32Array(n);
    this.z = new Float64Array(n);
    this.order = new Int32Array(n);
    this.spare = new Int32Array(n);
    this.keptIds = new Int32Array(n);
    this.keptProbs = new Float64Array(n);
  }
}

/** p_x0 over the top-k form, for one run's filters. */
export class TopKProcessor {
  private readonly scratch = new Scratch();

  constructor(readonly filters: TopKFilters) {}

  /**
   * The known allowed candidates of row r: ids, scaled logits z, their count, the largest z, the
   * total mass relative to it (tail included) and how many lie above tau (sorted first in `order`).
   */
  private candidates(rows: TopKRows, r: number, allowed: Uint8Array) {
    const { k, partialIds } = rows;
    const s = this.scratch;
    s.fit(k + partialIds.length);
    if (rows.temperature !== this.filters.temperature) throw new Error(`top-k rows at temperature ${rows.temperature}, sampler at ${this.filters.temperature}`);
    const invT = 1 / this.filters.temperature;
    const wholeIn = allowed[rows.wholeProbe] === 1;
    const tail = wholeIn ? rows.tailLogMass[r] : -Infinity;
    let n = 0;
    let tau = -Infinity;
    if (wholeIn) {
      for (let j = 0; j < k; j++) {
        const v = rows.values[r * k + j];
        if (!(v > -Infinity)) break; // -Infinity past the last token; NaN never a prediction
        s.ids[n] = rows.ids[r * k + j];
        s.z[n++] = v * invT;
      }
      // Whole-character tokens outside the k are at most the k-th value: only those above it are all known.
      if (tail > -Infinity) tau = n > 0 ? s.z[n - 1] : Infinity;
    }
    const whole = n;
    const base = r * partialIds.length;
    for (let j = 0; j < partialIds.length; j++) {
      const id = partialIds[j];
      const v = rows.partial[base + j];
      if (allowed[id] && v === v && v > -Infinity) {
        s.ids[n] = id;
        s.z[n++] = v * invT;
      }
    }
    const { z, ids, order, spare } = s;
    let max = -Infinity;
    for (let i = 0; i < n; i++) if (z[i] > max) max = z[i];
    let total = tail > -Infinity && max > -Infinity ? Math.exp(tail - max) : 0;
    for (let i = 0; i < n; i++) total += Math.exp(z[i] - max);
    // Descending, ties by lower id first: the order the nucleus and the argmax read. The head's
    // tokens come in that order already; the few partial tokens above tau are sorted and merged in.
    let wholeAbove = 0;
    while (wholeAbove < whole && z[wholeAbove] > tau) wholeAbove++;
    let partialAbove = 0;
    for (let i = whole; i < n; i++) if (z[i] > tau) spare[partialAbove++] = i;
    const byRank = (a: number, b: number) => z[b] - z[a] || ids[a] - ids[b];
    if (partialAbove > 1) spare.subarray(0, partialAbove).sort(byRank);
    let above = 0;
    for (let a = 0, b = 0; a < wholeAbove || b < partialAbove; ) {
      if (b >= partialAbove || (a < wholeAbove && byRank(a, spare[b]) <= 0)) order[above++] = a++;
      else order[above++] = spare[b++];
    }
    return { n, max, total, above, sorted: order.subarray(0, above), tau };
  }

  /**
   * The kept set of row r (its ids ascending, probabilities normalised), or undefined when the
   * top-k form does not determine it.
   */
  kept(rows: TopKRows, r: number, allowed: Uint8Array): KeptSet | undefined {
    const { topK, topP } = this.filters;
    const c = this.candidates(rows, r, allowed);
    if (c.n === 0) return undefined;
    const { z, ids, keptIds, keptProbs } = this.scratch;
    let count: number;
    let total = c.total;
    if (topK > 0) {
      // HF's top-k keeps every token tied with the k-th: all of them must be known.
      if (c.above < topK) return undefined;
      const theta = z[c.sorted[topK - 1]];
      count = topK;
      while (count < c.above && z[c.sorted[count]] === theta) count++;
      total = 0;
      for (let i = 0; i < count; i++) total += Math.exp(z[c.sorted[i]] - c.max);
    } else if (topP < 1) {
      count = c.above;
    } else {
      if (c.tau > -Infinity) return undefined; // the whole distribution, and some of it unknown
      count = c.above;
    }
    if (topP < 1) {
      const limit = (topP + TOP_P_SLACK) * total;
      let cumulative = 0;
      let kept = 0;
      for (; kept < count; kept++) {
        cumulative += Math.exp(z[c.sorted[kept]] - c.max);
        if (kept > 0 && cumulative > limit) break;
      }
      // The cut must fall among the known tokens (or the kept set be complete already).
      if (kept === count && topK === 0 && c.tau > -Infinity) return undefined;
      count = kept;
    }
    let mass = 0;
    for (let i = 0; i < count; i++) mass += Math.exp(z[c.sorted[i]] - c.max);
    const order = c.sorted.subarray(0, count).sort((a, b) => ids[a] - ids[b]);
    for (let i = 0; i < count; i++) {
      keptIds[i] = ids[order[i]];
      keptProbs[i] = Math.exp(z[order[i]] - c.max) / mass;
    }
    return { count, ids: keptIds, probs: keptProbs };
  }

  /** A draw by inverse CDF in id order with uniform u (as categorical.inverseCdf over full rows). */
  draw(rows: TopKRows, r: number, allowed: Uint8Array, u: number): { token: number; prob: number } | undefined {
    const kept = this.kept(rows, r, allowed);
    if (!kept) return undefined;
    let total = 0;
    for (let i = 0; i < kept.count; i++) total += kept.probs[i];
    const target = u * total;
    let cumulative = 0;
    for (let i = 0; i < kept.count; i++) {
      cumulative += kept.probs[i];
      if (target < cumulative) return { token: kept.ids[i], prob: kept.probs[i] };
    }
    return { token: kept.ids[kept.count - 1], prob: kept.probs[kept.count - 1] };
  }

  /** The most likely token and its probability (lowest id on ties). */
  best(rows: TopKRows, r: number, allowed: Uint8Array): { token: number; prob: number } | undefined {
    const { topK, topP } = this.filters;
    if (topK > 0 || topP < 1) {
      const kept = this.kept(rows, r, allowed);
      if (!kept) return undefined;
      let best = 0;
      for (let i = 1; i < kept.count; i++) if (kept.probs[i] > kept.probs[best]) best = i;
      return { token: kept.ids[best], prob: kept.probs[best] };
    }
    const c = this.candidates(rows, r, allowed);
    // The top candidate is above tau, or tied with it at the lowest id (the head lists ties lowest id first).
    if (c.n === 0) return undefined;
    const { z, ids } = this.scratch;
    let top = 0;
    for (let i = 1; i < c.n; i++) if (z[i] > z[top] || (z[i] === z[top] && ids[i] < ids[top])) top = i;
    return { token: ids[top], prob: 1 / c.total };
  }
}
