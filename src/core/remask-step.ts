import { sampleCategorical } from './categorical';
import { LogitsProcessor } from './logits';
import { remdmPosterior, type PosteriorFn } from './posterior';
import { stepCoefficients, type StepCoefficients } from './sigma';
import { TokenState, type RemaskingStrategyName, type Rng, type SamplerOptions } from './types';

/**
 * Logits computed only at some positions (Denoiser.forwardAt): [batch, count, vocab], where
 * position l of a row is entry rowOf[l] (-1: not computed). Absent: every position, [batch, length, vocab].
 */
export interface GatheredLogits {
  count: number;
  rowOf: Int32Array;
}

/** Offset of row b, position l's logits. */
export function logitsOffset(gathered: GatheredLogits | undefined, b: number, l: number, length: number, vocab: number): number {
  if (!gathered) return (b * length + l) * vocab;
  const r = gathered.rowOf[l];
  if (r < 0) throw new Error(`logits for position ${l} were not computed`);
  return (b * gathered.count + r) * vocab;
}

/** Where a step writes its result. May be the input buffers themselves (updated in place). */
export interface StepBuffers {
  /** [batch, length] token ids after the step. */
  ids: Int32Array;
  /** [batch, length] TokenState of each position for this step. */
  state: Uint8Array;
  /** [batch, length] probability the model gave each standing token when it was decoded (0 if masked). */
  confidence: Float32Array;
}

export interface RemaskingStepArgs {
  /** [batch, length, vocab] model logits for `ids`; may be null when no editable position is masked. */
  logits: Float32Array | null;
  /** [batch, length] z_t. */
  ids: Int32Array;
  /** [length] 1 where a position may change (shared by all rows). */
  editable: Uint8Array;
  /** [batch, length] decode-time confidence of the current tokens (drives remdm-conf). */
  confidence: Float32Array;
  batch: number;
  length: number;
  vocab: number;
  maskId: number;
  /** The step goes from time t down to time s < t. */
  t: number;
  s: number;
  rng: Rng;
  options: Required<SamplerOptions>;
  /** Reused p_x0 buffers; built from `options` when absent. */
  processor?: LogitsProcessor;
  /** Testing hook: replaces the shared posterior (to show a wrong one is caught). */
  posterior?: PosteriorFn;
  /** Output buffers (may alias ids/confidence); fresh arrays when absent. */
  out?: StepBuffers;
  /** The logits hold only these positions' rows. */
  gathered?: GatheredLogits;
}

export interface RemaskingStepResult extends StepBuffers {
  /** Whether any token changed (if not, a time-free model's logits can be reused). */
  changed: boolean;
  coefficients: StepCoefficients;
}

export function makeProcessor(o: Required<SamplerOptions>, vocab: number, maskId: number): LogitsProcessor {
  return new LogitsProcessor(vocab, maskId, o.temperature, o.topK, o.topP);
}

function outputs(args: { out?: StepBuffers; batch: number; length: number }): StepBuffers {
  if (args.out) return args.out;
  const n = args.batch * args.length;
  return { ids: new Int32Array(n), state: new Uint8Array(n), confidence: new Float32Array(n) };
}

/**
 * One ReMDM step z_t → z_s for every row: masked editable positions unmask with the posterior's
 * probability (token drawn from p_x0 by inverse CDF: the same law as the reference's Gumbel-max,
 * one uniform instead of one per vocabulary entry), decoded editable positions are remasked
 * with sigma, context is copied. p_x0 is only computed where a position actually unmasks: the
 * unmask decision does not depend on p_x0 because p_x0 sums to 1 over tokens.
 */
