import type { DrawConstraint } from './drawRules';
import type { ModelLogits } from './topkRows';
import { DiffusionError } from './errors';
import type { LogitsProcessor } from './logits';
import { logitsOffset, type GatheredLogits, type StepBuffers } from './remask-step';
import { TokenState, type DecoderStrategyName, type SamplerOptions } from './types';

/**
 * Deterministic decoders for LLaDA-class models. Each step, in each row, only the leftmost
 * unfinished block of editable positions is decoded: its masked positions are scored by the
 * model's argmax token (among those the draw rules allow there) and that token's probability (after temperature / top-k / top-p; the
 * argmax itself does not depend on them, so these decoders never draw random numbers), then
 * - topk-confidence commits the k most confident, k = ceil(masked in block / steps left for the
 *   block) — the same even split as LLaDA's get_num_transfer_tokens;
 * - confidence-threshold (Fast-dLLM) commits every one above `threshold`, at least one, and at
 *   least the topk count, so `steps` is a budget it never exceeds (it may finish early).
 * Steps are split evenly over blocks: a row entering a block with R steps left and n unfinished
 * blocks gives it ceil(R / n) steps.
 */
export class BlockSchedule {
  /** Editable positions of one row, in order, cut into blocks. */
  readonly blocks: Int32Array[];
  private readonly currentBlock: Int32Array;
  private readonly blockStepsLeft: Int32Array;

  constructor(editable: Uint8Array, blockLength: number, readonly batch: number, readonly steps: number) {
    const positions: number[] = [];
    editable.forEach((e, l) => {
      if (e) positions.push(l);
    });
    const size = blockLength > 0 ? blockLength : Math.max(1, positions.length);
    this.blocks = [];
    for (let i = 0; i < positions.length; i += size) this.blocks.push(Int32Array.from(positions.slice(i, i + size)));
    if (this.blocks.length > steps) {
      throw new DiffusionError(
        'bad-options',
        `steps (${steps}) must be at least the number of blocks (${this.blocks.length}); raise steps or blockLength`,
      );
    }
    this.currentBlock = new Int32Array(batch).fill(-1);
    this.blockStepsLeft = new Int32Array(batch);
  }

  /** The block row `b` works on at step `step` (0-based), or -1 when the row is complete. */
  enter(b: number, step: number, ids: Int32Array, length: number, maskId: number): number {
    const row = b * length;
    const hasMask = (k: number) => this.blocks[k].some((l) => ids[row + l] === maskId);
    let k = this.currentBlock[b];
    if (k >= this.blocks.length) return -1; // the row is complete
    if (k >= 0 && hasMask(k)) return k;
    k = k < 0 ? 0 : k;
    while (k < this.blocks.length && !hasMask(k)) k++;
    if (k >= this.blocks.length) {
      this.currentBlock[b] = this.blocks.length;
      return -1;
    }
    let unfinished = 0;
    for (let q = k; q < this.blocks.length; q++) if (hasMask(q)) unfinished++;
    this.currentBlock[b] = k;
    this.blockStepsLeft[b] = Math.ceil((this.steps - step) / unfinished);
    return k;
  }

  /** The per-row progress, to start a step again (a retry with full rows: FullRowsNeeded). */
  save(): Int32Array {
    const b = this.batch;
    const out = new Int32Array(2 * b);
    out.set(this.currentBlock);
    out.set(this.blockStepsLeft, b);
    return out;
  }

  restore(saved: Int32Array): void {
    this.currentBlock.set(saved.subarray(0, this.batch));
    this.blockStepsLeft.set(saved.subarray(this.batch));
  }

  /** Steps left for row b's current block, this one included; consumes one. */
  takeStep(b: number): number {
    const left = Math.max(1, this.blockStepsLeft[b]);
    this.blockStepsLeft[b] = left - 1;
    return left;
  }
}

export interface DecoderStepArgs {
  logits: ModelLogits;
  ids: Int32Array;
  confidence: Float32Array;
  batch: number;
  length: number;
  vocab: number;
  maskId: number;
  /** 0-based step index. */
  step: number;
  schedule: BlockSchedule;
  processor: LogitsProcessor;
  options: Required<SamplerOptions>;
  out: StepBuffers;
  /** The logits hold only these positions' rows. */
  gathered?: GatheredLogits;
  /** Tokens each position may take; checked as each commit lands, against the commits before it. */
  constraint?: DrawConstraint;
}

/** One decoder step for every row; returns whether every editable position is now filled. */
export function decoderStep(args: DecoderStepArgs): boolean {
  const { logits, ids, confidence, batch, length, vocab, maskId, step, schedule, processor, options, out } = args;
  const strategy = options.strategy as DecoderStrategyName;
  const candPos: number[] = [];
  const candTok: number[] = [];
  const candConf: number[] = [];
  for (let j = 0; j < batch * length; j++) {
    out.ids[j] = ids[j];
    out.confidence[j] = confidence[j];
    out.state[j] = ids[j] === maskId ? TokenState.Masked : TokenState.Settled;
  }
  for (let b = 0; b < batch; b++) {
    const row = b * length;
    const k = schedule.enter(b, step, ids, length, maskId);
    if (k < 0) continue;
    const stepsLeft = schedule.takeStep(b);
    candPos.length = candTok.length = candConf.length = 0;
    for (const l of schedule.blocks[k]) {
      const j = row + l;
      if (ids[j] !== maskId) continue;
      const { token, prob } = processor.best(logits, logitsOffset(args.gathered, b, l, length, vocab), args.constraint?.allowedAt(ids, row, l));
      candPos.push(j);
      candTok.push(token);
      candConf.push(prob);
    }
    let commit = Math.ceil(candPos.length / stepsLeft);
    if (strategy === 'confidence-threshold') {
      let above = 0;
      for (const c of candConf) if (c > options.threshold) above++;
      commit = Math.max(commit, above, 1);
    }
    // Most confident first; ties go to the leftmost position.
    const order = candPos.map((_, i) => i).sort((x, y) => candConf[y] - candConf[x] || candPos[x] - candPos[y]);
    for (let r = 0; r < Math.min(commit, order.length); r++) {
      const i = order[r];
      const allowed = args.constraint?.allowedAt(out.ids, row, candPos[i] - row);
      if (allowed && !allowed[candTok[i]]) {
        // An earlier commit of this step (or the token itself) breaks the rule: the best allowed one.
        const l = candPos[i] - row;
        ({ token: candTok[i], prob: candConf[i] } = processor.best(logits, logitsOffset(args.gathered, b, l, length, vocab), allowed));
      }
      out.ids[candPos[i]] = candTok[i];
      out.confidence[candPos[i]] = candConf[i];
      out.state[candPos[i]] = TokenState.Decoded;
    }
  }
  // Context never holds the mask id (sample() rejects such input), so any mask left is editable.
  return out.ids.indexOf(maskId) < 0;
}
