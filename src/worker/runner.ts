/**
 * Runs one InfillRequest on a loaded model: plan the spans, seed refine holes, run core's sampler,
 * and stream throttled frames of the first sample. `done` has every sample's texts, sample 0's
 * exactly what the last frame showed.
 */
import { requestSegments } from './chat';
import { createRng, DrawConstraint, moveOverlaps, planSpans, rowsAreRankedCandidates, sample, type Denoiser, type DrawRules, type Frame, type Rng, type SampleResult, type Segment, type SpanPlan } from '../core';
import { InfillError } from '../protocol/errors';
import { planWithinMemory } from './batchMemory';
import { withInjectedFault } from './faults';
import { FramePoster, sampleHoles, sampleTexts } from './frames';
import type { Planner } from './holeWindow';
import { searchHoleLengths, type LengthSearchRun } from './lengthSearch';
import { MemoTokenizer } from './memoTokenizer';
import { rankResizedSamples, rankSamples } from './rankSamples';
import { resizableHoles, startResizing } from './resizeHoles';
import type { LoadedModel } from './model';
import { MAX_SAMPLES, type DoneMessage, type FrameMessage, type InfillRequest, type WorkerMemory } from '../protocol/protocol';

export { MAX_SAMPLES };
/** Refine strength when a request has `initial` holes but names none. */
export const DEFAULT_REFINE_STRENGTH = 0.5;
export interface RunControl {
  isCancelled(): boolean;
  postFrame(message: FrameMessage): void;
  /** Ends the thread (only the test-only fault injection in faults.ts uses it). */
  exitThread?: () => void;
}

/** Wall-clock milliseconds since the epoch with sub-millisecond resolution, comparable across threads. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

function workerMemory(): WorkerMemory {
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, rss: m.rss, maxRss: process.resourceUsage().maxRSS * 1024 };
}

function checkRequest(request: InfillRequest): void {
  const bad = (what: string) => {
    throw new InfillError('bad-request', what);
  };
  // Said in the user's words: these reach the CLI's and the editor's messages.
  if (!request || !Array.isArray(request.segments)) bad('the text to fill is missing');
  if (!Number.isInteger(request.samples) || request.samples < 1 || request.samples > MAX_SAMPLES) {
    bad(`samples: expected a whole number from 1 to ${MAX_SAMPLES}, got ${request.samples}`);
  }
  if (!Number.isSafeInteger(request.seed)) bad(`seed: expected a whole number below 2^53, got ${request.seed}`);
  if (!(request.maxFramesPerSecond >= 0)) bad(`frames per second: expected a number >= 0, got ${request.maxFramesPerSecond}`);
  if (request.strength !== undefined && !(request.strength > 0 && request.strength <= 1)) bad(`refine strength: expected a number in (0, 1], got ${request.strength}`);
  if (request.holeLength !== undefined && request.holeLength !== 'search' && request.holeLength !== 'bound') bad("the hole length mode must be 'search' or 'bound'");
  if (!request.segments.some((s) => s.kind === 'hole')) bad('the request has no holes to fill');
}

/** Remasks `strength` of each refine hole's tokens, chosen with the run's RNG. Returns the start time. */
function seedRefineHoles(plan: SpanPlan, refineHoles: boolean[], maskId: number, strength: number, rng: Rng): number | undefined {
  if (!refineHoles.some(Boolean)) return undefined;
  plan.holes.forEach((hole, h) => {
    if (!refineHoles[h]) return;
    const positions: number[] = [];
    for (let i = hole.start; i < hole.start + hole.length; i++) if (plan.ids[i] !== maskId) positions.push(i);
    const count = Math.min(positions.length, Math.max(1, Math.round(strength * positions.length)));
    // Partial Fisher-Yates: the first `count` entries become a uniform random subset.
    for (let k = 0; k < count; k++) {
      const j = k + Math.floor(rng.next() * (positions.length - k));
      [positions[k], positions[j]] = [positions[j], positions[k]];
      plan.ids[positions[k]] = maskId;
    }
  });
  return strength;
}

/**
 * A bound the model may stop short of (`upTo`) asks for at most the window; an exact length longer
 * than the window is left for planSpans to refuse as hole-too-long, naming the window.
 */
