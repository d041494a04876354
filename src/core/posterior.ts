/**
 * The one posterior shared by every stochastic strategy (ReMDM, eq. for q_sigma(z_s | z_t, x)):
 * - a masked position becomes token x with p_x0(x) (alpha_s - (1 - sigma) alpha_t) / (1 - alpha_t)
 *   and stays masked with (1 - alpha_s - sigma alpha_t) / (1 - alpha_t);
 * - a decoded position stays with 1 - sigma and is remasked with sigma.
 * Under SUBS p_x0 at a decoded position is one-hot on its token, so no logits are needed there.
 */
export interface StepPosterior {
  /** Masked position: total probability of leaving the mask (split over tokens by p_x0). */
  unmask: number;
  /** Masked position: probability of staying masked. */
  stayMasked: number;
  /** Decoded position: probability of keeping the token. */
  keep: number;
  /** Decoded position: probability of being remasked. */
  remask: number;
}

/** Computes the posterior weights; a replaceable function so tests can inject a wrong one. */
export type PosteriorFn = (alphaT: number, alphaS: number, sigma: number) => StepPosterior;

export const remdmPosterior: PosteriorFn = (alphaT, alphaS, sigma) => {
  // alpha_t = 1 would mean nothing is masked; any unmask probability is then irrelevant.
  const denom = 1 - alphaT > 0 ? 1 - alphaT : 1;
  const unmask = clamp01((alphaS - (1 - sigma) * alphaT) / denom);
  const stayMasked = clamp01((1 - alphaS - sigma * alphaT) / denom);
  const total = unmask + stayMasked; // 1 up to rounding; renormalise so draws see an exact split
  const s = clamp01(sigma);
  return {
    unmask: total > 0 ? unmask / total : 1,
    stayMasked: total > 0 ? stayMasked / total : 0,
    keep: 1 - s,
    remask: s,
  };
};

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
