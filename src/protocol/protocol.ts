/**
 * The typed message protocol between the extension host (or the CLI) and the worker thread that
 * owns the model. Every request carries an `id`; every reply names the request it answers.
 *
 * host → worker: load, infill, cancel, dispose
 * worker → host: ready, frame (the drawn sample), done (every sample), error
 */
import type { SamplerOptions, Segment, TokenState } from '../core/types';

export type { Segment };

/** The execution provider settings (package.json's enum and the CLI's --provider are checked against it). */
export const EXECUTION_PROVIDERS = ['auto', 'cpu', 'cuda', 'dml', 'coreml'] as const;
export type ExecutionProviderSetting = (typeof EXECUTION_PROVIDERS)[number];

/** Most samples one request may draw in its batch. */
export const MAX_SAMPLES = 64;

export interface InfillRequest {
  /** Text and holes in document order. Context is cropped to the model's window around holes. */
  segments: Segment[];
  sampler: SamplerOptions;
  seed: number;
  /** Independent samples, drawn in one batched run. */
  samples: number;
  /** Refine strength: the fraction of an `initial` hole remasked at the start. */
  strength?: number;
  /** Cap on frame messages per second; the last frame is always sent. 0 = every frame. */
  maxFramesPerSecond: number;
  /**
   * How holes whose length the model picks (`upTo`) are sized: 'search' (default) scores a few
   * candidate lengths first (src/core/lengthSearch.ts); 'bound' samples them at their bound. Either
   * way a hole's text ends at the first end token.
   */
  holeLength?: 'search' | 'bound';
  /**
   * Generate on an instruct model (ModelInfo `chat`): the worker renders the model's chat template
   * around this user message before the segments, which then hold only the answer's hole.
   */
  instruction?: string;
}

/** The lengths a length search scored for one hole, and the one it kept. */
export interface HoleLengthReport {
  /** Index of the hole among the request's holes. */
  hole: number;
  chosen: number;
  tried: { length: number; score: number }[];
  /** When a few first scores were close: those lengths sampled once each, scored by how well the sample fits. */
  drafted?: { length: number; score: number }[];
}

/** The largest context bias (LoadMessage `contextBias`): beyond it the model's own prediction hardly counts. */
export const MAX_CONTEXT_BIAS = 20;

/** A context bias the runtime takes: a number from 0 to MAX_CONTEXT_BIAS (config.json, settings, flags). */
export function isContextBias(v: unknown): v is number {
  return typeof v === 'number' && v >= 0 && v <= MAX_CONTEXT_BIAS;
}

/** How each caller of isContextBias words a value it rejects, after naming where the value came from. */
export const CONTEXT_BIAS_RANGE = `must be a number from 0 to ${MAX_CONTEXT_BIAS}`;

/** Sent by the host: load (or replace) the model. Answered by `ready` or `error`. */
export interface LoadMessage {
  type: 'load';
  id: number;
  modelDir: string;
  executionProvider: ExecutionProviderSetting;
  /** Prefer `onnx/model_quantized.onnx` when present. */
  quantized: boolean;
  /** Intra-op threads (0 = the runtime's default). */
  threads: number;
  /** What the context's tokens add to their logits while sampling; absent: the model folder's own (config.json), 0: none. */
  contextBias?: number;
}

/** What loading a model takes (the load message without its envelope). */
export type LoadSettings = Omit<LoadMessage, 'type' | 'id'>;

/** Sent by the host: run one request. Answered by `frame`s, then `done` or `error`. */
export interface InfillMessage {
  type: 'infill';
  id: number;
  request: InfillRequest;
}

/** Sent by the host: stop request `id` before its next model call. Answered by its `error` with code `cancelled`. */
export interface CancelMessage {
  type: 'cancel';
  id: number;
}

/** Sent by the host: release the session; the worker exits afterwards. */
export interface DisposeMessage {
  type: 'dispose';
  id: number;
}

/**
 * Sent by the host: end the worker thread abruptly, as a crash would (no reply; the host sees the
 * thread exit). It exits at once when idle, or right before its next model call when a run is in
 * progress: ending a thread while onnxruntime-node is inside a native call (`Worker.terminate()`)
 * aborts the whole process. For restarts and tests.
 */
export interface ExitMessage {
  type: 'exit';
  id: number;
}

export type HostToWorker = LoadMessage | InfillMessage | CancelMessage | DisposeMessage | ExitMessage;

