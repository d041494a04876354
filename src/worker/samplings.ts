/**
 * A run's samplings (issue 19): all its samples at the searched lengths, or, where the length search
 * left a close call between a few lengths of its one hole, the samples spread over those lengths.
 * Ranked together by fit, the candidates then choose the length along with the text: the drafts'
 * rule (lengthDrafts.ts) on finished samples instead of one-step drafts, at no more sampling than
 * the samples asked for (bench/RESULTS.md).
 */
import { spreadSamples } from '../core/lengthSearch';
import type { SpanPlan } from '../core/span';
import type { SampleResult } from '../core/sampler';
import type { Denoiser, Frame, Segment } from '../core/types';
import type { HoleLengthReport } from '../protocol/protocol';
import { withHoleLength, type Planner } from './holeWindow';
import type { LengthSearchRun } from './lengthSearch';
import { rankSamples, type SampleRanking } from './rankSamples';

/** One sampling of a run: the segments at one set of hole lengths, and how many samples it draws. */
export interface Sampling {
  segments: Segment[];
  count: number;
}

/** The samplings of `samples` at the lengths `search` chose (`segments`), spread over its shortlist where it left one. */
export function samplingsOf(segments: Segment[], search: LengthSearchRun | undefined, samples: number): Sampling[] {
  const choice = search?.choices.find((c) => c.shortlist);
  if (!choice) return [{ segments, count: samples }];
  return spreadSamples(choice.shortlist!, samples).map(({ length, count }) => ({ segments: withHoleLength(segments, choice.hole, length), count }));
}

/** A finished sampling: its plan, the frame its samples' texts come from, and the sampler's report. */
export interface Drawn {
  segments: Segment[];
  plan: SpanPlan;
  last: Frame;
  result: SampleResult;
  resized: boolean;
}

/** The length reports of a run that spread its samples over lengths: each length's best fit, and the best one's length chosen. */
export function reportsAfterRanking(lengths: HoleLengthReport[], search: LengthSearchRun, drawn: Drawn[], fits: number[]): HoleLengthReport[] {
  const choice = search.choices.find((c) => c.shortlist);
  if (!choice || drawn.length < 2) return lengths;
  let row = 0;
  const drafted = drawn.map((d) => {
    const score = Math.max(...fits.slice(row, row + d.last.batch));
    row += d.last.batch;
    return { length: d.plan.holes[choice.hole].length, score };
  });
  const best = drafted.reduce((a, b) => (b.score > a.score ? b : a));
  return lengths.map((l) => (l.hole === choice.hole ? { ...l, chosen: best.length, drafted } : l));
}

/** Every sampling's rows ranked by fit, in the order drawn. */
export async function rankAll(drawn: Drawn[], planFor: Planner, denoiser: Denoiser, isCancelled: () => boolean): Promise<SampleRanking> {
  const fits: number[] = [];
  let forwardCalls = 0;
  let forwardMs = 0;
  for (const d of drawn) {
    const ranking = await rankSamples(d.last, d.plan, d.segments, planFor, denoiser, isCancelled);
    fits.push(...ranking.fits);
    forwardCalls += ranking.forwardCalls;
    forwardMs += ranking.forwardMs;
  }
  return { fits, forwardCalls, forwardMs };
}
