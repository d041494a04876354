import { beamStep } from './beam';
import { BlockSchedule, decoderStep } from './decoders';
import { CancelledError, DiffusionError } from './errors';
import type { LogitsProcessor } from './logits';
import type { DrawConstraint } from './drawRules';
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
import { DEFAULT_HEAD_K, FullRowsNeeded, MAX_HEAD_K, type ModelLogits } from './topkRows';
import { resizingSteps } from './expandDelete';
import type { Denoiser, Frame, HoleSpan, Rng, SampleInput, SamplerOptions } from './types';

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
  /** Steps whose top-k logits did not determine a draw, so the model was asked again for full rows. */
  fullRowRetries: number;
  /** Runs that resize holes (SampleInput `resize`): each row's length (rows padded to `length`) and holes. */
  rowLengths?: Int32Array;
  holes?: HoleSpan[][];
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

function checkStartTime(start: unknown): number {
  if (!(typeof start === 'number' && start > TIME_EPS && start <= 1)) {
    throw new DiffusionError('bad-options', `startTime must be in (${TIME_EPS}, 1], got ${start}`);
  }
  return start;
}

/**
 * One run's batch of rows as it is sampled: the current ids and confidences, the buffers a step
 * writes into, the model calls that feed it and the time they take.
 */
class Canvas {
  readonly batch: number;
  readonly length: number;
  readonly vocab: number;
  readonly maskId: number;
  readonly editable: Uint8Array;
  readonly constraint: DrawConstraint | undefined;
  readonly processor: LogitsProcessor;
  ids: Int32Array;
  confidence: Float32Array;
  readonly buffers: StepBuffers;
  /** The positions the last logits hold, when the model gathers. */
  gathered: GatheredLogits | undefined;
  forwardCalls = 0;
  forwardMs = 0;
  samplerMs = 0;
  fullRowRetries = 0;
  /** Tokens per row asked of a top-k head; absent: full rows every call. */
  private headK: number | undefined;
  private readonly temperature: number;
  private readonly rowOf: Int32Array;
  private readonly positions: Int32Array;
  private readonly slotOf: Int32Array;
  private readonly rowList: Int32Array;

  constructor(
    private readonly denoiser: Denoiser,
    input: SampleInput,
    o: Required<SamplerOptions>,
    private readonly isCancelled: () => boolean,
  ) {
    this.batch = input.batch;
    this.length = input.ids.length;
    this.editable = input.editable;
    this.constraint = input.constraint;
    this.vocab = denoiser.vocabSize;
    this.maskId = denoiser.maskId;
    const n = this.batch * this.length;
    this.ids = new Int32Array(n);
    for (let b = 0; b < this.batch; b++) this.ids.set(input.ids, b * this.length);
    this.confidence = new Float32Array(n);
    this.processor = makeProcessor(o, this.vocab, this.maskId, denoiser.drawableVocabSize ?? this.vocab);
    this.buffers = { ids: new Int32Array(n), state: new Uint8Array(n), confidence: new Float32Array(n) };
    this.rowOf = new Int32Array(this.length);
    this.positions = new Int32Array(this.length);
    this.slotOf = new Int32Array(this.batch);
    this.rowList = new Int32Array(this.batch);
    this.temperature = o.temperature;
    // The top-k form serves draws under top-k or a nucleus, and every argmax; its classes are the draw rules'.
    // The beam reads whole distributions (its BEAM_TOKENS likeliest), which the top-k form does not keep.
    const served = o.strategy !== 'beam' && (isDecoderStrategy(o.strategy) || o.topK > 0 || o.topP < 1);
    if (denoiser.forwardTopK && this.constraint && served) this.headK = Math.min(MAX_HEAD_K, Math.max(DEFAULT_HEAD_K, 2 * o.topK));
  }

  get anyMasked(): boolean {
    return anyMasked(this.ids, this.editable, this.batch, this.length, this.maskId);
  }

