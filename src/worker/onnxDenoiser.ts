/**
 * An onnxruntime-node InferenceSession wrapped as core's Denoiser. Checks the graph contract at
 * load (input_ids int64 [batch, sequence], optional attention_mask and time input, logits float32
 * [batch, sequence, vocab]) and runs a warm-up so the first real step is not the slow one.
 */
import * as ort from 'onnxruntime-node';
import type { Denoiser } from '../core/types';
import type { TopKRows } from '../core/topkRows';
import { LOGIT_POSITIONS, TOPK_HEAD } from '../protocol/graph';
import { InfillError, messageOf } from '../protocol/errors';
import type { LoadSettings } from '../protocol/protocol';
import { chooseProvider, cudaLoaderProblem, providerFacts, shortenLoaderMessage } from './provider';

/** Graph input names accepted as the diffusion time (float32 [batch]). */
export const TIME_INPUT_NAMES = ['timesteps', 'timestep', 't', 'time', 'sigma'] as const;

/** The runtime's part of the load settings (threads 0: one per physical core), and the model's window (the warm-up never runs longer). */
export type RuntimeSettings = Pick<LoadSettings, 'executionProvider' | 'threads'> & { maxLength?: number };

/**
 * Optional input (int64 [batch, positions]) of a graph that gathers its final hidden states before
 * the output projection and returns logits only there (bench/make_positions_head.py adds it).
 */
export const LOGIT_POSITIONS_INPUT = LOGIT_POSITIONS;

const TOPK_INPUTS: readonly string[] = [TOPK_HEAD.k, TOPK_HEAD.temperature, TOPK_HEAD.wholeBias, TOPK_HEAD.partialIds];
const TOPK_OUTPUTS = [TOPK_HEAD.values, TOPK_HEAD.ids, TOPK_HEAD.tailLogMass, TOPK_HEAD.partial];

/** The token classes a top-k head ranks and returns (DrawRules.classes). */
export interface TopKClasses {
  wholeBias: Float32Array;
  partialIds: Int32Array;
  wholeProbe: number;
}

export interface GraphShape {
  hasAttentionMask: boolean;
  hasTokenTypeIds: boolean;
  /** The graph takes `logit_positions` and returns logits at those positions only (absent: no). */
  hasLogitPositions?: true;
  /** The graph has the top-k head (protocol/graph.ts TOPK_HEAD) on its gathered logits. */
  hasTopKHead?: true;
  timeInput?: string;
  /** The logits' vocabulary size when the graph states it (else known after the warm-up). */
  vocabSize?: number;
  /** The sequence length when the graph fixes it (input_ids [batch, N]); every call then uses N. */
  fixedLength?: number;
}

type Metadata = readonly ort.InferenceSession.ValueMetadata[];

function tensorMeta(list: Metadata | undefined, name: string): ort.InferenceSession.TensorValueMetadata | undefined {
  const m = list?.find((v) => v.name === name);
  return m && m.isTensor ? m : undefined;
}

