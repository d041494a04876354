/**
 * Training-free length search for a hole whose length the model picks, after CAL (Liu, Yang & Su 2026,
 * arXiv 2602.00476): the model's confidence at the first denoising step, all positions masked,
 * peaks near the length the context wants. Candidate lengths are scored in batches, shortest first,
 * and the search stops once a batch fails to beat the best so far (CAL's local peak: the global
 * maximum over all lengths drifts with a length bias). Pure: the caller runs the model.
 */
import { DiffusionError } from './errors';

/** One candidate length and its score (higher is better). */
export interface LengthTrial {
  length: number;
  score: number;
}

export interface LengthSearchResult {
  chosen: number;
  /** Every length scored, in the order tried. */
  tried: LengthTrial[];
  /** The lengths drafted (sampled and scored again, see draftShortlist), best first score first; absent: none. */
  drafted?: LengthTrial[];
}

/** Every length up to this is a candidate; past it they grow by LENGTH_GROWTH. */
const DENSE_UP_TO = 8;
const LENGTH_GROWTH = 1.25;
/** Candidates scored per model call. */
export const LENGTH_BATCH = 4;

/** Candidate lengths for a hole of at most `maxTokens`, ascending: 1..8, then about 25% apart, and the bound. */
export function lengthCandidates(maxTokens: number): number[] {
  if (!Number.isSafeInteger(maxTokens) || maxTokens < 1) {
    throw new DiffusionError('bad-input', `a hole bound must be a whole number >= 1, got ${maxTokens}`);
  }
  const out: number[] = [];
  for (let n = 1; n <= Math.min(DENSE_UP_TO, maxTokens); n++) out.push(n);
  for (let n = Math.ceil(DENSE_UP_TO * LENGTH_GROWTH); n < maxTokens; n = Math.ceil(n * LENGTH_GROWTH)) out.push(n);
  if (out[out.length - 1] !== maxTokens) out.push(maxTokens);
  return out;
}

/**
 * The largest drawable logit at one position and the log of the softmax's sum relative to it (the
 * mask excluded; only tokens in `allowed` when given).
 */
function softmaxNormalizer(logits: Float32Array, offset: number, drawable: number, maskId: number, allowed?: Uint8Array): { max: number; logSum: number } {
  // Inline tests, no closure per token: the search runs this over the whole vocabulary at every position it reads.
  const row = logits.subarray(offset, offset + drawable);
  let max = -Infinity;
  for (let v = 0; v < drawable; v++) if (v !== maskId && (!allowed || allowed[v] === 1) && row[v] > max) max = row[v];
  let sum = 0;
  for (let v = 0; v < drawable; v++) if (v !== maskId && (!allowed || allowed[v] === 1)) sum += Math.exp(row[v] - max);
  return { max, logSum: Math.log(sum) };
}

/**
 * Log-probability of `token` at one position (softmax at temperature 1 over the drawable
 * vocabulary, the mask excluded). With `token` the argmax it is CAL's first-step confidence.
 */
export function logProbability(logits: Float32Array, offset: number, drawable: number, maskId: number, token: number): number {
  const { max, logSum } = softmaxNormalizer(logits, offset, drawable, maskId);
  return logits[offset + token] - max - logSum;
}

/**
 * Log-probability of the most likely token at one position (the mask excluded): the model's
 * confidence there. With `allowed` (what a draw rule lets the position take), of the distribution
 * the sampler draws from: the softmax over those tokens alone.
 */
export function topLogProbability(logits: Float32Array, offset: number, drawable: number, maskId: number, allowed?: Uint8Array): number {
  return -softmaxNormalizer(logits, offset, drawable, maskId, allowed).logSum;
}

/**
 * Scores candidates in batches of `batch` (one model call each, by `score`), shortest first; stops
 * after the first batch that does not beat the best score so far. Ties keep the shorter length.
 */
export async function searchLength(
  candidates: readonly number[],
  score: (lengths: number[]) => Promise<number[]>,
  batch = LENGTH_BATCH,
): Promise<LengthSearchResult> {
  if (candidates.length === 0) throw new DiffusionError('bad-input', 'no candidate lengths to search');
  const tried: LengthTrial[] = [];
  let best: LengthTrial | undefined;
  for (let i = 0; i < candidates.length; i += batch) {
    const lengths = candidates.slice(i, i + batch);
    const scores = await score(lengths);
    let improved = false;
    lengths.forEach((length, k) => {
      const trial = { length, score: scores[k] };
      tried.push(trial);
      if (!best || trial.score > best.score) {
        best = trial;
        improved = true;
      }
    });
    if (!improved) break;
  }
  return { chosen: best!.length, tried };
}

/** At most this many lengths are drafted: the best three first scores held the true length in 39 of the 47 held-out cases the model fills right, the best two in 36 (bench/RESULTS.md). */
export const DRAFT_COUNT = 3;
/**
 * Only lengths whose first score is within this of the best are drafted: a clear winner needs no
 * draft (2.3 drafts a held-out case instead of 3, at no loss; bench/RESULTS.md).
 */
export const DRAFT_MARGIN = 0.5;

/**
 * The lengths worth a draft, best first: the DRAFT_COUNT best-scored within DRAFT_MARGIN of the best.
 * Empty when only one qualifies (the first score decides).
 */
export function draftShortlist(tried: readonly LengthTrial[], count = DRAFT_COUNT, margin = DRAFT_MARGIN): number[] {
  const ranked = [...tried].sort((a, b) => b.score - a.score || a.length - b.length);
  const close = ranked.slice(0, count).filter((t) => t.score >= ranked[0].score - margin);
  return close.length > 1 ? close.map((t) => t.length) : [];
}
