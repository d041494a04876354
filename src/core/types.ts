/**
 * The engine's public vocabulary. Everything in src/core is pure TypeScript over typed arrays:
 * no `vscode`, no ONNX Runtime, no worker threads.
 */

import type { DrawConstraint } from './drawRules';
import type { TopKRows } from './topkRows';

/** The model behind the sampler: a bidirectional denoiser over token ids. */
export interface Denoiser {
  readonly vocabSize: number;
  /**
   * Optional: ids at or above this are padding rows of the output layer (the logits are wider
   * than the tokenizer), never drawn. Default: all of `vocabSize`.
   */
  readonly drawableVocabSize?: number;
  readonly maskId: number;
  /** Whether the model is conditioned on the time step (then it is passed each call's t). */
  readonly usesTime: boolean;
  /**
   * Logits for a batch of sequences.
   * @param ids row-major [batch, length]
   * @param t the current time per row, only passed to models with `usesTime`
   * @returns row-major [batch, length, vocab] logits (float32)
   */
  forward(ids: Int32Array, batch: number, length: number, t?: Float64Array): Promise<Float32Array>;
  /**
   * Optional: logits only at `positions` (the same ones for every row), row-major
   * [batch, positions.length, vocab]. Under SUBS only masked positions read the logits, so a model
   * that can gather before its output projection skips most of the head and of the copy out.
   */
  forwardAt?(ids: Int32Array, batch: number, length: number, positions: Int32Array, t?: Float64Array): Promise<Float32Array>;
  /**
   * Optional (a graph with a top-k head, for large vocabularies): logits at `positions` in the
   * top-k form (topkRows.ts), the k largest whole-character tokens per row and the log-mass of
   * the rest at `temperature`, so the sampler never reads a full row where that form suffices.
   * A denoiser with it also has forwardAt (full rows where the top-k form does not suffice).
   */
  forwardTopK?(ids: Int32Array, batch: number, length: number, positions: Int32Array, k: number, temperature: number, t?: Float64Array): Promise<TopKRows>;
}

/** A random source in [0, 1) with float64 resolution; always passed in, never global. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
}

export type ScheduleName = 'loglinear' | 'cosine';

/** Stochastic samplers: one shared posterior, they differ only in how sigma is chosen. */
export type RemaskingStrategyName =
  | 'mdlm'
  | 'remdm-cap'
  | 'remdm-rescale'
  | 'remdm-conf'
  | 'remdm-loop'
  | 'forward-backward'
  | 'dfm';

/** Deterministic decoders: LLaDA-class confidence decoding, and a beam search over orders (beam.ts). */
export type DecoderStrategyName = 'topk-confidence' | 'confidence-threshold' | 'beam';

export type StrategyName = RemaskingStrategyName | DecoderStrategyName;

export interface SamplerOptions {
  strategy: StrategyName;
  /** Number of denoising steps T (>= 1). */
  steps: number;
  schedule?: ScheduleName;
  /** ReMDM's eta: cap/rescale factor, loop-phase sigma (0..1). */
  eta?: number;
  /** remdm-loop: loop phase runs for t in [tOff, tOn]; alpha is held at alphaOn there. */
  tOn?: number;
  tOff?: number;
  alphaOn?: number;
  /** Logit temperature (> 0). */
  temperature?: number;
  /** Nucleus mass in (0, 1]. */
  topP?: number;
  /** Keep the k most likely tokens (0 = off). */
  topK?: number;
  /** confidence-threshold: commit every masked token whose confidence exceeds this (0..1). */
  threshold?: number;
  /** Semi-autoregressive blocks for topk-confidence and confidence-threshold (0 = one block; the beam has none). */
  blockLength?: number;
}