/** Checks input/output names and, where the graph declares them, types and ranks. Pure over names/metadata. */
export function checkGraph(
  file: string,
  inputNames: readonly string[],
  outputNames: readonly string[],
  inputMetadata?: Metadata,
  outputMetadata?: Metadata,
): GraphShape {
  const expected = `expected inputs input_ids [, attention_mask] [, token_type_ids] [, ${LOGIT_POSITIONS_INPUT}] [, one of ${TIME_INPUT_NAMES.join('/')}] and output logits`;
  if (!inputNames.includes('input_ids')) {
    throw new InfillError('model-invalid', `${file}: the graph has inputs [${inputNames.join(', ')}]; ${expected}`);
  }
  const timeInputs = inputNames.filter((n) => (TIME_INPUT_NAMES as readonly string[]).includes(n));
  const hasTopKHead = inputNames.includes(LOGIT_POSITIONS_INPUT) && TOPK_INPUTS.every((n) => inputNames.includes(n)) && TOPK_OUTPUTS.every((n) => outputNames.includes(n));
  const optional = ['attention_mask', 'token_type_ids', LOGIT_POSITIONS_INPUT, ...(hasTopKHead ? TOPK_INPUTS : [])];
  const unknown = inputNames.filter((n) => n !== 'input_ids' && !optional.includes(n) && !timeInputs.includes(n));
  if (unknown.length > 0 || timeInputs.length > 1) {
    throw new InfillError('model-invalid', `${file}: unexpected graph inputs [${[...unknown, ...timeInputs.slice(1)].join(', ')}]; ${expected}`);
  }
  if (!outputNames.includes('logits')) {
    throw new InfillError('model-invalid', `${file}: the graph has outputs [${outputNames.join(', ')}]; ${expected}`);
  }
  const ids = tensorMeta(inputMetadata, 'input_ids');
  if (ids && (ids.type !== 'int64' || (ids.shape.length > 0 && ids.shape.length !== 2))) {
    throw new InfillError('model-invalid', `${file}: input_ids is ${ids.type} [${ids.shape.join(', ')}]; expected int64 [batch, sequence]`);
  }
  const time = timeInputs[0] ? tensorMeta(inputMetadata, timeInputs[0]) : undefined;
  if (time && time.type !== 'float32') {
    throw new InfillError('model-invalid', `${file}: time input ${time.name} is ${time.type}; expected float32 [batch]`);
  }
  const logits = tensorMeta(outputMetadata, 'logits');
  if (logits && (logits.type !== 'float32' || (logits.shape.length > 0 && logits.shape.length !== 3))) {
    throw new InfillError('model-invalid', `${file}: logits is ${logits.type} [${logits.shape.join(', ')}]; expected float32 [batch, sequence, vocab]`);
  }
  const vocabDim = logits?.shape[2];
  return {
    hasAttentionMask: inputNames.includes('attention_mask'),
    hasTokenTypeIds: inputNames.includes('token_type_ids'),
    ...(inputNames.includes(LOGIT_POSITIONS_INPUT) ? { hasLogitPositions: true as const } : {}),
    ...(hasTopKHead ? { hasTopKHead: true as const } : {}),
    timeInput: timeInputs[0],
    vocabSize: typeof vocabDim === 'number' && vocabDim > 0 ? vocabDim : undefined,
    ...(typeof ids?.shape[1] === 'number' && ids.shape[1] > 0 ? { fixedLength: ids.shape[1] } : {}),
  };
}

function sessionOptions(provider: string, threads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    // Fuse and fold everything the runtime knows how to: the graph is fixed after export.
    graphOptimizationLevel: 'all',
    // The graph is one chain of ops; parallel execution would only add scheduling overhead.
    executionMode: 'sequential',
    interOpNumThreads: 1,
    // 0 leaves the runtime's default (one thread per physical core).
    ...(threads > 0 ? { intraOpNumThreads: threads } : {}),
    // Every step of a run has the same shapes, so the arena and the memory pattern are reused.
    enableCpuMemArena: true,
    enableMemPattern: true,
    // Errors only: export leaves harmless warnings (e.g. unused initializers) that would flood logs.
    logSeverityLevel: 3,
  };
}

/** [batch, length, vocab] -> [batch, rows, vocab]: each row's first `rows` positions. */
function firstRows(data: Float32Array, batch: number, length: number, rows: number): Float32Array {
  const vocab = data.length / (batch * length);
  const out = new Float32Array(batch * rows * vocab);
  for (let b = 0; b < batch; b++) out.set(data.subarray(b * length * vocab, (b * length + rows) * vocab), b * rows * vocab);
  return out;
}

/** Shifted logits from a graph without a gather head: position p gets row p-1 (row 0 keeps its own). */
function shiftRows(data: Float32Array, batch: number, length: number, vocab: number): Float32Array {
  for (let b = 0; b < batch; b++) data.copyWithin((b * length + 1) * vocab, b * length * vocab, ((b + 1) * length - 1) * vocab);
  return data;
}

