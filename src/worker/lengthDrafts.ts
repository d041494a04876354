/**
 * The length search's second look (issue 19). The first-step score finds the true length only
 * loosely: among the held-out cases the embedded model can fill, it ranks the true length first in
 * three of five, and among its best three in five of six. So when a few lengths score close,
 * each gets a draft, drawn in one model call in the scoring window (all of the hole at once, the
 * request's temperature and nucleus, a seeded stream per length), and the draft is scored by how
 * well it fits: the pseudo-log-likelihood of its tokens and the probes next to it. A finished draft
 * tells lengths apart where first-step guesses do not (bench/RESULTS.md). The drafts are thrown
 * away; the run samples the chosen length afresh in the whole window.
 */
import { CancelledError } from '../core/errors';
import type { LengthTrial } from '../core/lengthSearch';
import { DrawConstraint, type DrawRules } from '../core/drawRules';
import { createRng, streamSeed } from '../core/rng';
import { sample } from '../core/sampler';
import type { Denoiser, SamplerOptions, Segment } from '../core/types';
import { FIT_CONTEXT, filledFrom, holeFits, nearHole, scoringWindow, withHoleLength, type Planner } from './holeWindow';

/** What drafts are drawn with: the request's own sampler (its temperature and nucleus) and seed. */
export interface DraftSettings {
  sampler: SamplerOptions;
  seed: number;
}

export interface DraftRun {
  /** Each drafted length and its draft's fit (higher is better), in the order given. */
  trials: LengthTrial[];
  forwardCalls: number;
  forwardMs: number;
}

/**
 * One model call: every hole position drawn at once from the first step's distribution. A full
 * sampling per draft chose lengths a little better (85% against 81% of the exact-length score) at
 * about four times the drafts' cost (bench/RESULTS.md).
 */
function draftSampler({ temperature, topP, topK }: SamplerOptions): SamplerOptions {
  return { strategy: 'mdlm', steps: 1, ...(temperature !== undefined ? { temperature } : {}), ...(topP !== undefined ? { topP } : {}), ...(topK !== undefined ? { topK } : {}) };
}

/** Draws hole `h` of `base` at each of `lengths` and scores each draft's fit. */
export async function draftLengths(
  base: readonly Segment[],
  h: number,
  lengths: readonly number[],
  plan: Planner,
  denoiser: Denoiser,
  { sampler, seed }: DraftSettings,
  isCancelled: () => boolean,
  rules?: DrawRules,
): Promise<DraftRun> {
  const trials: LengthTrial[] = [];
  let forwardCalls = 0;
  let forwardMs = 0;
  for (const length of lengths) {
    const segments = withHoleLength(base, h, length);
    const drawn = plan(segments, scoringWindow(segments));
    const constraint = rules ? new DrawConstraint(rules, drawn.holes, drawn.ids.length, denoiser.maskId) : undefined;
    const input = { ids: drawn.ids, editable: drawn.editable, batch: 1, ...(constraint ? { constraint } : {}) };
    const run = sample(denoiser, input, draftSampler(sampler), createRng(streamSeed(seed, length)), { isCancelled });
    let step = await run.next();
    while (!step.done) step = await run.next();
    // The fit reads the draft in a narrower window: the text near the hole, each hole holding what was drawn.
    const fitted = nearHole(segments, h, plan, FIT_CONTEXT);
    const read = plan(fitted.segments, scoringWindow(fitted.segments, FIT_CONTEXT));
    if (isCancelled()) throw new CancelledError();
    const t0 = performance.now();
    const [fit] = await holeFits(denoiser, read, [filledFrom(read, step.value.ids, drawn.holes, fitted.first)], fitted.hole);
    forwardCalls += step.value.forwardCalls + 1;
    forwardMs += step.value.forwardMs + performance.now() - t0;
    trials.push({ length, score: fit });
  }
  return { trials, forwardCalls, forwardMs };
}
