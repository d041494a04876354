import { DiffusionError } from './errors';
import { inverseCdf } from './categorical';
import { selectKth } from './select';
import { FullRowsNeeded, partialClassSets, TopKProcessor, type ModelLogits } from './topkRows';

/** Rounding slack for the nucleus' "cumulative <= p" test. */
const TOP_P_SLACK = 1e-12;

/**
 * The nucleus buckets probabilities by the high 32 bits of their float64 (sign, exponent, the top
 * mantissa bits): for positive numbers that word grows with the value, so `word >>> KEY_SHIFT` is a
 * monotone key with 2^(20 - KEY_SHIFT) buckets per power of two, read without a log.
 */
const KEY_SHIFT = 17;
const KEYS = 1 << (32 - KEY_SHIFT);
const HIGH_WORD = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f ? 1 : 0; // little-endian: odd words

/** Scratch buffers for the filters, sized to the vocabulary once and reused every call. */
export class FilterScratch {
  readonly work: Float64Array;
  readonly order: Int32Array;
  readonly kept: Uint8Array;
  readonly keys: Uint16Array;
  /** Mass per key; all zero between calls. */
  readonly bucketMass = new Float64Array(KEYS);
  private viewed?: Float64Array;
  private words: Uint32Array = new Uint32Array(0);
  constructor(readonly size: number) {
    this.work = new Float64Array(size);
    this.order = new Int32Array(size);
    this.kept = new Uint8Array(size);
    this.keys = new Uint16Array(size);
  }

  /** A 32-bit view of `a`'s float64s (cached: the processor passes the same array every call). */
  wordsOf(a: Float64Array): Uint32Array {
    if (this.viewed !== a) {
      this.viewed = a;
      this.words = new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
    }
    return this.words;
  }
}

/**
 * Top-k on scaled logits `z[0..n)`: everything below the k-th largest value becomes -Infinity.
 * Ties with the k-th value are all kept (as in HF's TopKLogitsWarper). k = 0 or k >= n: no-op.
 */
export function topKFilter(z: Float64Array, n: number, k: number, scratch: FilterScratch): void {
  if (k <= 0 || k >= n) return;
  const work = scratch.work;
  for (let i = 0; i < n; i++) work[i] = z[i];
  const threshold = selectKth(work, n, n - k);
  for (let i = 0; i < n; i++) if (z[i] < threshold) z[i] = -Infinity;
}

/**
 * Nucleus (top-p) on a probability vector `probs[0..n)`, in place: in descending order (ties by
 * lower index first), keep while the cumulative mass is <= p, always keep the top token,
 * renormalise. The fast path also takes unnormalised weights (p is then a share of their sum) and
 * never sorts (V8's typed-array sort costs ~0.2 us an element, more than the whole softmax): one
 * pass sums the mass per bucket of nearly equal values (8 per power of two, keyed by the float's
 * bits), the buckets above the cut are kept whole, and a quickselect weighted by mass finds the cut
 * among the few values of the one bucket it falls in. `exact` sorts the whole vocabulary with the
 * tie rule spelled out. They agree on the kept set except where a cumulative sum lands within
 * rounding (~1e-16) of p + 1e-12, and on the probabilities to rounding.
 */
export function topPFilter(probs: Float64Array, n: number, p: number, scratch: FilterScratch, exact = false): void {
  if (p >= 1) return;
  if (exact) return topPExact(probs, n, p, scratch);
  const words = scratch.wordsOf(probs);
  const { keys, bucketMass, work } = scratch;
  let minKey = KEYS;
  let maxKey = -1;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = probs[i];
    if (v > 0) {
      total += v;
      const key = words[2 * i + HIGH_WORD] >>> KEY_SHIFT;
      keys[i] = key;
      bucketMass[key] += v;
      if (key < minKey) minKey = key;
      if (key > maxKey) maxKey = key;
    }
  }
  const limit = (p + TOP_P_SLACK) * total;
  // Whole buckets from the top while they fit; the first that does not holds the cut.
  let before = 0;
  let cutKey = -1;
  for (let key = maxKey; key >= minKey; key--) {
    const m = bucketMass[key];
    if (m === 0) continue;
    if (before + m > limit) {
      cutKey = key;
      break;
    }
    before += m;
  }
  if (maxKey >= minKey) bucketMass.fill(0, minKey, maxKey + 1);
  if (cutKey < 0) {
    const inv = 1 / before;
    for (let i = 0; i < n; i++) probs[i] *= inv;
    return;
  }
  let count = 0;
  for (let i = 0; i < n; i++) if (probs[i] > 0 && keys[i] === cutKey) work[count++] = probs[i];
  const { cut, ties, mass } = nucleusCut(work, count, limit - before, before === 0);
  const inv = 1 / (before + mass);
  let tiesLeft = ties;
  for (let i = 0; i < n; i++) {
    const v = probs[i];
    let keep = false;
    if (v > 0) {
      const key = keys[i];
      if (key > cutKey) keep = true;
      else if (key === cutKey) {
        if (v > cut) keep = true;
        else if (v === cut && tiesLeft > 0) {
          keep = true;
          tiesLeft--;
        }
      }
    }
    probs[i] = keep ? v * inv : 0;
  }
}

