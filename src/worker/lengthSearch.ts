/**
 * Runs core's length search on the loaded model: each `upTo` hole gets a length before sampling.
 * The candidates of one batch are planned as ordinary requests (the hole at that length, the context
 * cropped to SCORING_CONTEXT tokens a side) and scored in one model call at the first step.
 * Plans of different total lengths (short documents) go in separate calls. Close scores are
 * settled by drafts (lengthDrafts.ts).
 */
import { CancelledError } from '../core/errors';
import { draftShortlist, lengthCandidates, logProbability, searchLength, topLogProbability, type LengthSearchResult } from '../core/lengthSearch';
import type { DrawRules } from '../core/drawRules';
import type { SpanPlan } from '../core/span';
import type { Denoiser, Segment } from '../core/types';
import { logitRowBytes, MAX_LOGITS_BYTES } from './batchMemory';
import { draftLengths, type DraftSettings } from './lengthDrafts';
import { logitRowsRead, logitsAt, nearHole, probePositions, scoringWindow, withHoleLength, type Planner } from './holeWindow';

export interface HoleLengthChoice extends LengthSearchResult {
  /** Index of the hole among the request's holes. */
  hole: number;
}

export interface LengthSearchRun {
  /** The segments with every searched hole at its chosen length (exact from here on). */
  segments: Segment[];
  choices: HoleLengthChoice[];
  forwardCalls: number;
  forwardMs: number;
}

/**
 * Weight of the hole's own confidence in a candidate's score, next to the probes' (picked among
 * 0-2 on infill spans from code the embedded model never saw, not on the held-out set; bench/RESULTS.md).
 */
export const HOLE_CONFIDENCE_WEIGHT = 1;

/**
 * Scores plans of one total length in one call. The first-step confidence over the hole alone
 * falls with the length whatever the context (CAL's length bias: a 1-token hole always looks
 * surest), so the main term is the same kind of thing for every length: the context tokens next to
 * the hole are masked with it, and it is their mean log-probability of being what they are (a
 * length that leaves the two sides misaligned makes the model expect other tokens there). The
 * hole's mean confidence (log-probability of each position's likeliest token) is added with
 * HOLE_CONFIDENCE_WEIGHT: where the model will fill the hole right, it is sure of it at the right
 * length.
 */
async function scoreSameLength(denoiser: Denoiser, plans: SpanPlan[], h: number, rules: DrawRules | undefined): Promise<number[]> {
  const length = plans[0].ids.length;
  const batch = plans.length;
  const ids = new Int32Array(batch * length);
  const probes = plans.map((p) => probePositions(p, h));
  plans.forEach((p, b) => {
    ids.set(p.ids, b * length);
    for (const l of probes[b]) ids[b * length + l] = denoiser.maskId;
  });
  const holes = plans.map((p) => p.holes[h]);
  const from = Math.min(...holes.map((o, b) => Math.min(o.start, probes[b][0])));
  const to = Math.max(...holes.map((o, b) => Math.max(o.start + o.length, probes[b][probes[b].length - 1] + 1)));
  const times = denoiser.usesTime ? new Float64Array(batch).fill(1) : undefined;
  const drawable = denoiser.drawableVocabSize ?? denoiser.vocabSize;
  const { logits, offset } = await logitsAt(denoiser, ids, batch, length, Int32Array.from({ length: to - from }, (_, i) => from + i), times);
  // A hole with an overlap (the same in every candidate) draws its first token among those that begin with it (DrawConstraint).
  const overlap = holes[0].overlap;
  const first = overlap !== undefined ? rules?.startingWith(overlap)?.allowed : undefined;
  return plans.map((p, b) => {
    let probe = 0;
    for (const l of probes[b]) probe += logProbability(logits, offset(b, l), drawable, denoiser.maskId, p.ids[l]);
    const { start, length: n } = holes[b];
    let hole = 0;
    for (let l = start; l < start + n; l++) hole += topLogProbability(logits, offset(b, l), drawable, denoiser.maskId, l === start ? first : undefined);
    return probe / probes[b].length + (HOLE_CONFIDENCE_WEIGHT * hole) / n;
  });
}

/**
 * `group` (indices of plans of one total length) in calls whose logits fit `limit` bytes, at least
 * one plan a call: a large vocabulary with a long bound would otherwise ask for gigabytes at once.
 */