export class OnnxDenoiser implements Denoiser {
  readonly usesTime: boolean;
  private onesCache = new BigInt64Array(0);
  private zerosCache = new BigInt64Array(0);
  /** Set by the loader when the logits are wider than the tokenizer (padding rows, never drawn). */
  drawableVocabSize?: number;
  /**
   * Set by the loader from config.json `shift_logits`: the model's row p-1 predicts position p
   * (Dream, Open-dCoder), so position p reads row p-1; the graph keeps the model's own rows.
   */
  shiftLogits = false;
  /** Fills a fixed-length graph's input past the canvas (its rows are never read). */
  padId = 0;
  forwardMs = 0;
  forwardCalls = 0;
  /** Of forwardMs, the time inside session.run itself (the model's own forward). */
  runMs = 0;
  /** Present when the graph gathers before its head (Denoiser.forwardAt): logits at `positions` only. */
  readonly forwardAt?: (ids: Int32Array, batch: number, length: number, positions: Int32Array, t?: Float64Array) => Promise<Float32Array>;
  /** Present once useTopKHead gave a top-k head its classes (Denoiser.forwardTopK). */
  forwardTopK?: Denoiser['forwardTopK'];
  private topK?: { classes: TopKClasses; partialIds: BigInt64Array };
  private neutralBias?: Float32Array;
  private allPositions = new Int32Array(0);
  private shiftedPositions = new Int32Array(0);

  private constructor(
    private session: ort.InferenceSession | undefined,
    readonly file: string,
    readonly graph: GraphShape,
    public vocabSize: number,
    readonly maskId: number,
    readonly executionProvider: string,
    readonly providerNotice: string | undefined,
  ) {
    this.usesTime = graph.timeInput !== undefined;
    if (graph.hasLogitPositions) this.forwardAt = (ids, batch, length, positions, t) => this.run(ids, batch, length, this.rowsFor(positions), t);
  }

  /**
   * Loads `file` on the chosen provider, falling back to CPU (with a notice saying why) when the
   * provider fails to load or to run the warm-up.
   */
  static async load(file: string, maskId: number, settings: RuntimeSettings): Promise<OnnxDenoiser> {
    const choice = chooseProvider(settings.executionProvider, providerFacts());
    if (choice.provider !== 'cpu') {
      try {
        return await OnnxDenoiser.loadOn(file, maskId, choice.provider, settings, undefined);
      } catch (err) {
        if (err instanceof InfillError && err.code !== 'runtime') throw err; // the model itself is wrong
        const reason = (choice.provider === 'cuda' ? cudaLoaderProblem() : undefined) ?? shortenLoaderMessage(messageOf(err));
        const notice = `${choice.provider} execution provider failed (${reason}); using CPU`;
        return OnnxDenoiser.loadOn(file, maskId, 'cpu', settings, notice);
      }
    }
    return OnnxDenoiser.loadOn(file, maskId, 'cpu', settings, choice.notice);
  }

