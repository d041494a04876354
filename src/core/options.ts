import { DiffusionError } from './errors';
import type {
  DecoderStrategyName,
  RemaskingStrategyName,
  SamplerOptions,
  ScheduleName,
  StrategyName,
} from './types';

export const REMASKING_STRATEGY_NAMES: readonly RemaskingStrategyName[] = [
  'mdlm',
  'remdm-cap',
  'remdm-rescale',
  'remdm-conf',
  'remdm-loop',
  'forward-backward',
  'dfm',
];

export const DECODER_STRATEGY_NAMES: readonly DecoderStrategyName[] = [
  'topk-confidence',
  'confidence-threshold',
  'beam',
];

export const STRATEGY_NAMES: readonly StrategyName[] = [
  ...REMASKING_STRATEGY_NAMES,
  ...DECODER_STRATEGY_NAMES,
];

export const SCHEDULE_NAMES: readonly ScheduleName[] = ['loglinear', 'cosine'];

export const DEFAULT_SAMPLER_OPTIONS: Required<SamplerOptions> = Object.freeze({
  strategy: 'remdm-cap',
  steps: 64,
  schedule: 'loglinear',
  eta: 0.02,
  tOn: 0.55,
  tOff: 0.05,
  alphaOn: 0.9,
  temperature: 1,
  topP: 1,
  topK: 0,
  threshold: 0.9,
  blockLength: 0,
}) as Required<SamplerOptions>;

/**
 * Most denoising steps any client may ask for (CLI flag, editor setting, a model folder's
 * recommended sampler): the time grid and per-step work are allocated from it.
 */
export const MAX_STEPS = 1024;

export function isDecoderStrategy(s: StrategyName): s is DecoderStrategyName {
  return (DECODER_STRATEGY_NAMES as readonly string[]).includes(s);
}

/**
 * The beam's rows are its beams: distinct candidates, already ranked by its search. It draws one row
 * per candidate, and its rows are not re-ranked by fit (re-ranked, its first candidate was right on
 * 64 of 300 held-out spans, not 76).
 */
export function rowsAreRankedCandidates(s: StrategyName): boolean {
  return s === 'beam';
}

function bad(message: string): never {
  throw new DiffusionError('bad-options', message);
}

function requireNumber(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(`${name} must be a finite number, got ${String(v)}`);
  return v;
}

/** Fills defaults and checks every field; throws DiffusionError('bad-options') naming the field. */
export function validateSamplerOptions(o: SamplerOptions): Required<SamplerOptions> {
  if (o === null || typeof o !== 'object') bad('sampler options must be an object');
  const defined = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  const r = { ...DEFAULT_SAMPLER_OPTIONS, ...defined } as Required<SamplerOptions>;

  if (!(STRATEGY_NAMES as readonly unknown[]).includes(r.strategy)) {
    bad(`unknown strategy '${String(r.strategy)}'; expected one of ${STRATEGY_NAMES.join(', ')}`);
  }
  if (!(SCHEDULE_NAMES as readonly unknown[]).includes(r.schedule)) {
    bad(`unknown schedule '${String(r.schedule)}'; expected one of ${SCHEDULE_NAMES.join(', ')}`);
  }
  const steps = requireNumber('steps', r.steps);
  if (!Number.isInteger(steps) || steps < 1 || steps > MAX_STEPS) bad(`steps must be an integer in [1, ${MAX_STEPS}], got ${steps}`);
  const eta = requireNumber('eta', r.eta);
  if (eta < 0 || eta > 1) bad(`eta must be in [0, 1], got ${eta}`);
  const tOn = requireNumber('tOn', r.tOn);
  const tOff = requireNumber('tOff', r.tOff);
  if (!(tOff > 0 && tOff < tOn && tOn < 1)) bad(`need 0 < tOff < tOn < 1, got tOff=${tOff}, tOn=${tOn}`);
  const alphaOn = requireNumber('alphaOn', r.alphaOn);
  if (!(alphaOn > 0 && alphaOn < 1)) bad(`alphaOn must be in (0, 1), got ${alphaOn}`);
  const temperature = requireNumber('temperature', r.temperature);
  if (temperature <= 0) bad(`temperature must be > 0, got ${temperature}`);
  const topP = requireNumber('topP', r.topP);
  if (!(topP > 0 && topP <= 1)) bad(`topP must be in (0, 1], got ${topP}`);
  const topK = requireNumber('topK', r.topK);
  if (!Number.isInteger(topK) || topK < 0) bad(`topK must be an integer >= 0, got ${topK}`);
  const threshold = requireNumber('threshold', r.threshold);
  if (threshold < 0 || threshold > 1) bad(`threshold must be in [0, 1], got ${threshold}`);
  const blockLength = requireNumber('blockLength', r.blockLength);
  if (!Number.isInteger(blockLength) || blockLength < 0) {
    bad(`blockLength must be an integer >= 0, got ${blockLength}`);
  }
  return r;
}
