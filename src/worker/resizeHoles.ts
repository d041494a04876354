/**
 * Holes of unknown length on a model with expand and delete tokens (DreamOn): instead of a length
 * search, each such hole starts from a few masks (core's START_MASKS, as DreamOn's reference does)
 * and grows or shrinks while it is denoised, up to its bound. The context is laid out for the hole
 * at its bound first, so the canvas can always grow to every bound within the window (and within
 * the memory the plan was sized for).
 */
import { START_MASKS } from '../core/expandDelete';
import type { SpanPlan } from '../core/span';
import type { ResizeRule, Segment } from '../core/types';

/** The ids of a model's expand and delete tokens (config.json `expand_token_id`, `delete_token_id`). */
export interface ResizeTokens {
  expandId: number;
  deleteId: number;
}

/** Per hole of `segments`, in order: whether the model sizes it (a bound, no refine text). */
export function resizableHoles(segments: readonly Segment[]): boolean[] {
  return segments.filter((s) => s.kind === 'hole').map((s) => s.kind === 'hole' && s.upTo === true && s.initial === undefined);
}

/**
 * `plan` (laid out with every hole at its length or bound) with each resizable hole cut to its
 * first START_MASKS masks, and the rule that lets those grow back to their bound. The window is the
 * plan's length at the bounds: no row grows past what was planned.
 */
export function startResizing(plan: SpanPlan, resizable: readonly boolean[], tokens: ResizeTokens): { plan: SpanPlan; rule: ResizeRule } {
  const ids: number[] = [];
  const editable: number[] = [];
  const holes: ResizeRule['holes'] = [];
  let from = 0;
  plan.holes.forEach((hole, h) => {
    for (let l = from; l < hole.start; l++) {
      ids.push(plan.ids[l]);
      editable.push(plan.editable[l]);
    }
    const keep = resizable[h] ? Math.min(START_MASKS, hole.length) : hole.length;
    const start = ids.length;
    for (let l = hole.start; l < hole.start + keep; l++) {
      ids.push(plan.ids[l]);
      editable.push(plan.editable[l]);
    }
    holes.push({ start, length: keep, ...(resizable[h] ? { bound: hole.length } : {}) });
    from = hole.start + hole.length;
  });
  for (let l = from; l < plan.ids.length; l++) {
    ids.push(plan.ids[l]);
    editable.push(plan.editable[l]);
  }
  return {
    plan: { ids: Int32Array.from(ids), editable: Uint8Array.from(editable), holes: holes.map(({ start, length }) => ({ start, length })), cropped: plan.cropped },
    rule: { ...tokens, holes, window: plan.ids.length },
  };
}