  private static async loadOn(file: string, maskId: number, provider: string, settings: RuntimeSettings, notice: string | undefined): Promise<OnnxDenoiser> {
    let session: ort.InferenceSession;
    try {
      // By path: ONNX Runtime reads the graph and its external data itself (no copy through JavaScript).
      session = await ort.InferenceSession.create(file, sessionOptions(provider, settings.threads));
    } catch (err) {
      // On CPU a failure can only be the file; on an accelerator it may be the provider (caller falls back).
      const code = provider === 'cpu' ? 'model-invalid' : 'runtime';
      throw new InfillError(code, `${file}: ONNX Runtime could not load the model: ${messageOf(err).split('\n')[0]}`);
    }
    try {
      const graph = checkGraph(file, session.inputNames, session.outputNames, session.inputMetadata, session.outputMetadata);
      const denoiser = new OnnxDenoiser(session, file, graph, graph.vocabSize ?? 0, maskId, provider, notice);
      await denoiser.warmUp(settings.maxLength);
      return denoiser;
    } catch (err) {
      await session.release().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Serves Denoiser.forwardTopK with these classes when the graph has a top-k head (returns
   * whether it does). The loader passes its draw rules' classes: one owner for what may be drawn.
   */
  useTopKHead(classes: TopKClasses): boolean {
    if (!this.graph.hasTopKHead) return false;
    this.topK = { classes, partialIds: BigInt64Array.from(classes.partialIds, (id) => BigInt(id)) };
    this.forwardTopK = (ids, batch, length, positions, k, temperature, t) => this.runTopK(ids, batch, length, positions, k, temperature, t);
    return true;
  }

  /** One small run: compiles kernels, and learns the vocabulary size when the graph leaves it symbolic. */
  private async warmUp(window = 8): Promise<void> {
    const length = Math.max(1, Math.min(8, window, this.graph.fixedLength ?? 8));
    const ids = new Int32Array(length).fill(this.maskId);
    let logits: Float32Array;
    try {
      logits = await this.forward(ids, 1, length, this.usesTime ? Float64Array.of(1) : undefined, true);
    } catch (err) {
      throw new InfillError(this.executionProvider === 'cpu' ? 'model-invalid' : 'runtime', `${this.file}: warm-up run failed: ${messageOf(err).split('\n')[0]}`);
    }
    const vocab = logits.length / length;
    if (!Number.isInteger(vocab) || vocab <= 0 || (this.vocabSize > 0 && vocab !== this.vocabSize)) {
      throw new InfillError('model-invalid', `${this.file}: logits have ${logits.length} values for ${length} tokens; expected [1, ${length}, vocab]`);
    }
    this.vocabSize = vocab;
    this.forwardMs = 0;
    this.forwardCalls = 0;
    this.runMs = 0;
  }

  async forward(ids: Int32Array, batch: number, length: number, t?: Float64Array, skipShapeCheck = false): Promise<Float32Array> {
    if (!this.graph.hasLogitPositions && !this.graph.fixedLength) {
      const logits = await this.run(ids, batch, length, undefined, t, skipShapeCheck);
      return this.shiftLogits ? shiftRows(logits, batch, length, logits.length / (batch * length)) : logits;
    }
    // A gathering graph still gives every position's logits when asked for all of them.
    if (this.allPositions.length !== length) this.allPositions = Int32Array.from({ length }, (_, l) => l);
    return this.run(ids, batch, length, this.rowsFor(this.allPositions), t, skipShapeCheck);
  }

  /** The model rows that give `positions`' logits: the same ones, or one earlier when shifted. */
  private rowsFor(positions: Int32Array): Int32Array {
    if (!this.shiftLogits) return positions;
    if (this.shiftedPositions.length !== positions.length) this.shiftedPositions = new Int32Array(positions.length);
    for (let i = 0; i < positions.length; i++) this.shiftedPositions[i] = Math.max(0, positions[i] - 1);
    return this.shiftedPositions;
  }

  /** The graph's feeds for one call (a fixed-length graph's input padded), and the canvas' length. */
  private feedsFor(ids: Int32Array, batch: number, length: number, positions: Int32Array | undefined, t?: Float64Array) {
    const fixed = this.graph.fixedLength;
    if (fixed !== undefined && length > fixed) {
      throw new InfillError('hole-too-long', `${this.file}: the graph takes exactly ${fixed} tokens; this canvas has ${length}`);
    }
    if (fixed !== undefined && length < fixed) {
      // A fixed-length graph: the canvas is padded on the right; only the canvas' rows are read.
      const padded = new Int32Array(batch * fixed).fill(this.padId);
      for (let b = 0; b < batch; b++) padded.set(ids.subarray(b * length, (b + 1) * length), b * fixed);
      ids = padded;
    }
    const canvas = length;
    if (fixed !== undefined) length = fixed;
    const shape = [batch, length];
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, (v) => BigInt(v)), shape),
    };
    if (this.graph.hasAttentionMask) feeds.attention_mask = new ort.Tensor('int64', this.ones(batch * length), shape);
    // BERT-style graphs: one segment, so every token type is 0.
    if (this.graph.hasTokenTypeIds) feeds.token_type_ids = new ort.Tensor('int64', this.zeros(batch * length), shape);
    if (this.graph.timeInput) {
      const time = new Float32Array(batch);
      for (let b = 0; b < batch; b++) time[b] = t ? t[Math.min(b, t.length - 1)] : 1;
      feeds[this.graph.timeInput] = new ort.Tensor('float32', time, [batch]);
    }
    const rows = positions ? positions.length : canvas;
    if (positions) {
      const at = new BigInt64Array(batch * rows);
      for (let b = 0; b < batch; b++) for (let p = 0; p < rows; p++) at[b * rows + p] = BigInt(positions[p]);
      feeds[LOGIT_POSITIONS_INPUT] = new ort.Tensor('int64', at, [batch, rows]);
    }
    // ONNX Runtime wants every input fed, even those only the top-k head's outputs need.
    if (this.graph.hasTopKHead) this.feedTopKHead(feeds, 1, 1);
    return { feeds, canvas, length, rows };
  }

  private feedTopKHead(feeds: Record<string, ort.Tensor>, k: number, temperature: number): void {
    const vocab = this.graph.vocabSize ?? this.vocabSize;
    const bias = this.topK?.classes.wholeBias ?? (this.neutralBias ??= new Float32Array(vocab));
    const partial = this.topK?.partialIds ?? new BigInt64Array(0);
    feeds[TOPK_HEAD.k] = new ort.Tensor('int64', BigInt64Array.of(BigInt(k)), [1]);
    feeds[TOPK_HEAD.temperature] = new ort.Tensor('float32', Float32Array.of(temperature), [1]);
    feeds[TOPK_HEAD.wholeBias] = new ort.Tensor('float32', bias, [bias.length]);
    feeds[TOPK_HEAD.partialIds] = new ort.Tensor('int64', partial, [partial.length]);
  }

  private async run(ids: Int32Array, batch: number, length: number, positions: Int32Array | undefined, t?: Float64Array, skipShapeCheck = false): Promise<Float32Array> {
    const session = this.session;
    if (!session) throw new InfillError('not-loaded', 'The model session was disposed');
    const started = performance.now();
    const call = this.feedsFor(ids, batch, length, positions, t);
    const runStarted = performance.now();
    const out = await session.run(call.feeds, ['logits']);
    this.runMs += performance.now() - runStarted;
    const logits = out.logits;
    let data = logits.data as Float32Array;
    if (!positions && call.canvas < call.length) data = firstRows(data, batch, call.length, call.canvas);
    if (!skipShapeCheck && (logits.type !== 'float32' || data.length !== batch * call.rows * this.vocabSize)) {
      throw new InfillError('runtime', `${this.file}: logits came back as ${logits.type} [${logits.dims.join(', ')}]; expected float32 [${batch}, ${call.rows}, ${this.vocabSize}]`);
    }
    this.forwardMs += performance.now() - started;
    this.forwardCalls++;
    return data;
  }

  /** The top-k head's outputs at `positions` (read one row earlier when shifted). */
  private async runTopK(ids: Int32Array, batch: number, length: number, positions: Int32Array, k: number, temperature: number, t?: Float64Array): Promise<TopKRows> {
    const session = this.session;
    const head = this.topK;
    if (!session) throw new InfillError('not-loaded', 'The model session was disposed');
    if (!head) throw new InfillError('runtime', `${this.file}: the top-k head has no token classes`);
    const started = performance.now();
    const call = this.feedsFor(ids, batch, length, this.rowsFor(positions), t);
    k = Math.max(1, Math.min(k, this.vocabSize));
    this.feedTopKHead(call.feeds, k, temperature);
    const runStarted = performance.now();
    const out = await session.run(call.feeds, TOPK_OUTPUTS);
    this.runMs += performance.now() - runStarted;
    const rows = batch * call.rows;
    const values = out[TOPK_HEAD.values].data as Float32Array;
    const tailLogMass = out[TOPK_HEAD.tailLogMass].data as Float32Array;
    const partial = out[TOPK_HEAD.partial].data as Float32Array;
    const ids64 = out[TOPK_HEAD.ids].data as BigInt64Array;
    if (values.length !== rows * k || ids64.length !== rows * k || tailLogMass.length !== rows || partial.length !== rows * head.partialIds.length) {
      throw new InfillError('runtime', `${this.file}: the top-k head returned [${out[TOPK_HEAD.values].dims.join(', ')}]; expected [${batch}, ${call.rows}, ${k}]`);
    }
    const topIds = Int32Array.from(ids64, (v) => Number(v));
    this.forwardMs += performance.now() - started;
    this.forwardCalls++;
    return { kind: 'topk', rows, k, values, ids: topIds, tailLogMass, temperature, partial, partialIds: head.classes.partialIds, wholeProbe: head.classes.wholeProbe };
  }

  private zeros(n: number): BigInt64Array {
    if (this.zerosCache.length !== n) this.zerosCache = new BigInt64Array(n);
    return this.zerosCache;
  }

  private ones(n: number): BigInt64Array {
    if (this.onesCache.length !== n) this.onesCache = new BigInt64Array(n).fill(1n);
    return this.onesCache;
  }

  async dispose(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await session?.release();
  }
}
