import { BlockSchedule, decoderStep } from './decoders';
import { CancelledError, DiffusionError } from './errors';
import { isDecoderStrategy, validateSamplerOptions } from './options';
import type { PosteriorFn } from './posterior';
import {
  anyMasked,
  completeRemaskingStep,
  DecodeList,
  makeProcessor,
  noiseRemovalStep,
  planRemaskingStep,
  type GatheredLogits,
  type StepBuffers,
} from './remask-step';
import { timeGrid, TIME_EPS } from './schedule';
import type { Denoiser, Frame, Rng, SampleInput, SamplerOptions } from './types';

export interface SampleResult {
  /** [batch, length] final ids. */
  ids: Int32Array;
  batch: number;
  length: number;
  /** Steps actually run (frames yielded), the noise-removal step included. */
  steps: number;
  /** Model calls made (steps where no position unmasked need none). */
  forwardCalls: number;
  /** Time spent waiting on the model. */
  forwardMs: number;
  /** Time spent in the sampler's own arithmetic. */
  samplerMs: number;
}

export interface SampleControl {
  /** Checked before every model call; when true, sampling throws a CancelledError. */
  isCancelled?(): boolean;
  /**
   * Refine: start from time t0 in (0, 1] instead of 1 (the grid runs from t0 to eps over
   * `steps`). The input then holds real tokens at editable positions that are not masked.
   * Ignored by the deterministic decoders.
   */
  startTime?: number;
  /** @internal Testing hook: replaces the shared ReMDM posterior. */
  posterior?: PosteriorFn;
}

function validateInput(denoiser: Denoiser, input: SampleInput): void {
  const bad = (m: string): never => {
    throw new DiffusionError('bad-input', m);
  };
  const { ids, editable, batch } = input;
  if (!(ids instanceof Int32Array) || !(editable instanceof Uint8Array)) bad('ids must be an Int32Array and editable a Uint8Array');
  if (ids.length === 0) bad('the input is empty');
  if (ids.length !== editable.length) bad(`ids (${ids.length}) and editable (${editable.length}) differ in length`);
  if (!Number.isInteger(batch) || batch < 1) bad(`batch must be an integer >= 1, got ${batch}`);
  const { vocabSize, maskId } = denoiser;
  for (let l = 0; l < ids.length; l++) {
    if (ids[l] < 0 || ids[l] >= vocabSize) bad(`token id ${ids[l]} at position ${l} is outside the vocabulary (${vocabSize})`);
    if (!editable[l] && ids[l] === maskId) bad(`context position ${l} holds the mask id`);
  }
}

/**
 * Runs the sampler over `denoiser`, yielding one Frame per step (each frame owns fresh copies of
 * its arrays) and returning the final ids. Rows of the batch are independent samples of the same
 * input, drawn with one model call per step.
 */