function boundsCappedAt(segments: Segment[], window: number): Segment[] {
  return segments.map((s) => (s.kind === 'hole' && s.upTo && s.length > window ? { ...s, length: Math.max(1, window) } : s));
}

/** Puts the tokenizer's own sequence specials (e.g. [CLS] … [SEP]) around the plan, frozen. */
function withSequenceSpecials(plan: SpanPlan, prefix: number[], suffix: number[]): SpanPlan {
  if (prefix.length === 0 && suffix.length === 0) return plan;
  const ids = Int32Array.from([...prefix, ...plan.ids, ...suffix]);
  const editable = new Uint8Array(ids.length);
  editable.set(plan.editable, prefix.length);
  const holes = plan.holes.map((h) => ({ ...h, start: h.start + prefix.length }));
  return { ids, editable, holes, cropped: plan.cropped };
}

/**
 * Lays segments out as the model reads them. The one owner of "how many tokens fit": `window`, the
 * model's less what the worker puts around the text (`reserved`: the tokenizer's specials, a
 * shifted model's lead).
 */
function makePlanner(model: LoadedModel, encoder: MemoTokenizer): { window: number; reserved: number; planFor: Planner } {
  const { tokenizer, info } = model;
  // A shifted model predicts position p from row p-1: a hole at position 0 gets a token before it.
  const lead = info.shiftLogits ? [info.bosId ?? info.endTokenIds[0] ?? info.maskId] : [];
  const reserved = tokenizer.sequencePrefix.length + tokenizer.sequenceSuffix.length + lead.length;
  const window = info.maxLength - reserved;
  const planFor: Planner = (segments, asked = window) => {
    const textWindow = Math.min(asked, window);
    // A refine hole starts from its own text, whichever holes the segments hold (the length search plans a few near one hole).
    const initialHoleIds = segments.flatMap((s) => (s.kind === 'hole' ? [s.initial !== undefined ? encoder.encode(s.initial) : undefined] : []));
    const planned = withSequenceSpecials(planSpans(segments, encoder, info.maskId, textWindow, { initialHoleIds }), tokenizer.sequencePrefix, tokenizer.sequenceSuffix);
    return lead.length > 0 && planned.editable[0] ? withSequenceSpecials(planned, lead, []) : planned;
  };
  return { window, reserved, planFor };
}

interface SizedHoles {
  segments: Segment[];
  search?: LengthSearchRun;
  lengthSearchMs: number;
}

/**
 * Gives each `upTo` hole its length by a length search first, unless the request samples at the
 * bound or the model sizes holes itself (expand/delete: `resizes`).
 */
async function sizeHoles(segments: Segment[], planFor: Planner, denoiser: Denoiser, rules: DrawRules, request: InfillRequest, control: RunControl, resizes: boolean): Promise<SizedHoles> {
  if (request.holeLength === 'bound' || resizes || !segments.some((s) => s.kind === 'hole' && s.upTo && s.initial === undefined)) return { segments, lengthSearchMs: 0 };
  const started = performance.now();
  planFor(segments); // a request too long for the window fails here, before any model call
  const search = await searchHoleLengths(segments, planFor, denoiser, () => control.isCancelled(), { rules, drafts: { sampler: request.sampler, seed: request.seed } });
  return { segments: search.segments, search, lengthSearchMs: performance.now() - started };
}

/** Runs the sampler to the end, offering every frame to `poster`. */
async function drain(generator: AsyncGenerator<Frame, SampleResult, void>, poster: FramePoster): Promise<SampleResult> {
  let step = await generator.next();
  while (!step.done) {
    poster.offer(step.value);
    step = await generator.next();
  }
  poster.flush();
  return step.value;
}

