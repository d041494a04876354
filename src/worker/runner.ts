/**
 * Runs one InfillRequest on a loaded model: plan the spans, seed refine holes, run core's sampler,
 * and stream throttled frames of the first sample. `done` has every sample's texts, sample 0's
 * exactly what the last frame showed.
 */
import { requestSegments } from './chat';
import { createRng, planSpans, sample, type Frame, type Rng, type Segment, type SpanPlan } from '../core';
import { InfillError } from '../protocol/errors';
import { planWithinMemory } from './batchMemory';
import { withInjectedFault } from './faults';
import { FrameThrottle, sampleHoles, sampleTexts } from './frames';
import { searchHoleLengths, type LengthSearchRun } from './lengthSearch';
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
  const holes = plan.holes.map((h) => ({ start: h.start + prefix.length, length: h.length }));
  return { ids, editable, holes, cropped: plan.cropped };
}

export async function runInfill(model: LoadedModel, id: number, request: InfillRequest, control: RunControl): Promise<DoneMessage> {
  const started = performance.now();
  const runMsBefore = model.denoiser.runMs;
  checkRequest(request);
  const { tokenizer, info } = model;
  const denoiser = withInjectedFault(model.denoiser, control.exitThread ?? (() => process.exit(1)));
  const holeSegments = request.segments.filter((s) => s.kind === 'hole');
  const initialHoleIds = holeSegments.map((s) => (s.initial !== undefined ? tokenizer.encode(s.initial) : undefined));
  // A shifted model predicts position p from row p-1: a hole at position 0 gets a token before it.
  const lead = info.shiftLogits ? [info.bosId ?? info.endTokenIds[0] ?? info.maskId] : [];
  const reserved = tokenizer.sequencePrefix.length + tokenizer.sequenceSuffix.length + lead.length;
  // The one owner of "how many tokens fit": the model's window less what the worker puts around the text.
  const window = info.maxLength - reserved;
  const planFor = (segments: Segment[], modelWindow = info.maxLength) => {
    const planned = withSequenceSpecials(planSpans(segments, tokenizer, info.maskId, modelWindow - reserved, { initialHoleIds }), tokenizer.sequencePrefix, tokenizer.sequenceSuffix);
    return lead.length > 0 && planned.editable[0] ? withSequenceSpecials(planned, lead, []) : planned;
  };
  let segments = boundsCappedAt(requestSegments(request, model.chat, info.name), window);
  let search: LengthSearchRun | undefined;
  const searchStarted = performance.now();
  if (request.holeLength !== 'bound' && segments.some((s) => s.kind === 'hole' && s.upTo && s.initial === undefined)) {
    planFor(segments); // a request too long for the window fails here, before any model call
    search = await searchHoleLengths(segments, planFor, denoiser, () => control.isCancelled());
    segments = search.segments;
  }
  const lengthSearchMs = search ? performance.now() - searchStarted : 0;
  const lengths = search?.choices.map(({ hole, chosen, tried }) => ({ hole, chosen, tried }));
  const gathers = model.denoiser.forwardAt !== undefined;
  const plan = planWithinMemory((window) => planFor(segments, window), { window: info.maxLength, reserved, samples: request.samples, vocab: info.vocabSize, gathers });
  const rng = createRng(request.seed);
  const strength = request.strength ?? DEFAULT_REFINE_STRENGTH;
  const startTime = seedRefineHoles(plan, initialHoleIds.map((ids) => ids !== undefined), info.maskId, strength, rng);

  const endIds = new Set(info.endTokenIds);
  const throttle = new FrameThrottle(request.maxFramesPerSecond);
  let messagingMs = 0;
  let firstFrameMs = 0;
  let lastShown: Frame | undefined;
  let pending: Frame | undefined;
  const post = (frame: Frame) => {
    const t0 = performance.now();
    const holes = sampleHoles(frame, 0, plan.holes, info.maskId, tokenizer, endIds);
    control.postFrame({ type: 'frame', id, step: frame.step, totalSteps: frame.totalSteps, holes, ...(lengths ? { lengths } : {}), sentAt: epochMs() });
    lastShown = frame;
    pending = undefined;
    const t1 = performance.now();
    messagingMs += t1 - t0;
    if (firstFrameMs === 0) firstFrameMs = t1 - started;
  };

  const generator = sample(
    denoiser,
    { ids: plan.ids, editable: plan.editable, batch: request.samples },
    request.sampler,
    rng,
    { isCancelled: () => control.isCancelled(), ...(startTime !== undefined ? { startTime } : {}) },
  );
  let step = await generator.next();
  while (!step.done) {
    const frame = step.value;
    if (frame.step >= frame.totalSteps || throttle.shouldSend()) post(frame);
    else pending = frame; // core's frames own their arrays, so holding one is safe
    step = await generator.next();
  }
  if (pending) post(pending);
  const result = step.value;
  if (!lastShown) throw new InfillError('runtime', 'the sampler produced no frames');
  return {
    type: 'done',
    id,
    samples: sampleTexts(lastShown, plan.holes, info.maskId, tokenizer, endIds),
    steps: result.steps,
    forwardCalls: result.forwardCalls + (search?.forwardCalls ?? 0),
    ...(lengths ? { lengths } : {}),
    timings: {
      forwardMs: result.forwardMs + (search?.forwardMs ?? 0),
      lengthSearchMs,
      samplerMs: result.samplerMs,
      messagingMs,
      totalMs: performance.now() - started,
      firstFrameMs,
      modelMs: model.denoiser.runMs - runMsBefore,
    },
    memory: workerMemory(),
  };
}