export function remaskingStep(args: RemaskingStepArgs): RemaskingStepResult {
  const { logits, ids, editable, confidence, batch, length, vocab, maskId, rng, options } = args;
  const posteriorFn = args.posterior ?? remdmPosterior;
  const processor = args.processor ?? makeProcessor(options, vocab, maskId);
  const coefficients = stepCoefficients(options.strategy as RemaskingStrategyName, options, args.t, args.s);
  const { alphaT, alphaS, sigma, sigmaMax, perPosition } = coefficients;
  const shared = posteriorFn(alphaT, alphaS, sigma);
  // Masked positions use sigma 0 under remdm-conf (their softmax weight is 0).
  const maskedPosterior = perPosition ? posteriorFn(alphaT, alphaS, 0) : shared;
  const out = outputs(args);
  let changed = false;

  for (let b = 0; b < batch; b++) {
    const row = b * length;
    let confNorm = 0;
    if (perPosition) {
      for (let l = 0; l < length; l++) {
        if (editable[l] && ids[row + l] !== maskId) confNorm += Math.exp(-confidence[row + l]);
      }
    }
    for (let l = 0; l < length; l++) {
      const j = row + l;
      const id = ids[j];
      if (!editable[l]) {
        out.ids[j] = id;
        out.state[j] = TokenState.Settled;
        out.confidence[j] = 0;
        continue;
      }
      if (id === maskId) {
        if (rng.next() < maskedPosterior.unmask) {
          if (!logits) throw new Error('remaskingStep: logits are required while positions are masked');
          const probs = processor.distribution(logits, logitsOffset(args.gathered, b, l, length, vocab));
          const token = sampleCategorical(probs, vocab, rng);
          out.ids[j] = token;
          out.state[j] = TokenState.Decoded;
          out.confidence[j] = probs[token];
          changed = true;
        } else {
          out.ids[j] = maskId;
          out.state[j] = TokenState.Masked;
          out.confidence[j] = 0;
        }
        continue;
      }
      let remask = shared.remask;
      if (perPosition) {
        const sigmaHere = confNorm > 0 ? (sigmaMax * Math.exp(-confidence[j])) / confNorm : 0;
        remask = posteriorFn(alphaT, alphaS, Math.min(sigmaHere, sigmaMax)).remask;
      }
      if (remask > 0 && rng.next() < remask) {
        out.ids[j] = maskId;
        out.state[j] = TokenState.Remasked;
        out.confidence[j] = 0; // a remasked token's confidence resets
        changed = true;
      } else {
        out.ids[j] = id;
        out.state[j] = TokenState.Settled;
        out.confidence[j] = confidence[j];
      }
    }
  }
  return { ...out, changed, coefficients };
}

export interface NoiseRemovalArgs {
  logits: Float32Array | null;
  ids: Int32Array;
  editable: Uint8Array;
  confidence: Float32Array;
  batch: number;
  length: number;
  vocab: number;
  maskId: number;
  processor: LogitsProcessor;
  out?: StepBuffers;
  gathered?: GatheredLogits;
}

/** The final step: every editable position still masked takes the argmax of p_x0. */
export function noiseRemovalStep(args: NoiseRemovalArgs): StepBuffers & { changed: boolean } {
  const { logits, ids, editable, confidence, batch, length, vocab, maskId, processor } = args;
  const out = outputs(args);
  let changed = false;
  for (let b = 0; b < batch; b++) {
    for (let l = 0; l < length; l++) {
      const j = b * length + l;
      if (editable[l] && ids[j] === maskId) {
        if (!logits) throw new Error('noiseRemovalStep: logits are required while positions are masked');
        const { token, prob } = processor.best(logits, logitsOffset(args.gathered, b, l, length, vocab));
        out.ids[j] = token;
        out.state[j] = TokenState.Decoded;
        out.confidence[j] = prob;
        changed = true;
      } else {
        out.ids[j] = ids[j];
        out.state[j] = TokenState.Settled;
        out.confidence[j] = editable[l] ? confidence[j] : 0;
      }
    }
  }
  return { ...out, changed };
}

/** Whether any editable position of any row holds the mask id. */
export function anyMasked(ids: Int32Array, editable: Uint8Array, batch: number, length: number, maskId: number): boolean {
  for (let b = 0; b < batch; b++) {
    for (let l = 0; l < length; l++) if (editable[l] && ids[b * length + l] === maskId) return true;
  }
  return false;
}
