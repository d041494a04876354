import { loopAlpha, scheduleAlpha } from './schedule';
import type { RemaskingStrategyName, SamplerOptions } from './types';

/** Everything a remasking step needs besides the logits: the alphas and the sigma choice. */
export interface StepCoefficients {
  t: number;
  s: number;
  alphaT: number;
  alphaS: number;
  /** Largest sigma that keeps the posterior a probability vector: min(1, (1 - alpha_s) / alpha_t). */
  sigmaMax: number;
  /** The strategy's sigma, clamped into [0, sigmaMax]. For remdm-conf this is sigmaMax (the row total). */
  sigma: number;
  /**
   * remdm-conf: sigma is per position, sigmaMax × softmax(-confidence) over the row's decoded
   * positions (masked positions get sigma 0, as in the reference).
   */
  perPosition: boolean;
}

export function sigmaMaxFor(alphaT: number, alphaS: number): number {
  if (alphaT <= 0) return 1;
  return Math.min(1, (1 - alphaS) / alphaT);
}

/**
 * DFM's corrector schedule from the reference code (Appendix D of the DFM paper, as used by the
 * ReMDM baselines): a_t = 10 t^0.25 (1 - t)^0.25 + 1, b_t = a_t - 1. Its decoded positions are
 * remasked with b_t (alpha_s / alpha_t - 1) and its masked ones unmask with
 * a_t (alpha_s - alpha_t) / (1 - alpha_t): exactly the shared posterior with
 * sigma = b_t (alpha_s - alpha_t) / alpha_t. (The reference also shrinks dt adaptively; we keep
 * the fixed grid so every strategy runs the same number of steps.)
 */
export function dfmSigma(t: number, alphaT: number, alphaS: number): number {
  if (alphaT <= 0) return 0;
  const bt = 10 * Math.pow(t, 0.25) * Math.pow(1 - t, 0.25);
  return (bt * (alphaS - alphaT)) / alphaT;
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Alphas at t and s, sigma_max and the strategy's sigma for one step from t down to s. */
export function stepCoefficients(
  strategy: RemaskingStrategyName,
  o: Required<SamplerOptions>,
  t: number,
  s: number,
): StepCoefficients {
  const loop = strategy === 'remdm-loop';
  const alphaT = loop ? loopAlpha(t, o.tOn, o.tOff, o.alphaOn) : scheduleAlpha(o.schedule, t);
  const alphaS = loop ? loopAlpha(s, o.tOn, o.tOff, o.alphaOn) : scheduleAlpha(o.schedule, s);
  const sigmaMax = sigmaMaxFor(alphaT, alphaS);
  let raw: number;
  switch (strategy) {
    case 'mdlm':
      raw = 0;
      break;
    case 'remdm-cap':
      raw = Math.min(o.eta, sigmaMax);
      break;
    case 'remdm-rescale':
      raw = o.eta * sigmaMax;
      break;
    case 'remdm-conf':
      raw = sigmaMax;
      break;
    case 'remdm-loop':
      // ReMDM only in the loop phase; the two MDLM phases use sigma = 0.
      raw = t <= o.tOn && t > o.tOff ? o.eta : 0;
      break;
    case 'forward-backward':
      raw = alphaT > 0 ? (alphaS - alphaT) / alphaT : 1;
      break;
    case 'dfm':
      raw = dfmSigma(t, alphaT, alphaS);
      break;
  }
  return { t, s, alphaT, alphaS, sigmaMax, sigma: clamp(raw, 0, sigmaMax), perPosition: strategy === 'remdm-conf' };
}
