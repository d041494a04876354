/**
 * Where the length search looks (lengthSearch.ts, lengthDrafts.ts): a hole at a candidate length,
 * the context tokens next to it, a window cropped to the holes and the context near them, and the
 * logits there.
 */
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

/** Room for sequence specials and a shifted model's lead token in the scoring window. */
const SPECIALS_SLACK = 8;

/** `segments` with hole `h` at `length` tokens, exact (its overlap kept). */
export function withHoleLength(segments: readonly Segment[], h: number, length: number): Segment[] {
  let index = -1;
  return segments.map((s) => (s.kind === 'hole' && ++index === h ? { kind: 'hole', length, ...(s.overlap !== undefined ? { overlap: s.overlap } : {}) } : s));
}

/** The scoring window (model tokens) for `segments`: all their holes and SCORING_CONTEXT a side. */
export function scoringWindow(segments: readonly Segment[], context = SCORING_CONTEXT): number {
  const holes = segments.reduce((n, s) => n + (s.kind === 'hole' ? s.length : 0), 0);
  return holes + 2 * context + SPECIALS_SLACK;
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