function callsWithinMemory(group: number[], plans: SpanPlan[], h: number, denoiser: Denoiser, limit: number): number[][] {
  const rows = logitRowsRead(denoiser, Math.max(...group.map((k) => plans[k].holes[h].length)), plans[group[0]].ids.length);
  const perCall = Math.max(1, Math.floor(limit / (rows * logitRowBytes(denoiser.vocabSize))));
  const calls: number[][] = [];
  for (let i = 0; i < group.length; i += perCall) calls.push(group.slice(i, i + perCall));
  return calls;
}

/** Logit rows the drafts of hole `h` at up to `length` tokens ask for at most (a fit's two rows): drafts keep to the batch-memory limit too. */
function draftRows(denoiser: Denoiser, base: readonly Segment[], h: number, length: number): number {
  return 2 * logitRowsRead(denoiser, length, scoringWindow(withHoleLength(base, h, length)));
}

/**
 * Sizes each `upTo` hole in turn (holes not yet sized stay at their bound), each scored with the
 * text and holes near it (nearHole). `plan` lays segments out exactly as the run will (window,
 * sequence specials); `rules` are the model's draw rules, for what a hole with an overlap may begin
 * with. A scoring call's logits stay within `logitsLimit` bytes, the batch-memory limit of
 * sampling. With `drafts`, close first scores are settled by drafting (lengthDrafts.ts) where the
 * drafts' logits fit that limit too.
 */
export async function searchHoleLengths(
  segments: readonly Segment[],
  plan: Planner,
  denoiser: Denoiser,
  isCancelled: () => boolean,
  { rules, logitsLimit = MAX_LOGITS_BYTES, drafts }: { rules?: DrawRules; logitsLimit?: number; drafts?: DraftSettings } = {},
): Promise<LengthSearchRun> {
  let current = segments.map((s) => (s.kind === 'hole' && s.upTo ? { ...s } : s));
  const choices: HoleLengthChoice[] = [];
  let forwardCalls = 0;
  let forwardMs = 0;
  const holes = segments.filter((s) => s.kind === 'hole');
  for (let h = 0; h < holes.length; h++) {
    const hole = holes[h];
    if (hole.kind !== 'hole' || !hole.upTo || hole.initial !== undefined) continue;
    // The text near the hole and the holes there: the scoring window holds no more.
    const { segments: base, hole: near } = nearHole(current, h, plan);
    // No context next to the hole (an empty document): nothing to score; the bound and end tokens decide.
    if (probePositions(plan(withHoleLength(base, near, 1)), near).length === 0) continue;
    let result = await searchLength(lengthCandidates(hole.length), async (lengths) => {
      // One scoring window for the batch, sized by its longest candidate: a long document gives
      // every candidate the same total length (one call), cropped to the context near the hole.
      const window = scoringWindow(withHoleLength(base, near, Math.max(...lengths)));
      const plans = lengths.map((n) => plan(withHoleLength(base, near, n), window));
      const scores = new Array<number>(plans.length);
      const bySize = new Map<number, number[]>();
      plans.forEach((p, k) => bySize.set(p.ids.length, [...(bySize.get(p.ids.length) ?? []), k]));
      for (const group of [...bySize.values()].flatMap((g) => callsWithinMemory(g, plans, near, denoiser, logitsLimit))) {
        if (isCancelled()) throw new CancelledError();
        const t0 = performance.now();
        const got = await scoreSameLength(denoiser, group.map((k) => plans[k]), near, rules);
        forwardMs += performance.now() - t0;
        forwardCalls++;
        group.forEach((k, i) => (scores[k] = got[i]));
      }
      return scores;
    });
    const shortlist = drafts ? draftShortlist(result.tried) : [];
    if (shortlist.length > 0 && draftRows(denoiser, base, near, Math.max(...shortlist)) * logitRowBytes(denoiser.vocabSize) <= logitsLimit) {
      const drafted = await draftLengths(base, near, shortlist, plan, denoiser, drafts!, isCancelled, rules);
      forwardCalls += drafted.forwardCalls;
      forwardMs += drafted.forwardMs;
      // The best-fitting draft's length; a tie keeps the better first score.
      const best = drafted.trials.reduce((a, b) => (b.score > a.score ? b : a));
      result = { ...result, chosen: best.length, drafted: drafted.trials };
    }
    choices.push({ hole: h, ...result });
    current = withHoleLength(current, h, result.chosen);
  }
  return { segments: current, choices, forwardCalls, forwardMs };
}
