/**
 * Scores a run's samples by how well they fit, to rank them: each hole read back in a narrow
 * window with the sample's text in place, its tokens and probes scored by pseudo-log-likelihood
 * (holeFits), summed over the holes. The model judges each sample whole, after the fact: on the
 * held-out spans the best-fitting of four samples is exactly right more often than the first drawn
 * (20.3% against 16.3%; bench/RESULTS.md, "Ranking samples by fit").
 */
import { CancelledError } from '../core/errors';
import type { SpanPlan } from '../core/span';
import type { Denoiser, Frame, Segment } from '../core/types';
import { logitRowBytes, MAX_LOGITS_BYTES } from './batchMemory';
import { FIT_CONTEXT, filledFrom, holeFits, logitRowsRead, nearHole, scoringWindow, withHoleLength, type Planner } from './holeWindow';

export interface SampleRanking {
  /** Each sample's fit (higher is better), by row. */
  fits: number[];
  forwardCalls: number;
  forwardMs: number;
}

/**
 * Scores every row of `frame` (finished samples, their holes at `holes`, laid out from `segments`). Each
 * hole's rows go in calls whose logits stay within `logitsLimit` bytes.
 */
export async function rankSamples(
  frame: Frame,
  holes: SpanPlan['holes'],
  segments: readonly Segment[],
  plan: Planner,
  denoiser: Denoiser,
  isCancelled: () => boolean,
  logitsLimit = MAX_LOGITS_BYTES,
): Promise<SampleRanking> {
  const rows = Array.from({ length: frame.batch }, (_, b) => frame.ids.subarray(b * frame.length, (b + 1) * frame.length));
  const fits = new Array<number>(frame.batch).fill(0);
  let forwardCalls = 0;
  let forwardMs = 0;
  for (let h = 0; h < holes.length; h++) {
    const near = nearHole(segments, h, plan, FIT_CONTEXT);
    const read = plan(near.segments, scoringWindow(near.segments, FIT_CONTEXT));
    const filled = rows.map((row) => filledFrom(read, row, holes, near.first));
    // Two rows a sample.
    const perRow = 2 * logitRowsRead(denoiser, read.holes[near.hole].length, read.ids.length) * logitRowBytes(denoiser.vocabSize);
    const perCall = Math.max(1, Math.floor(logitsLimit / perRow));
    for (let b = 0; b < filled.length; b += perCall) {
      if (isCancelled()) throw new CancelledError();
      const t0 = performance.now();
      const got = await holeFits(denoiser, read, filled.slice(b, b + perCall), near.hole);
      forwardMs += performance.now() - t0;
      forwardCalls++;
      got.forEach((fit, i) => (fits[b + i] += fit));
    }
  }
  return { fits, forwardCalls, forwardMs };
}

/**
 * rankSamples for a run whose holes resized (expand/delete): rows differ in length, so each row is
 * read on its own, its holes at the lengths they ended at (`frame.holes`). One call a row and hole.
 * A row that deleted a hole whole gets no fit and comes last (bestFirst): an empty fill is not what a hole asks for.
 */
export async function rankResizedSamples(
  frame: Frame,
  segments: readonly Segment[],
  plan: Planner,
  denoiser: Denoiser,
  isCancelled: () => boolean,
): Promise<Omit<SampleRanking, 'fits'> & { fits: (number | undefined)[] }> {
  const ranking = { fits: [] as (number | undefined)[], forwardCalls: 0, forwardMs: 0 };
  for (let b = 0; b < frame.batch; b++) {
    const holes = frame.holes![b];
    if (holes.some((hole) => hole.length === 0)) {
      ranking.fits.push(undefined);
      continue;
    }
    const length = frame.rowLengths![b];
    const ids = frame.ids.slice(b * frame.length, b * frame.length + length);
    const row = { ...frame, batch: 1, length, ids, rowLengths: undefined, holes: undefined };
    const sized = holes.reduce<Segment[]>((s, hole, h) => withHoleLength(s, h, hole.length), [...segments]);
    const one = await rankSamples(row, holes, sized, plan, denoiser, isCancelled);
    ranking.fits.push(one.fits[0]);
    ranking.forwardCalls += one.forwardCalls;
    ranking.forwardMs += one.forwardMs;
  }
  return ranking;
}
