import type { Rng } from './types';

/**
 * Gumbel-max in float64: argmax_i (log p_i + g_i) with g_i = -log(-log u_i). Computed in its
 * exponentiated form, argmax_i p_i / (-log u_i) (exp is monotone, so the winner is the same),
 * which needs one log per entry instead of three. Zero-probability entries are skipped (they
 * could never win). Returns the sampled index.
 */
export function gumbelMax(probs: Float64Array, n: number, rng: Rng): number {
  let best = -1;
  let bestScore = -1;
  for (let i = 0; i < n; i++) {
    const p = probs[i];
    if (p <= 0) continue;
    const score = p / -Math.log(rng.next());
    if (score > bestScore || best < 0) {
      bestScore = score;
      best = i;
    }
  }
  return best;
}

/** Index of the largest entry (lowest index on ties). */
export function argmax(probs: Float64Array, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (probs[i] > probs[best]) best = i;
  return best;
}

/**
 * One draw from the categorical `probs[0..n)` (need not be normalised) by inverse CDF: one
 * uniform and one running sum, where Gumbel-max needs a uniform and a log per entry. The same
 * distribution as gumbelMax (the reference's sampler), at a fraction of the cost on a large
 * vocabulary. Zero-probability entries are never returned.
 */
export function sampleCategorical(probs: Float64Array, n: number, rng: Rng): number {
  return inverseCdf(probs, n, rng.next());
}

/** The entry a uniform u in [0, 1) selects by inverse CDF over `probs[0..n)` (see sampleCategorical). */
export function inverseCdf(probs: Float64Array, n: number, u: number): number {
  let total = 0;
  for (let i = 0; i < n; i++) total += probs[i];
  const target = u * total;
  let cumulative = 0;
  let last = -1;
  for (let i = 0; i < n; i++) {
    const p = probs[i];
    if (p <= 0) continue;
    cumulative += p;
    last = i;
    if (target < cumulative) return i;
  }
  return last; // rounding left the target at the very top of the total
}