  /** Editable positions masked in any row: the only ones whose logits any step reads. */
  private maskedPositions(): Int32Array {
    const { rowOf, positions, length, batch, editable, maskId } = this;
    let count = 0;
    for (let l = 0; l < length; l++) {
      rowOf[l] = -1;
      if (!editable[l]) continue;
      for (let b = 0; b < batch; b++) {
        if (this.ids[b * length + l] === maskId) {
          rowOf[l] = count;
          positions[count++] = l;
          break;
        }
      }
    }
    return positions.subarray(0, count);
  }

  /** Positions that unmask in this step in any row (ascending): the only logits a ReMDM step reads. */
  decodingPositions(decodes: DecodeList): Int32Array {
    const { rowOf, positions, length } = this;
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
  }

  /**
   * Rows with a position that unmasks in this step (ascending): a ReMDM step reads no other row's
   * logits, and on a CPU a call costs by the rows in it.
   */
  decodingRows(decodes: DecodeList): Int32Array {
    const { slotOf, rowList: rows, length } = this;
    slotOf.fill(-1);
    for (let k = 0; k < decodes.count; k++) slotOf[Math.floor(decodes.at[k] / length)] = 0;
    let count = 0;
    for (let b = 0; b < this.batch; b++) {
      if (slotOf[b] === 0) {
        slotOf[b] = count;
        rows[count++] = b;
      }
    }
    return rows.subarray(0, count);
  }

  /** Rows 0..count-1 (the live beams), as decodingRows gives them. */
  leadingRows(count: number): Int32Array {
    const { slotOf, rowList: rows } = this;
    for (let b = 0; b < this.batch; b++) slotOf[b] = b < count ? b : -1;
    for (let b = 0; b < count; b++) rows[b] = b;
    return rows.subarray(0, count);
  }

  /** The current ids of `rows` only, one after another. */
  private idsOf(rows: Int32Array): Int32Array {
    const { length } = this;
    const out = new Int32Array(rows.length * length);
    rows.forEach((b, i) => out.set(this.ids.subarray(b * length, (b + 1) * length), i * length));
    return out;
  }

  /**
   * Logits for the current ids at `at` (default: every masked position) when the model gathers,
   * for `ofRows` only when given (default every row), in the top-k form when the run uses a top-k
   * head and `fullRows` is not asked. No logits are ever reused: a model call follows a step that
   * changed the ids, or is the first.
   */
  private async logitsFor(t: number, at: Int32Array | undefined, fullRows: boolean, ofRows?: Int32Array): Promise<ModelLogits> {
    if (this.isCancelled()) throw new CancelledError();
    const { denoiser, batch, length, vocab } = this;
    const t0 = performance.now();
    const times = denoiser.usesTime ? new Float64Array(batch).fill(t) : undefined;
    if (denoiser.forwardTopK && this.headK !== undefined && !fullRows) {
      const where = at ?? this.maskedPositions();
      this.gathered = { count: where.length, rowOf: this.rowOf };
      const rows = await denoiser.forwardTopK(this.ids, batch, length, where, this.headK, this.temperature, times);
      this.forwardMs += performance.now() - t0;
      this.forwardCalls++;
      if (rows.rows !== batch * where.length) throw new DiffusionError('bad-input', `the model returned ${rows.rows} top-k rows, expected ${batch * where.length}`);
      return rows;
    }
    let logits: Float32Array;
    let expected = batch * length * vocab;
    if (denoiser.forwardAt) {
      const where = at ?? this.maskedPositions();
      const only = ofRows && ofRows.length < batch ? ofRows : undefined;
      this.gathered = { count: where.length, rowOf: this.rowOf, ...(only ? { slotOf: this.slotOf } : {}) };
      const called = only?.length ?? batch;
      expected = called * where.length * vocab;
      logits = await denoiser.forwardAt(only ? this.idsOf(only) : this.ids, called, length, where, times?.subarray(0, called));
    } else {
      logits = await denoiser.forward(this.ids, batch, length, times);
    }
    this.forwardMs += performance.now() - t0;
    this.forwardCalls++;
    if (logits.length !== expected) {
      throw new DiffusionError('bad-input', `the model returned ${logits.length} logits, expected ${expected}`);
    }
    return logits;
  }