/**
 * Over positive values a[0..count) (reordered in place): the smallest kept value `cut`, how many
 * entries equal to it are kept, and the kept mass, for the rule "descending, keep while the
 * cumulative sum is <= limit" (and at least one when `atLeastOne`: nothing larger was kept before).
 * Keeping none gives cut Infinity.
 */
function nucleusCut(a: Float64Array, count: number, limit: number, atLeastOne: boolean): { cut: number; ties: number; mass: number } {
  let lo = 0;
  let hi = count - 1;
  let above = 0; // mass of entries known to be kept (all larger than anything in [lo, hi])
  let keptAbove = atLeastOne ? 0 : 1; // 0 forces the first entry in
  // The last group accepted whole: a block of larger entries [blockFrom, blockTo), or a pivot's ties.
  let cut = Infinity;
  let ties = 0;
  let blockFrom = -1;
  let blockTo = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    // Median of three: sorted or constant ranges do not degrade.
    const x = a[lo];
    const y = a[mid];
    const z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    // Three-way partition into [lo, gt) > pivot, [gt, lt) == pivot, [lt, hi] < pivot.
    let gt = lo;
    let lt = hi + 1;
    let i = lo;
    let greaterMass = 0;
    while (i < lt) {
      const v = a[i];
      if (v > pivot) {
        a[i] = a[gt];
        a[gt++] = v;
        greaterMass += v;
        i++;
      } else if (v < pivot) {
        a[i] = a[--lt];
        a[lt] = v;
      } else i++;
    }
    if (above + greaterMass > limit) {
      if (gt - lo === 1 && keptAbove === 0) return { cut: a[lo], ties: 1, mass: a[lo] }; // the top token alone
      hi = gt - 1; // the cut is among the larger entries
      continue;
    }
    if (gt > lo) {
      above += greaterMass;
      keptAbove += gt - lo;
      blockFrom = lo;
      blockTo = gt;
    }
    let taken = 0;
    while (taken < lt - gt && (keptAbove === 0 || above + pivot <= limit)) {
      above += pivot;
      keptAbove++;
      taken++;
    }
    if (taken > 0) {
      cut = pivot;
      ties = taken;
      blockFrom = -1;
    }
    if (taken < lt - gt) break; // the next entry (this pivot) does not fit
    lo = lt;
  }
  if (blockFrom >= 0) {
    // The last group kept was a block of larger entries: the cut is its smallest value.
    cut = Infinity;
    for (let i = blockFrom; i < blockTo; i++) if (a[i] < cut) cut = a[i];
    ties = 0;
    for (let i = blockFrom; i < blockTo; i++) if (a[i] === cut) ties++;
  }
  return { cut, ties, mass: above };
}

/** The reference nucleus: a full sort of every index by (probability desc, index asc). */
function topPExact(probs: Float64Array, n: number, p: number, scratch: FilterScratch): void {
  const { order, kept } = scratch;
  let count = 0;
  for (let i = 0; i < n; i++) if (probs[i] > 0) order[count++] = i;
  const sorted = order.subarray(0, count).sort((a, b) => probs[b] - probs[a] || a - b);
  kept.fill(0, 0, n);
  let cumulative = 0;
  let keptMass = 0;
  for (let r = 0; r < count; r++) {
    const i = sorted[r];
    cumulative += probs[i];
    if (r > 0 && cumulative > p + TOP_P_SLACK) break;
    kept[i] = 1;
    keptMass += probs[i];
  }
  for (let i = 0; i < n; i++) probs[i] = kept[i] ? probs[i] / keptMass : 0;
}

/**
 * Turns one position's logits into p_x0 (float64): temperature, the mask token suppressed
 * (SUBS: it is never a prediction), top-k, softmax, top-p. Reuses its buffers across calls.
 */
export class LogitsProcessor {
  /** The last distribution computed; overwritten by the next call. */
  readonly probs: Float64Array;
  private readonly scratch: FilterScratch;
  private topKForm?: TopKProcessor;

  constructor(
    readonly vocab: number,
    readonly maskId: number,
    readonly temperature: number,
    readonly topK: number,
    readonly topP: number,
    /** Use the full-sort nucleus (for checking the fast path). */
    readonly exactTopP = false,
    /**
     * Ids below this may be drawn; the rest are padding rows of the output layer (models round
     * their vocabulary up to a multiple of 64), never a prediction.
     */
    readonly drawable = vocab,
  ) {
    this.probs = new Float64Array(vocab);
    this.scratch = new FilterScratch(vocab);
  }