export async function runInfill(model: LoadedModel, id: number, request: InfillRequest, control: RunControl): Promise<DoneMessage> {
  const started = performance.now();
  const runMsBefore = model.denoiser.runMs;
  checkRequest(request);
  const { tokenizer, info } = model;
  const denoiser = withInjectedFault(model.denoiser, control.exitThread ?? (() => process.exit(1)));
  // Expand/delete sizes `upTo` holes while sampling (src/worker/resizeHoles.ts); sampling at the bound keeps them whole.
  const resizes = model.resizeTokens !== undefined && request.holeLength !== 'bound';
  // The length search plans the same text once per candidate length: tokenize it once.
  const encoder = new MemoTokenizer(tokenizer);
  // A hole takes in the blank its first word would take (core/overlap.ts); holes that resize keep the text as it is.
  const laid = requestSegments(request, model.chat, info.name);
  const segments = resizes ? laid : moveOverlaps(laid, encoder);
  const { window, reserved, planFor } = makePlanner(model, encoder);
  const sized = await sizeHoles(boundsCappedAt(segments, window), planFor, denoiser, model.drawRules, request, control, resizes);
  const { search } = sized;
  const lengths = search?.choices.map(({ hole, chosen, tried, drafted }) => ({ hole, chosen, tried, ...(drafted ? { drafted } : {}) }));
  const gathers = model.denoiser.forwardAt !== undefined;
  const planned = planWithinMemory((modelWindow) => planFor(sized.segments, modelWindow - reserved), { window: info.maxLength, reserved, samples: request.samples, vocab: info.vocabSize, gathers });
  const resizable = resizes ? resizableHoles(sized.segments) : [];
  const resizing = resizable.some(Boolean) ? startResizing(planned, resizable, model.resizeTokens!) : undefined;
  const plan = resizing?.plan ?? planned;
  const rng = createRng(request.seed);
  const startTime = seedRefineHoles(plan, segments.filter((s) => s.kind === 'hole').map((s) => s.initial !== undefined), info.maskId, request.strength ?? DEFAULT_REFINE_STRENGTH, rng);

  const endIds = new Set(info.endTokenIds);
  const message = (frame: Frame): FrameMessage => {
    const holes = sampleHoles(frame, 0, plan.holes, info.maskId, tokenizer, endIds);
    return { type: 'frame', id, step: frame.step, totalSteps: frame.totalSteps, holes, ...(lengths ? { lengths } : {}), sentAt: epochMs() };
  };
  const poster = new FramePoster(message, (m) => control.postFrame(m), request.maxFramesPerSecond, started);
  const constraint = new DrawConstraint(model.drawRules, plan.holes, plan.ids.length, info.maskId);
  const input = { ids: plan.ids, editable: plan.editable, batch: request.samples, constraint, ...(resizing ? { resize: resizing.rule } : {}) };
  const sampleControl = { isCancelled: () => control.isCancelled(), ...(startTime !== undefined ? { startTime } : {}) };
  // The context bias shapes what is sampled; the length search and the ranking judge by the model's own logits.
  const sampling = model.contextBias?.over(denoiser) ?? denoiser;
  const result = await drain(sample(sampling, input, request.sampler, rng, sampleControl), poster);
  if (!poster.lastShown) throw new InfillError('runtime', 'the sampler produced no frames');
  const ranked = performance.now();
  // Rows that resized (drawn by expand/delete whatever the strategy) are read one by one, each at its
  // own lengths; rows a search ranked already are not ranked again.
  const cancelled = () => control.isCancelled();
  const ranking =
    request.samples < 2
      ? undefined
      : resizing
        ? await rankResizedSamples(poster.lastShown, sized.segments, planFor, denoiser, cancelled)
        : rowsAreRankedCandidates(request.sampler.strategy)
          ? undefined
          : await rankSamples(poster.lastShown, plan.holes, sized.segments, planFor, denoiser, cancelled);
  const texts = sampleTexts(poster.lastShown, plan.holes, info.maskId, tokenizer, endIds);
  return {
    type: 'done',
    id,
    samples: ranking ? texts.map((t, b) => ({ ...t, fit: ranking.fits[b] })) : texts,
    steps: result.steps,
    forwardCalls: result.forwardCalls + (search?.forwardCalls ?? 0) + (ranking?.forwardCalls ?? 0),
    ...(info.topKHead ? { fullRowRetries: result.fullRowRetries } : {}),
    ...(lengths ? { lengths } : {}),
    timings: {
      forwardMs: result.forwardMs + (search?.forwardMs ?? 0) + (ranking?.forwardMs ?? 0),
      lengthSearchMs: sized.lengthSearchMs,
      ...(ranking ? { rankingMs: performance.now() - ranked } : {}),
      samplerMs: result.samplerMs,
      messagingMs: poster.messagingMs,
      totalMs: performance.now() - started,
      firstFrameMs: poster.firstFrameMs,
      modelMs: model.denoiser.runMs - runMsBefore,
    },
    memory: workerMemory(),
  };
}