  /**
   * The model's logits at `at` (default: every masked position; of `ofRows` only, when given and the
   * model gathers) handed to `use`, the step's own arithmetic. Top-k logits that do not determine
   * a draw (FullRowsNeeded) are asked for again as full rows, and, where more tokens would have
   * served the row, the next calls ask the head for twice as many.
   */
  async withLogits<T>(t: number, at: Int32Array | undefined, use: (logits: ModelLogits) => T, ofRows?: Int32Array): Promise<T> {
    const logits = await this.logitsFor(t, at, false, ofRows);
    try {
      return this.timed(() => use(logits));
    } catch (err) {
      if (!(err instanceof FullRowsNeeded)) throw err;
      this.fullRowRetries++;
      if (err.widerHeadHelps) this.headK = Math.min(MAX_HEAD_K, 2 * (this.headK ?? DEFAULT_HEAD_K));
      const full = await this.logitsFor(t, at, true, ofRows);
      return this.timed(() => use(full));
    }
  }

  /** Runs `work` (the sampler's own arithmetic), counting its time. */
  timed<T>(work: () => T): T {
    const t0 = performance.now();
    const out = work();
    this.samplerMs += performance.now() - t0;
    return out;
  }

  /** Swaps the step's output into the current state, keeping the old arrays as the next output. */
  adopt(): void {
    [this.ids, this.buffers.ids] = [this.buffers.ids, this.ids];
    [this.confidence, this.buffers.confidence] = [this.buffers.confidence, this.confidence];
  }

  /** A frame that owns fresh copies of the current arrays. */
  frame(step: number, totalSteps: number, t: number, modelCalled: boolean): Frame {
    const { batch, length } = this;
    return { step, totalSteps, t, batch, length, ids: this.ids.slice(), state: this.buffers.state.slice(), confidence: this.confidence.slice(), modelCalled };
  }

  result(steps: number): SampleResult {
    const { ids, batch, length, forwardCalls, forwardMs, samplerMs, fullRowRetries } = this;
    return { ids, batch, length, steps, forwardCalls, forwardMs, samplerMs, fullRowRetries };
  }
}

/** The deterministic decoders: one model call per step until every editable position is decoded. */
async function* decoderSteps(canvas: Canvas, o: Required<SamplerOptions>): AsyncGenerator<Frame, SampleResult, void> {
  const { batch, length, vocab, maskId, processor } = canvas;
  const schedule = new BlockSchedule(canvas.editable, o.blockLength, batch, o.steps);
  let steps = 0;
  for (let i = 0; i < o.steps && canvas.anyMasked; i++) {
    const saved = schedule.save();
    const done = await canvas.withLogits(1 - i / o.steps, undefined, (logits) => {
      schedule.restore(saved);
      return decoderStep({ logits, ids: canvas.ids, confidence: canvas.confidence, batch, length, vocab, maskId, step: i, schedule, processor, options: o, out: canvas.buffers, gathered: canvas.gathered, constraint: canvas.constraint });
    });
    canvas.timed(() => canvas.adopt());
    steps = i + 1;
    yield canvas.frame(steps, done ? steps : o.steps, 1 - steps / o.steps, true);
    if (done) break;
  }
  return canvas.result(steps);
}

/** Beam search (beam.ts): the rows are the beams, and each step runs only the live ones. */
async function* beamSteps(canvas: Canvas, o: Required<SamplerOptions>): AsyncGenerator<Frame, SampleResult, void> {
  const { batch, length, vocab, maskId, processor, editable } = canvas;
  let masks = 0;
  for (let l = 0; l < length; l++) if (editable[l] && canvas.ids[l] === maskId) masks++;
  const total = Math.min(o.steps, masks);
  let scores = new Float64Array(batch);
  let outScores = new Float64Array(batch);
  let live = 1; // every row starts as the same beam
  let steps = 0;
  for (let i = 0; i < total; i++) {
    const step = await canvas.withLogits(
      1 - i / total,
      undefined,
      (logits) => {
        if (!(logits instanceof Float32Array)) throw new Error('the beam needs full logits rows');
        const { ids, confidence, constraint, gathered } = canvas;
        return beamStep({ logits, gathered, ids, confidence, scores, live, batch, length, vocab, maskId, editable, stepsLeft: total - i, processor, constraint, out: canvas.buffers, outScores });
      },
      canvas.leadingRows(live),
    );
    canvas.timed(() => canvas.adopt());
    [scores, outScores] = [outScores, scores];
    live = step.live;
    steps = i + 1;
    yield canvas.frame(steps, step.done ? steps : total, 1 - steps / total, true);
    if (step.done) break;
  }
  return canvas.result(steps);
}