/** What was loaded, for the status bar and the log. */
export interface ModelInfo {
  name: string;
  modelDir: string;
  onnxFile: string;
  vocabSize: number;
  maskId: number;
  /** Ids that end a hole's text (EOS, pad, end-of-turn; src/worker/endTokens.ts). */
  endTokenIds: number[];
  maxLength: number;
  /** Row p-1 of the logits is position p's (config.json `shift_logits`); position 0 is never generated. */
  shiftLogits?: true;
  /** Put before a hole that starts a shifted model's canvas. */
  bosId?: number;
  usesTime: boolean;
  /** The tokenizer has a chat template: Generate takes an instruction (InfillRequest `instruction`). */
  chat?: true;
  /** The execution provider actually in use, e.g. 'cpu', 'cuda'. */
  executionProvider: string;
  /** Why a requested provider was not used (fallback to CPU), if it was not. */
  providerNotice?: string;
  loadMs: number;
  /** The graph ranks the tokens itself (a top-k head): the sampler reads k tokens a row, not the vocabulary. */
  topKHead?: true;
  /** What the context's tokens add to their logits while sampling (src/core/contextBias.ts), when anything. */
  contextBias?: number;
}

/** Sent by the worker: the model answering `load` is ready. */
export interface ReadyMessage {
  type: 'ready';
  id: number;
  model: ModelInfo;
}

/** One token as drawn in the editor: whole characters only (never half a UTF-8 sequence). */
export interface TokenView {
  text: string;
  state: TokenState;
  confidence: number;
}

/** One sample of a finished run: each hole's text, and its fit when the run ranked its samples. */
export interface SampleTexts {
  holes: string[];
  fit?: number;
}

/** The samples by fit, best first; those without one after those with one (a tie, or no fits, keeps their order). */
export function bestFirst<S extends SampleTexts>(samples: readonly S[]): S[] {
  return samples.map((s, i) => ({ s, i })).sort((a, b) => (b.s.fit ?? -Infinity) - (a.s.fit ?? -Infinity) || a.i - b.i).map(({ s }) => s);
}

/** Each hole's text as drawn: its views joined (masked views are empty). */
export function holeTexts(holes: readonly (readonly TokenView[])[]): string[] {
  return holes.map((views) => views.map((v) => v.text).join(''));
}

/**
 * Sent by the worker: one step of request `id` (throttled; the last one is always sent). It carries
 * what is drawn, the first sample; every sample's text comes once, in `done`.
 */
export interface FrameMessage {
  type: 'frame';
  id: number;
  step: number;
  totalSteps: number;
  /**
   * [hole] → tokens of that hole in the first sample. A masked position is a view of its own with
   * text '' (the editor draws its own placeholder); tokens that share one UTF-8 character form one view.
   */
  holes: TokenView[][];
  /** The length search's choices, when holes were sized by one (the same on every frame of a run). */
  lengths?: HoleLengthReport[];
  /** When the worker posted it: ms since the epoch (performance.timeOrigin + performance.now()), to measure messaging latency. */
  sentAt?: number;
}

export interface Timings {
  /** Milliseconds in total spent in each part of the run. */
  forwardMs: number;
  samplerMs: number;
  messagingMs: number;
  totalMs: number;
  firstFrameMs: number;
  /** Of totalMs, the length search (its model calls included); 0 when no hole was sized. */
  lengthSearchMs?: number;
  /** Of forwardMs, the time inside ONNX Runtime's session.run (the rest is feeding and fetching). */
  modelMs?: number;
  /** Of totalMs, ranking the samples by fit (its model calls included); absent when not ranked. */
  rankingMs?: number;
}

/** The worker's memory when a run finished (bytes). rss and maxRss are the whole process's. */
export interface WorkerMemory {
  /** This thread's V8 heap in use. */
  heapUsed: number;
  /** ArrayBuffers this thread holds (logits, frames). */
  arrayBuffers: number;
  rss: number;
  /** Peak resident set of the process so far (host and worker share one process). */
  maxRss: number;
}

/** Sent by the worker: request `id` finished. Sample 0's texts equal what the last frame showed. */
export interface DoneMessage {
  type: 'done';
  id: number;
  /**
   * [sample] → each hole's text, in order: every sample, the only place the others are sent. With
   * several samples, each has its `fit`: how well the model finds it fits (pseudo-log-likelihood,
   * higher is better; src/worker/rankSamples.ts). bestFirst orders them by it.
   */
  samples: SampleTexts[];
  steps: number;
  /** Model calls, the length search's included. */
  forwardCalls: number;
  /** With a top-k head: the calls repeated for full rows where its rows did not determine a draw. */
  fullRowRetries?: number;
  /** The length search's choices, when holes were sized by one. */
  lengths?: HoleLengthReport[];
  timings: Timings;
  memory?: WorkerMemory;
}

export type ErrorCode =
  | 'cancelled'
  | 'model-missing'
  | 'model-invalid'
  | 'tokenizer-mismatch'
  | 'bad-request'
  | 'hole-too-long'
  | 'runtime'
  | 'not-loaded'
  | 'worker-crashed';

/** Sent by the worker: request `id` failed (or was cancelled). Always sent, never thrown away. */
export interface ErrorMessage {
  type: 'error';
  id: number;
  code: ErrorCode;
  message: string;
  stack?: string;
}

export type WorkerToHost = ReadyMessage | FrameMessage | DoneMessage | ErrorMessage;
