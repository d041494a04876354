/**
 * Where the length search and the ranking of samples look (lengthSearch.ts, lengthDrafts.ts,
 * rankSamples.ts): a hole at a candidate length, the context tokens next to it, a window cropped to
 * the hole and the context near it, the logits there, and how well a filled hole fits.
 */
import { logProbability } from '../core/lengthSearch';
import type { SpanPlan } from '../core/span';
import type { Denoiser, Segment } from '../core/types';

/** Context tokens on each side of a hole masked with it and scored (see lengthSearch.ts, scoreSameLength; 1 scored best of 1-4, bench/RESULTS.md). */
export const PROBE_TOKENS = 1;

/**
 * Context tokens kept on each side when scoring (plus the holes themselves): the probes sit next to
 * the hole, and a call over the whole window would cost as much as several sampling steps. 32 scored
 * as well as 64 and kept the search under the cost limit once the score chose shorter
 * holes (bench/RESULTS.md).
 */
export const SCORING_CONTEXT = 32;

/**
 * Context tokens a side when a filled hole's fit is read (holeFits): a token's likelihood rests on
 * its neighbours, and for the length drafts 16 chose as well as the scoring window's 32 on the
 * held-out set at half the cost (bench/RESULTS.md).
 */
export const FIT_CONTEXT = 16;

/** `segments` with hole `h` at `length` tokens, exact (its overlap kept). */
export function withHoleLength(segments: readonly Segment[], h: number, length: number): Segment[] {
  let index = -1;
  return segments.map((s) => (s.kind === 'hole' && ++index === h ? { kind: 'hole', length, ...(s.overlap !== undefined ? { overlap: s.overlap } : {}) } : s));
}

/** The scoring window for `segments` (text and hole tokens, see Planner): all their holes and `context` a side. */
export function scoringWindow(segments: readonly Segment[], context = SCORING_CONTEXT): number {
  const holes = segments.reduce((n, s) => n + (s.kind === 'hole' ? s.length : 0), 0);
  return holes + 2 * context;
}

/**
 * A plan of segments whose text and holes take at most `window` tokens (default: all the model's
 * window leaves them); the model's sequence specials and a shifted model's lead come on top.
 */
export type Planner = (segments: Segment[], window?: number) => SpanPlan;

/** The segments near one hole (see nearHole), and where they sit among the request's. */
export interface NearHole {
  segments: Segment[];
  /** The hole's index among `segments`' holes. */
  hole: number;
  /** Index among the request's holes of the first hole kept. */
  first: number;
}

/**
 * The segments a window of `context` tokens a side of hole `h` can hold: the holes whose text
 * comes within `context` tokens of it, and the text between; holes further away and everything
 * beyond them are left out. A window cropped to one hole's context cannot hold the text between
 * holes far apart (planSpans keeps everything from the first hole to the last).
 */
export function nearHole(segments: readonly Segment[], h: number, plan: Planner, context = SCORING_CONTEXT): NearHole {
  const { holes } = plan([...segments]);
  const end = (k: number) => holes[k].start + holes[k].length;
  let first = h;
  while (first > 0 && holes[h].start - end(first - 1) <= context) first--;
  let last = h;
  while (last < holes.length - 1 && holes[last + 1].start - end(h) <= context) last++;
  const at = segments.flatMap((s, i) => (s.kind === 'hole' ? [i] : []));
  const from = first > 0 ? at[first - 1] + 1 : 0;
  const to = last < holes.length - 1 ? at[last + 1] : segments.length;
  return { segments: segments.slice(from, to), hole: h - first, first };
}

/** Context positions next to hole `h` (up to PROBE_TOKENS a side, never another hole's). */
export function probePositions(plan: SpanPlan, h: number): number[] {
  const { start, length } = plan.holes[h];
  const out: number[] = [];
  for (let l = start - 1; l >= Math.max(0, start - PROBE_TOKENS) && !plan.editable[l]; l--) out.push(l);
  for (let l = start + length; l < Math.min(plan.ids.length, start + length + PROBE_TOKENS) && !plan.editable[l]; l++) out.push(l);
  return out.sort((a, b) => a - b);
}

/** Logits a search call reads, and where row `b`'s position `l` starts in them. */
export interface LogitsAt {
  logits: Float32Array;
  offset(b: number, l: number): number;
}

/** Logit rows that one row of a call reads (logitsAt): a hole of `holeLength` and its probes where the model gathers, else all `rowLength`. */
export function logitRowsRead(denoiser: Denoiser, holeLength: number, rowLength: number): number {
  return denoiser.forwardAt ? holeLength + 2 * PROBE_TOKENS : rowLength;
}

/** Logits at `positions` of each row: gathered where the model can (forwardAt), else read from whole rows. */
export async function logitsAt(denoiser: Denoiser, ids: Int32Array, batch: number, length: number, positions: Int32Array, times?: Float64Array): Promise<LogitsAt> {
  const vocab = denoiser.vocabSize;
  if (!denoiser.forwardAt) {
    const logits = await denoiser.forward(ids, batch, length, times);
    return { logits, offset: (b, l) => (b * length + l) * vocab };
  }
  const index = new Int32Array(length).fill(-1);
  positions.forEach((l, i) => (index[l] = i));
  const logits = await denoiser.forwardAt(ids, batch, length, positions, times);
  return { logits, offset: (b, l) => (b * positions.length + index[l]) * vocab };
}

/**
 * How well each row's hole `h` fits: the sum of log p(token | the rest) over the hole and its probes,
 * `rows` being `plan`'s ids with the holes filled. Two model rows each, one masking the even
 * positions of that stretch and one the odd, so each token is read with its neighbours in place (it
 * chose as well as one row per position on the held-out drafts). One call for all rows.
 */
export async function holeFits(denoiser: Denoiser, plan: SpanPlan, rows: readonly Int32Array[], h: number): Promise<number[]> {
  const { start, length } = plan.holes[h];
  const at = [...probePositions(plan, h), ...Array.from({ length }, (_, i) => start + i)].sort((a, b) => a - b);
  const n = plan.ids.length;
  const ids = new Int32Array(2 * rows.length * n);
  rows.forEach((row, r) => {
    ids.set(row, 2 * r * n);
    ids.set(row, (2 * r + 1) * n);
    at.forEach((l, i) => (ids[(2 * r + (i % 2)) * n + l] = denoiser.maskId));
  });
  const times = denoiser.usesTime ? new Float64Array(2 * rows.length).fill(at.length / 2 / n) : undefined;
  const drawable = denoiser.drawableVocabSize ?? denoiser.vocabSize;
  const { logits, offset } = await logitsAt(denoiser, ids, 2 * rows.length, n, Int32Array.from(at), times);
  return rows.map((row, r) => at.reduce((sum, l, i) => sum + logProbability(logits, offset(2 * r + (i % 2), l), drawable, denoiser.maskId, row[l]), 0));
}

/** `read`'s ids with its holes holding what `source` (laid out as `sourceHoles`) has in its holes from `first` on. */
export function filledFrom(read: SpanPlan, source: Int32Array, sourceHoles: SpanPlan['holes'], first = 0): Int32Array {
  const ids = read.ids.slice();
  read.holes.forEach((hole, k) => ids.set(source.subarray(sourceHoles[first + k].start, sourceHoles[first + k].start + hole.length), hole.start));
  return ids;
}