/**
 * One ReMDM step from t to s: every draw first; the model is called only if some position unmasks,
 * and only for those positions and the rows they are in. Returns whether the model was called.
 */
async function remaskingStep(canvas: Canvas, o: Required<SamplerOptions>, t: number, s: number, rng: Rng, decodes: DecodeList, posterior: PosteriorFn | undefined, gathers: boolean): Promise<boolean> {
  const { batch, length, vocab, maskId, processor, editable } = canvas;
  const plan = canvas.timed(() => planRemaskingStep({ ids: canvas.ids, editable, confidence: canvas.confidence, batch, length, maskId, t, s, rng, options: o, posterior, out: canvas.buffers, decodes }));
  const called = decodes.count > 0;
  if (called) {
    await canvas.withLogits(
      t,
      gathers ? canvas.decodingPositions(decodes) : undefined,
      (logits) => completeRemaskingStep(plan, logits, { length, vocab, processor, gathered: canvas.gathered, constraint: canvas.constraint }),
      gathers ? canvas.decodingRows(decodes) : undefined,
    );
  }
  canvas.timed(() => canvas.adopt());
  return called;
}

/** Noise removal: argmax wherever a mask survived to t = eps. Returns whether the model was called. */
async function noiseRemoval(canvas: Canvas, t: number): Promise<boolean> {
  const { batch, length, vocab, maskId, processor, editable } = canvas;
  const needModel = canvas.anyMasked;
  const step = (logits: ModelLogits | null) =>
    noiseRemovalStep({ logits, ids: canvas.ids, editable, confidence: canvas.confidence, batch, length, vocab, maskId, processor, out: canvas.buffers, gathered: canvas.gathered, constraint: canvas.constraint });
  if (needModel) await canvas.withLogits(t, undefined, step);
  else canvas.timed(() => step(null));
  canvas.timed(() => canvas.adopt());
  return needModel;
}

/** ReMDM (and MDLM): `steps` steps down the time grid from `start`, then noise removal. */
async function* remaskingSteps(canvas: Canvas, o: Required<SamplerOptions>, rng: Rng, control: SampleControl, start: number, gathers: boolean): AsyncGenerator<Frame, SampleResult, void> {
  const grid = timeGrid(o.steps, start);
  const totalSteps = o.steps + 1;
  const decodes = new DecodeList(canvas.batch * canvas.length);
  for (let i = 0; i < o.steps; i++) {
    if (control.isCancelled?.()) throw new CancelledError();
    const called = await remaskingStep(canvas, o, grid[i], grid[i + 1], rng, decodes, control.posterior, gathers);
    yield canvas.frame(i + 1, totalSteps, grid[i + 1], called);
  }
  const called = await noiseRemoval(canvas, grid[o.steps]);
  yield canvas.frame(totalSteps, totalSteps, 0, called);
  return canvas.result(totalSteps);
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
  const start = checkStartTime(control.startTime ?? 1);
  if (input.resize) return yield* resizingSteps(denoiser, input, input.resize, o, rng, () => control.isCancelled?.() ?? false);
  const canvas = new Canvas(denoiser, input, o, () => control.isCancelled?.() ?? false);
  if (o.strategy === 'beam') return yield* beamSteps(canvas, o);
  if (isDecoderStrategy(o.strategy)) return yield* decoderSteps(canvas, o);
  return yield* remaskingSteps(canvas, o, rng, control, start, denoiser.forwardAt !== undefined);
}
