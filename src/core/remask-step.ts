import type { DrawConstraint } from './drawRules';
import { LogitsProcessor } from './logits';
import { remdmPosterior, type PosteriorFn } from './posterior';
import { stepCoefficients, type StepCoefficients } from './sigma';
import type { ModelLogits } from './topkRows';
import { TokenState, type RemaskingStrategyName, type Rng, type SamplerOptions } from './types';

/**
 * Logits computed only at some positions (Denoiser.forwardAt): [batch, count, vocab], where
 * position l of a row is entry rowOf[l] (-1: not computed). Absent: every position, [batch, length, vocab].
 */
export interface GatheredLogits {
  count: number;
  rowOf: Int32Array;
  /** When only some rows were run: row b's logits are entry slotOf[b] (-1: not run). Absent: every row. */
  slotOf?: Int32Array;
}

/** Offset of row b, position l's logits. */
export function logitsOffset(gathered: GatheredLogits | undefined, b: number, l: number, length: number, vocab: number): number {
  if (!gathered) return (b * length + l) * vocab;
  const r = gathered.rowOf[l];
  const slot = gathered.slotOf ? gathered.slotOf[b] : b;
  if (r < 0 || slot < 0) throw new Error(`logits for row ${b}, position ${l} were not computed`);
  return (slot * gathered.count + r) * vocab;
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

/** Everything a step needs except the logits (decided first: see planRemaskingStep). */
export interface StepPlanArgs {
  /** [batch, length] z_t. */
  ids: Int32Array;
  /** [length] 1 where a position may change (shared by all rows). */
  editable: Uint8Array;
  /** [batch, length] decode-time confidence of the current tokens (drives remdm-conf). */
  confidence: Float32Array;
  batch: number;
  length: number;
  maskId: number;
  /** The step goes from time t down to time s < t. */
  t: number;
  s: number;
  rng: Rng;
  options: Required<SamplerOptions>;
  /** Testing hook: replaces the shared posterior (to show a wrong one is caught). */
  posterior?: PosteriorFn;
  /** Output buffers (may alias ids/confidence); fresh arrays when absent. */
  out?: StepBuffers;
  /** Reused decode lists, sized batch * length; fresh when absent. */
  decodes?: DecodeList;
}

export interface RemaskingStepArgs extends StepPlanArgs {
  /** [batch, length, vocab] model logits for `ids`; may be null when no editable position is masked. */
  logits: ModelLogits | null;
  vocab: number;
  /** Reused p_x0 buffers; built from `options` when absent. */
  processor?: LogitsProcessor;
  /** The logits hold only these positions' rows. */
  gathered?: GatheredLogits;
}

/** The positions that unmask in a step, in draw order, each with the uniform its token is drawn with. */
export class DecodeList {
  /** Flat indices b * length + l. */
  readonly at: Int32Array;
  readonly uniform: Float64Array;
  count = 0;
  constructor(capacity: number) {
    this.at = new Int32Array(capacity);
    this.uniform = new Float64Array(capacity);
  }
}

/** A step with every draw made; only the tokens of `decodes` wait for p_x0 (completeRemaskingStep). */
export interface StepPlan extends StepBuffers {
  decodes: DecodeList;
  /** Whether any token changed (unmasked or remasked) in any row. */
  changed: boolean;
  coefficients: StepCoefficients;
}

export type RemaskingStepResult = StepPlan;

export function makeProcessor(o: Required<SamplerOptions>, vocab: number, maskId: number, drawable = vocab): LogitsProcessor {
  return new LogitsProcessor(vocab, maskId, o.temperature, o.topK, o.topP, false, drawable);
}

function outputs(args: { out?: StepBuffers; batch: number; length: number }): StepBuffers {
  if (args.out) return args.out;
  const n = args.batch * args.length;
  return { ids: new Int32Array(n), state: new Uint8Array(n), confidence: new Float32Array(n) };
}

/**
 * The draws of one ReMDM step z_t → z_s for every row, before any logits: masked editable
 * positions unmask with the posterior's probability, decoded editable positions are remasked
 * with sigma, context is copied. The unmask decision does not depend on p_x0 (it sums to 1 over
 * tokens), so the model is needed only where a position unmasks, and only if one does. Each
 * unmasking position draws its token's uniform right after its unmask draw: the same sequence of
 * draws as sampling the token on the spot.
 */
export function planRemaskingStep(args: StepPlanArgs): StepPlan {
  const { ids, editable, confidence, batch, length, maskId, rng, options } = args;
  const posteriorFn = args.posterior ?? remdmPosterior;
  const coefficients = stepCoefficients(options.strategy as RemaskingStrategyName, options, args.t, args.s);
  const { alphaT, alphaS, sigma, sigmaMax, perPosition } = coefficients;
  const shared = posteriorFn(alphaT, alphaS, sigma);
  // Masked positions use sigma 0 under remdm-conf (their softmax weight is 0).
  const maskedPosterior = perPosition ? posteriorFn(alphaT, alphaS, 0) : shared;
  const out = outputs(args);
  const decodes = args.decodes ?? new DecodeList(batch * length);
  decodes.count = 0;
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
        out.ids[j] = maskId;
        out.confidence[j] = 0;
        if (rng.next() < maskedPosterior.unmask) {
          decodes.at[decodes.count] = j;
          decodes.uniform[decodes.count++] = rng.next();
          out.state[j] = TokenState.Decoded;
          changed = true;
        } else {
          out.state[j] = TokenState.Masked;
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
  return { ...out, decodes, changed, coefficients };
}

/**
 * Draws the planned tokens from p_x0 by inverse CDF with their uniforms (the same law as the
 * reference's Gumbel-max, one uniform instead of one per vocabulary entry), writing token and
 * decode-time confidence into the plan's buffers. With a `constraint`, each draw sees the tokens
 * drawn before it in this step (the plan's ids hold them, and masks where draws are still to come).
 */
export function completeRemaskingStep(
  plan: StepPlan,
  logits: ModelLogits,
  args: { length: number; vocab: number; processor: LogitsProcessor; gathered?: GatheredLogits; constraint?: DrawConstraint },
): void {
  const { length, vocab, processor, constraint, gathered } = args;
  const { decodes } = plan;
  // A retry (FullRowsNeeded) starts again from the plan: positions still to draw are masks.
  for (let k = 0; k < decodes.count; k++) plan.ids[decodes.at[k]] = processor.maskId;
  for (let k = 0; k < decodes.count; k++) {
    const j = decodes.at[k];
    const b = Math.floor(j / length);
    const l = j - b * length;
    const allowed = constraint?.allowedAt(plan.ids, b * length, l);
    const { token, prob } = processor.draw(logits, logitsOffset(gathered, b, l, length, vocab), allowed, decodes.uniform[k]);
    plan.ids[j] = token;
    plan.confidence[j] = prob;
  }
}

/** One whole ReMDM step over given logits: planRemaskingStep, then completeRemaskingStep. */
export function remaskingStep(args: RemaskingStepArgs): RemaskingStepResult {
  const plan = planRemaskingStep(args);
  if (plan.decodes.count > 0) {
    if (!args.logits) throw new Error('remaskingStep: logits are required while positions are masked');
    const processor = args.processor ?? makeProcessor(args.options, args.vocab, args.maskId);
    completeRemaskingStep(plan, args.logits, { length: args.length, vocab: args.vocab, processor, gathered: args.gathered });
  }
  return plan;
}

export interface NoiseRemovalArgs {
  logits: ModelLogits | null;
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
  constraint?: DrawConstraint;
}

/**
 * The final step: every editable position still masked takes the argmax of p_x0 (among the tokens
 * a `constraint` allows there, left to right, each seeing the ones before it).
 */
export function noiseRemovalStep(args: NoiseRemovalArgs): StepBuffers & { changed: boolean } {
  const { logits, ids, editable, confidence, batch, length, vocab, maskId, processor, constraint } = args;
  const out = outputs(args);
  if (out.ids !== ids) out.ids.set(ids); // the constraint reads the row as it stands, decided positions included
  let changed = false;
  for (let b = 0; b < batch; b++) {
    for (let l = 0; l < length; l++) {
      const j = b * length + l;
      if (editable[l] && ids[j] === maskId) {
        if (!logits) throw new Error('noiseRemovalStep: logits are required while positions are masked');
        const allowed = constraint?.allowedAt(out.ids, b * length, l);
        const { token, prob } = processor.best(logits, logitsOffset(args.gathered, b, l, length, vocab), allowed);
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
