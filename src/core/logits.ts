import { DiffusionError } from './errors';
import { selectKth } from './select';

/** Rounding slack for the nucleus' "cumulative <= p" test. */
const TOP_P_SLACK = 1e-12;

/** Scratch buffers for the filters, sized to the vocabulary once and reused every call. */
export class FilterScratch {
  readonly work: Float64Array;
  readonly order: Int32Array;
  readonly kept: Uint8Array;
  constructor(readonly size: number) {
    this.work = new Float64Array(size);
    this.order = new Int32Array(size);
    this.kept = new Uint8Array(size);
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
 * Nucleus (top-p) on a probability vector `probs[0..n)`, in place: sort descending (ties by lower
 * index first), keep while the cumulative mass is <= p, always keep the top token, renormalise.
 * The fast path sorts only a candidate set found by selection (grown until it holds more than p of
 * the mass, which guarantees it contains the kept prefix); `exact` sorts the whole vocabulary.
 */
export function topPFilter(probs: Float64Array, n: number, p: number, scratch: FilterScratch, exact = false): void {
  if (p >= 1) return;
  const { work, order, kept } = scratch;
  let count = 0;
  let candidates = exact ? n : Math.min(n, 64);
  for (;;) {
    count = 0;
    let mass = 0;
    if (candidates >= n) {
      for (let i = 0; i < n; i++) if (probs[i] > 0) order[count++] = i;
      break;
    }
    for (let i = 0; i < n; i++) work[i] = probs[i];
    const threshold = selectKth(work, n, n - candidates);
    for (let i = 0; i < n; i++) {
      if (probs[i] >= threshold && probs[i] > 0) {
        order[count++] = i;
        mass += probs[i];
      }
    }
    if (mass > p + TOP_P_SLACK) break;
    candidates = Math.min(n, candidates * 4);
  }
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

  constructor(
    readonly vocab: number,
    readonly maskId: number,
    readonly temperature: number,
    readonly topK: number,
    readonly topP: number,
    /** Use the full-sort nucleus (for checking the fast path). */
    readonly exactTopP = false,
  ) {
    this.probs = new Float64Array(vocab);
    this.scratch = new FilterScratch(vocab);
  }

  /**
   * The most likely token and its probability under the same distribution as `distribution`
   * (filters cannot change the argmax, only its probability). Without top-k / top-p this takes
   * one pass and writes nothing, which matters when decoders score every masked position.
   */
  best(logits: Float32Array, offset: number): { token: number; prob: number } {
    if (this.topK > 0 || this.topP < 1) {
      const probs = this.distribution(logits, offset);
      let token = 0;
      for (let i = 1; i < this.vocab; i++) if (probs[i] > probs[token]) token = i;
      return { token, prob: probs[token] };
    }
    const { vocab, maskId } = this;
    let token = -1;
    let max = -Infinity;
    for (let i = 0; i < vocab; i++) {
      const v = logits[offset + i];
      if (i !== maskId && v > max) {
        max = v;
        token = i;
      }
    }
    if (token < 0 || !Number.isFinite(max)) {
      throw new DiffusionError('bad-input', `the model gave no finite logit at offset ${offset}`);
    }
    const invT = 1 / this.temperature;
    let sum = 0;
    for (let i = 0; i < vocab; i++) {
      const v = logits[offset + i];
      if (i !== maskId && v === v) sum += Math.exp((v - max) * invT);
    }
    return { token, prob: 1 / sum };
  }

  distribution(logits: Float32Array, offset: number): Float64Array {
    const { vocab, probs } = this;
    const invT = 1 / this.temperature;
    let max = -Infinity;
    for (let i = 0; i < vocab; i++) {
      const v = logits[offset + i];
      // NaN is treated as "impossible" rather than poisoning the whole row.
      const z = i === this.maskId || v !== v ? -Infinity : v * invT;
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
    const inv = 1 / sum;
    for (let i = 0; i < vocab; i++) probs[i] *= inv;
    topPFilter(probs, vocab, this.topP, this.scratch, this.exactTopP);
    return probs;
  }
}