  /**
   * The most likely token and its probability under the same distribution as `distribution`
   * (filters cannot change the argmax, only its probability). Without top-k / top-p this takes
   * one pass and writes nothing, which matters when decoders score every masked position.
   * `allowed` (DrawConstraint): only tokens with a 1 there.
   */
  best(logits: ModelLogits, offset: number, allowed?: Uint8Array): { token: number; prob: number } {
    if (!(logits instanceof Float32Array)) return this.fromTopK(logits, offset, allowed, (p, rows, r, a) => p.best(rows, r, a));
    if (this.topK > 0 || this.topP < 1) {
      const probs = this.distribution(logits, offset, allowed);
      let token = 0;
      for (let i = 1; i < this.vocab; i++) if (probs[i] > probs[token]) token = i;
      return { token, prob: probs[token] };
    }
    const { drawable, maskId } = this;
    let token = -1;
    let max = -Infinity;
    for (let i = 0; i < drawable; i++) {
      const v = logits[offset + i];
      if (i !== maskId && v > max && (!allowed || allowed[i])) {
        max = v;
        token = i;
      }
    }
    if (token < 0 || !Number.isFinite(max)) {
      throw new DiffusionError('bad-input', `the model gave no finite logit at offset ${offset}`);
    }
    const invT = 1 / this.temperature;
    let sum = 0;
    for (let i = 0; i < drawable; i++) {
      const v = logits[offset + i];
      if (i !== maskId && v === v && (!allowed || allowed[i])) sum += Math.exp((v - max) * invT);
    }
    return { token, prob: 1 / sum };
  }

  /**
   * One token drawn from p_x0 at one position by inverse CDF with uniform `u`, and its probability.
   * Logits in the top-k form throw FullRowsNeeded where they do not determine the draw.
   */
  draw(logits: ModelLogits, offset: number, allowed: Uint8Array | undefined, u: number): { token: number; prob: number } {
    if (!(logits instanceof Float32Array)) return this.fromTopK(logits, offset, allowed, (p, rows, r, a) => p.draw(rows, r, a, u));
    const probs = this.distribution(logits, offset, allowed);
    const token = inverseCdf(probs, this.vocab, u);
    return { token, prob: probs[token] };
  }

  /** The top-k form's answer for the row at `offset` (a multiple of the vocabulary, as for full rows). */
  private fromTopK(
    rows: Exclude<ModelLogits, Float32Array>,
    offset: number,
    allowed: Uint8Array | undefined,
    ask: (p: TopKProcessor, rows: Exclude<ModelLogits, Float32Array>, r: number, allowed: Uint8Array) => { token: number; prob: number } | undefined,
  ): { token: number; prob: number } {
    // Without a draw rule, or with one that splits the whole-character class, the allowed set is
    // not one the head's classes were built for.
    if (!allowed || partialClassSets.has(allowed)) throw new FullRowsNeeded(false);
    this.topKForm ??= new TopKProcessor({ temperature: this.temperature, topK: this.topK, topP: this.topP });
    const hit = ask(this.topKForm, rows, offset / this.vocab, allowed);
    if (!hit) throw new FullRowsNeeded(true);
    return hit;
  }

  /** p_x0 at one position; `allowed` (DrawConstraint) leaves out tokens with a 0 there, as the mask token is. */
  distribution(logits: Float32Array, offset: number, allowed?: Uint8Array): Float64Array {
    const { vocab, drawable, probs } = this;
    const invT = 1 / this.temperature;
    let max = -Infinity;
    for (let i = 0; i < vocab; i++) {
      const v = logits[offset + i];
      // NaN is treated as "impossible" rather than poisoning the whole row.
      const z = i === this.maskId || i >= drawable || v !== v || (allowed !== undefined && !allowed[i]) ? -Infinity : v * invT;
      probs[i] = z;
      if (z > max) max = z;
    }
    if (max === -Infinity || !Number.isFinite(max)) {
      throw new DiffusionError('bad-input', `the model gave no finite logit at offset ${offset}`);
    }
    if (this.topK > 0) {
      topKFilter(probs, vocab, this.topK, this.scratch);
    }
    let sum = 0;
    for (let i = 0; i < vocab; i++) {
      const e = Math.exp(probs[i] - max);
      probs[i] = e;
      sum += e;
    }
    // The fast nucleus divides by the mass it keeps, so it needs no normalised input.
    if (this.topP < 1 && !this.exactTopP) {
      topPFilter(probs, vocab, this.topP, this.scratch);
      return probs;
    }
    const inv = 1 / sum;
    for (let i = 0; i < vocab; i++) probs[i] *= inv;
    topPFilter(probs, vocab, this.topP, this.scratch, this.exactTopP);
    return probs;
  }
}
