import type { DrawConstraint } from './drawRules';
import type { LogitsProcessor } from './logits';
import { logitsOffset, type GatheredLogits, type StepBuffers } from './remask-step';
import { TokenState } from './types';

/**
 * Beam search over unmasking orders, a deterministic decoder whose beams are the batch's rows.
 * Each step every beam proposes to commit one of its BEAM_POSITIONS most confident masked
 * positions to one of that position's BEAM_TOKENS likeliest tokens (and, when fewer steps are left
 * than masks, its next most confident positions to their argmax, as topk-confidence would); the
 * `batch` best distinct proposals by summed log-probability become the next beams, best first.
 * Unlike a causal model's beam the order is searched too: a beam may settle the sure end of a hole
 * before the unsure one. The beams end as the batch's rows, distinct texts from one search, so a
 * mode-seeking decoder still offers several candidates. One row is topk-confidence.
 */
export const BEAM_POSITIONS = 3;
export const BEAM_TOKENS = 3;

export interface BeamStepArgs {
  /** Full rows of the live beams (rows 0..live-1), or gathered ones (`gathered`). */
  logits: Float32Array;
  gathered?: GatheredLogits;
  ids: Int32Array;
  confidence: Float32Array;
  /** [batch] each beam's summed log-probability so far. */
  scores: Float64Array;
  /** Beams in use; rows from `live` on copy row 0 (fewer distinct proposals than rows). */
  live: number;
  batch: number;
  length: number;
  vocab: number;
  maskId: number;
  editable: Uint8Array;
  /** Steps left, this one included: a beam commits ceil(masks / stepsLeft) tokens. */
  stepsLeft: number;
  processor: LogitsProcessor;
  constraint?: DrawConstraint;
  out: StepBuffers;
  outScores: Float64Array;
}

interface Proposal {
  parent: number;
  score: number;
  /** Pairs position, token, in commit order. */
  commits: number[];
  probs: number[];
}

/** One beam step; returns the beams now live and whether they are complete. */
export function beamStep(args: BeamStepArgs): { live: number; done: boolean } {
  const { ids, batch, length, vocab, maskId, editable, processor, constraint, out } = args;
  const proposals: Proposal[] = [];
  for (let b = 0; b < args.live; b++) {
    const row = b * length;
    const masked: number[] = [];
    for (let l = 0; l < length; l++) if (editable[l] && ids[row + l] === maskId) masked.push(l);
    if (masked.length === 0) continue;
    // Each masked position's distribution (the processor's: temperature, top-k, top-p, draw rules).
    const tops = masked.map((l) => topTokens(processor, args.logits, logitsOffset(args.gathered, b, l, length, vocab), constraint?.allowedAt(ids, row, l)));
    const order = masked.map((_, i) => i).sort((x, y) => tops[y][0].prob - tops[x][0].prob || masked[x] - masked[y]);
    const commit = Math.ceil(masked.length / Math.max(1, args.stepsLeft));
    for (const i of order.slice(0, BEAM_POSITIONS)) {
      // The other positions this step commits: the most confident ones, to their argmax.
      const extra = order.filter((j) => j !== i).slice(0, commit - 1);
      for (const { token, prob } of tops[i]) {
        const commits = [masked[i], token];
        const probs = [prob];
        let score = args.scores[b] + Math.log(prob);
        for (const j of extra) {
          commits.push(masked[j], tops[j][0].token);
          probs.push(tops[j][0].prob);
          score += Math.log(tops[j][0].prob);
        }
        proposals.push({ parent: b, score, commits, probs });
      }
    }
  }
  // Every live beam holds as many masks as the others, so none left means the sampler stopped already.
  if (proposals.length === 0) throw new Error('beamStep: no masked position left to decode');
  // Best first; ties by parent, then by the order proposed (deterministic).
  const ranked = proposals.map((p, k) => ({ p, k })).sort((x, y) => y.p.score - x.p.score || x.p.parent - y.p.parent || x.k - y.k);
  const seen = new Set<string>();
  let live = 0;
  for (const { p } of ranked) {
    if (live === batch) break;
    const at = live * length;
    const from = p.parent * length;
    out.ids.set(ids.subarray(from, from + length), at);
    out.confidence.set(args.confidence.subarray(from, from + length), at);
    for (let c = 0; c < p.commits.length; c += 2) {
      const l = p.commits[c];
      let token = p.commits[c + 1];
      let prob = p.probs[c / 2];
      const allowed = constraint?.allowedAt(out.ids, at, l);
      if (allowed && !allowed[token]) {
        // An earlier commit of this proposal breaks the rule there: the best allowed token.
        ({ token, prob } = processor.best(args.logits, logitsOffset(args.gathered, p.parent, l, length, vocab), allowed));
      }
      out.ids[at + l] = token;
      out.confidence[at + l] = prob;
    }
    const key = out.ids.subarray(at, at + length).join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    for (let l = 0; l < length; l++) {
      const j = at + l;
      out.state[j] = out.ids[j] === maskId ? TokenState.Masked : ids[from + l] === maskId ? TokenState.Decoded : TokenState.Settled;
    }
    args.outScores[live] = p.score;
    live++;
  }
  // Rows past the live beams copy the best (never run, and shown only as it).
  for (let b = live; b < batch; b++) {
    out.ids.copyWithin(b * length, 0, length);
    out.confidence.copyWithin(b * length, 0, length);
    out.state.copyWithin(b * length, 0, length);
    args.outScores[b] = args.outScores[0];
  }
  let done = true;
  for (let l = 0; l < length && done; l++) if (editable[l] && out.ids[l] === maskId) done = false;
  return { live, done };
}

/** The BEAM_TOKENS likeliest tokens at one position, likeliest first. */
function topTokens(processor: LogitsProcessor, logits: Float32Array, offset: number, allowed?: Uint8Array): { token: number; prob: number }[] {
  const probs = processor.distribution(logits, offset, allowed);
  const top: { token: number; prob: number }[] = [];
  for (let v = 0; v < probs.length; v++) {
    const p = probs[v];
    if (!(p > 0) || (top.length === BEAM_TOKENS && p <= top[BEAM_TOKENS - 1].prob)) continue;
    top.push({ token: v, prob: p });
    // Stable: of equal probabilities the lower id stays first.
    top.sort((x, y) => y.prob - x.prob);
    if (top.length > BEAM_TOKENS) top.pop();
  }
  return top;
}
