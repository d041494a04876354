export * from './types';
export { DiffusionError, CancelledError, type DiffusionErrorCode } from './errors';
export { createRng, streamSeed, Xoshiro128 } from './rng';
export {
  validateSamplerOptions,
  DEFAULT_SAMPLER_OPTIONS,
  MAX_STEPS,
  STRATEGY_NAMES,
  REMASKING_STRATEGY_NAMES,
  DECODER_STRATEGY_NAMES,
  SCHEDULE_NAMES,
  isDecoderStrategy,
  rowsAreRankedCandidates,
} from './options';
export { scheduleAlpha, loopAlpha, timeGrid, TIME_EPS } from './schedule';
export { remdmPosterior, type PosteriorFn, type StepPosterior } from './posterior';
export { stepCoefficients, sigmaMaxFor, dfmSigma, type StepCoefficients } from './sigma';
export { LogitsProcessor, FilterScratch, topKFilter, topPFilter } from './logits';
export { gumbelMax, sampleCategorical, inverseCdf, argmax } from './categorical';
export {
  remaskingStep,
  planRemaskingStep,
  completeRemaskingStep,
  DecodeList,
  noiseRemovalStep,
  makeProcessor,
  logitsOffset,
  type GatheredLogits,
  type RemaskingStepArgs,
  type RemaskingStepResult,
  type StepPlan,
  type StepPlanArgs,
  type StepBuffers,
} from './remask-step';
export { BlockSchedule, decoderStep, type DecoderStepArgs } from './decoders';
export { sample, type SampleResult, type SampleControl } from './sampler';
export { planSpans, type TokenizerPort, type SpanPlan, type PlanOptions } from './span';
export { moveOverlaps, splitOverlap } from './overlap';
export {
  parsePlaceholders,
  findPlaceholders,
  literalText,
  holeTokens,
  lineColumn,
  DEFAULT_HOLE_LENGTH,
  MASK_PLACEHOLDER,
  type HoleSize,
  type PlaceholderHole,
  type ParsedPlaceholders,
  type PlaceholderOptions,
} from './placeholders';
export { textLength } from './endOfText';
export { START_MASKS, resizingSteps, validateResizeRule } from './expandDelete';
export { lengthCandidates, logProbability, topLogProbability, searchLength, draftShortlist, LENGTH_BATCH, DRAFT_COUNT, DRAFT_MARGIN, type LengthTrial, type LengthSearchResult } from './lengthSearch';
export { invalidUtf8At, utf8Next, UTF8_STATES, UTF8_REJECT } from './utf8';
export { DrawRules, DrawConstraint } from './drawRules';
export { ContextBias } from './contextBias';
export { TopKProcessor, FullRowsNeeded, DEFAULT_HEAD_K, MAX_HEAD_K, type TopKRows, type ModelLogits, type KeptSet } from './topkRows';
export { toLf, toEol, eolOf, type Eol } from './lineEndings';