/** What one run is asked to generate. */
export interface SampleInput {
  /** Initial ids for one row, [length]; positions to generate hold the mask id. */
  ids: Int32Array;
  /** 1 where the position may change, 0 for frozen context. */
  editable: Uint8Array;
  /** Independent samples drawn in one batch (>= 1). */
  batch: number;
  /** Which tokens each hole position may draw (whole characters, no special tokens); absent: any. */
  constraint?: DrawConstraint;
  /**
   * Models with expand and delete tokens (DreamOn): holes change length as they are denoised
   * (src/core/expandDelete.ts). This rule replaces the strategy's step; `steps`, temperature, top-k
   * and top-p still apply. Absent: every hole keeps its length.
   */
  resize?: ResizeRule;
}

/** A hole's token range in a row. */
export interface HoleSpan {
  start: number;
  length: number;
  /** Text before the hole that its first token begins with and its text leaves out (overlap.ts). */
  overlap?: string;
}

/** How holes grow and shrink under expand/delete (SampleInput `resize`). */
export interface ResizeRule {
  expandId: number;
  deleteId: number;
  /**
   * Every hole of the input, in order; every editable position is in one. A hole with a `bound`
   * resizes up to it; one without keeps its length (expand is never drawn there and delete is an
   * ordinary token). `budget`: expands allowed in the hole (default twice the bound, DreamOn's default).
   */
  holes: (HoleSpan & { bound?: number; budget?: number })[];
  /** Longest canvas the model takes: no expand past it. */
  window: number;
  /**
   * Which masked positions commit first: DreamOn's 'entropy' (default: lowest entropy of p_x0),
   * 'probability' of the drawn token (its maskgit_plus), or the top-two 'margin'.
   */
  order?: 'entropy' | 'probability' | 'margin';
  /** @internal Testing hook: the masks an expand becomes (DreamOn: 2), to show a wrong rule is caught. */
  expandsTo?: number;
}

/** Per-position state in a frame. */
export enum TokenState {
  /** Context, or a token decoded in an earlier step that still stands. */
  Settled = 0,
  Masked = 1,
  /** Decoded in this step. */
  Decoded = 2,
  /** Was a token, turned back into a mask in this step. */
  Remasked = 3,
}

/** What each step yields: enough for the editor to draw it. Arrays are [batch, length]. */
export interface Frame {
  /** 1-based step index; the final noise-removal step is `totalSteps`. */
  step: number;
  totalSteps: number;
  /** Diffusion time after this step (1 = all masked, 0 = clean). */
  t: number;
  batch: number;
  length: number;
  ids: Int32Array;
  state: Uint8Array;
  /** Probability the model gave the current token when it was decoded (0 for masked / context). */
  confidence: Float32Array;
  /** Whether the model was called for this step (false when no position needed p_x0). */
  modelCalled: boolean;
  /**
   * Runs that resize holes (SampleInput `resize`) only: rows differ in length, each padded to
   * `length`; row b is `rowLengths[b]` long and its holes are `holes[b]` now (the input's holes
   * grown and shrunk), so a preview draws a hole growing and shrinking.
   */
  rowLengths?: Int32Array;
  holes?: HoleSpan[][];
}

/** A piece of the text the model sees: literal context, or a hole to fill. */
export type Segment =
  | {
      kind: 'text';
      text: string;
      /**
       * Markup (a chat template's own text): spellings of special tokens in it are those tokens.
       * Never set on the user's text, where "<|im_end|>" stays characters.
       */
      markup?: true;
    }
  | {
      kind: 'hole';
      /** Tokens to generate: exactly this many, or at most this many when `upTo`. */
      length: number;
      /**
       * The model picks the length, up to `length`: the runtime may size the hole first (length
       * search) and the text ends at the first end token. Absent: exactly `length` positions.
       */
      upTo?: boolean;
      /**
       * Refine: the hole starts from this text instead of all masks; `strength` (0..1] of its
       * tokens are remasked at the start and the remasking sampler re-denoises the hole.
       */
      initial?: string;
      /**
       * Text just before the hole that the hole's first token must begin with (set by moveOverlaps,
       * never by a parser): it stays in the document and is not part of the hole's text.
       */
      overlap?: string;
    };