export async function* sample(
  denoiser: Denoiser,
  input: SampleInput,
  options: SamplerOptions,
  rng: Rng,
  control: SampleControl = {},
): AsyncGenerator<Frame, SampleResult, void> {
  const o = validateSamplerOptions(options);
  validateInput(denoiser, input);
  const start = control.startTime ?? 1;
  if (!(typeof start === 'number' && start > TIME_EPS && start <= 1)) {
    throw new DiffusionError('bad-options', `startTime must be in (${TIME_EPS}, 1], got ${start}`);
  }
  const { batch, editable } = input;
  const length = input.ids.length;
  const { vocabSize: vocab, maskId } = denoiser;
  const n = batch * length;

  let ids: Int32Array = new Int32Array(n);
  for (let b = 0; b < batch; b++) ids.set(input.ids, b * length);
  let confidence: Float32Array = new Float32Array(n);
  const processor = makeProcessor(o, vocab, maskId, denoiser.drawableVocabSize ?? vocab);
  const buffers: StepBuffers = { ids: new Int32Array(n), state: new Uint8Array(n), confidence: new Float32Array(n) };

  let forwardCalls = 0;
  let forwardMs = 0;
  let samplerMs = 0;
  let gathered: GatheredLogits | undefined; // the positions the last logits hold, when the model gathers
  const rowOf = new Int32Array(length);
  const positions = new Int32Array(length);

  // Editable positions masked in any row: the only ones whose logits any step reads.
  const maskedPositions = (): Int32Array => {
    let count = 0;
    for (let l = 0; l < length; l++) {
      rowOf[l] = -1;
      if (!editable[l]) continue;
      for (let b = 0; b < batch; b++) {
        if (ids[b * length + l] === maskId) {
          rowOf[l] = count;
          positions[count++] = l;
          break;
        }
      }
    }
    return positions.subarray(0, count);
  };

  // Positions that unmask in this step in any row (ascending): the only logits a ReMDM step reads.
  const decodingPositions = (decodes: DecodeList): Int32Array => {
    rowOf.fill(-1);
    for (let k = 0; k < decodes.count; k++) rowOf[decodes.at[k] % length] = 0;
    let count = 0;
    for (let l = 0; l < length; l++) {
      if (rowOf[l] === 0) {
        rowOf[l] = count;
        positions[count++] = l;
      }
    }
    return positions.subarray(0, count);
  };

  /** Logits for the current ids at `at` (default: every masked position) when the model gathers. */
  // No logits are ever reused: a model call follows a step that changed the ids, or is the first.
  const logitsFor = async (t: number, at?: Int32Array): Promise<Float32Array> => {
    if (control.isCancelled?.()) throw new CancelledError();
    const t0 = performance.now();
    const times = denoiser.usesTime ? new Float64Array(batch).fill(t) : undefined;
    let logits: Float32Array;
    let expected = n * vocab;
    if (denoiser.forwardAt) {
      const where = at ?? maskedPositions();
      gathered = { count: where.length, rowOf };
      expected = batch * where.length * vocab;
      logits = await denoiser.forwardAt(ids, batch, length, where, times);
    } else {
      logits = await denoiser.forward(ids, batch, length, times);
    }
    forwardMs += performance.now() - t0;
    forwardCalls++;
    if (logits.length !== expected) {
      throw new DiffusionError('bad-input', `the model returned ${logits.length} logits, expected ${expected}`);
    }
    return logits;
  };

  const frame = (step: number, totalSteps: number, t: number, modelCalled: boolean): Frame => ({
    step,
    totalSteps,
    t,
    batch,
    length,
    ids: ids.slice(),
    state: buffers.state.slice(),
    confidence: confidence.slice(),
    modelCalled,
  });

  // Swap the step's output into the current state, keeping the old arrays as the next output.
  const adopt = (): void => {
    const prevIds = ids;
    const prevConf = confidence;
    ids = buffers.ids;
    confidence = buffers.confidence;
    buffers.ids = prevIds;
    buffers.confidence = prevConf;
  };

  if (isDecoderStrategy(o.strategy)) {
    const schedule = new BlockSchedule(editable, o.blockLength, batch, o.steps);
    let steps = 0;
    for (let i = 0; i < o.steps && anyMasked(ids, editable, batch, length, maskId); i++) {
      const logits = await logitsFor(1 - i / o.steps);
      const t0 = performance.now();
      const done = decoderStep({ logits, ids, confidence, batch, length, vocab, maskId, step: i, schedule, processor, options: o, out: buffers, gathered });
      adopt();
      samplerMs += performance.now() - t0;
      steps = i + 1;
      yield frame(steps, done ? steps : o.steps, 1 - steps / o.steps, true);
      if (done) break;
    }
    return { ids, batch, length, steps, forwardCalls, forwardMs, samplerMs };
  }

  const grid = timeGrid(o.steps, start);
  const totalSteps = o.steps + 1;
  const decodes = new DecodeList(n);
  for (let i = 0; i < o.steps; i++) {
    if (control.isCancelled?.()) throw new CancelledError();
    const t = grid[i];
    const s = grid[i + 1];
    // Every draw first; the model is called only if some position unmasks, and only for those.
    let t0 = performance.now();
    const plan = planRemaskingStep({ ids, editable, confidence, batch, length, maskId, t, s, rng, options: o, posterior: control.posterior, out: buffers, decodes });
    const called = decodes.count > 0;
    if (called) {
      samplerMs += performance.now() - t0;
      const logits = await logitsFor(t, denoiser.forwardAt ? decodingPositions(decodes) : undefined);
      t0 = performance.now();
      completeRemaskingStep(plan, logits, { length, vocab, processor, gathered });
    }
    adopt();
    samplerMs += performance.now() - t0;
    yield frame(i + 1, totalSteps, s, called);
  }

  // Noise removal: argmax wherever a mask survived to t = eps.
  const needModel = anyMasked(ids, editable, batch, length, maskId);
  const logits = needModel ? await logitsFor(grid[o.steps]) : null;
  const t0 = performance.now();
  noiseRemovalStep({
    logits,
    ids,
    editable,
    confidence,
    batch,
    length,
    vocab,
    maskId,
    processor,
    out: buffers,
    gathered,
  });
  adopt();
  samplerMs += performance.now() - t0;
  yield frame(totalSteps, totalSteps, 0, needModel);
  return { ids, batch, length, steps: totalSteps, forwardCalls, forwardMs, samplerMs };
}
