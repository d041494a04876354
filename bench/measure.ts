/** Runs one bench case through the real worker thread and splits its time per step. */
import type { SamplerOptions } from '../src/core/types';
import type { WorkerClient } from '../src/host/client';
import type { DoneMessage, FrameMessage } from '../src/protocol/protocol';
import type { GridCase } from './args';
import type { Workload } from './workload';

export interface CaseResult extends GridCase {
  /** Tokens the model saw. */
  length: number;
  samples: number;
  steps: number;
  forwardCalls: number;
  /** Per step, ms: the worker's whole step, and its parts. */
  stepMs: number;
  modelMs: number;
  /** Feeding ids in and taking logits out around session.run (int64 conversion, tensor wrapping). */
  feedMs: number;
  samplerMs: number;
  /** Building frame pieces (detokenising) and posting them, per step. */
  frameMs: number;
  /** Everything else in the worker (planning the spans, awaiting, generator overhead). */
  otherMs: number;
  /** Mean worker → host delivery time of a frame message (sentAt to receipt). */
  deliveryMs: number;
  framesReceived: number;
  /** Worker step time over the model's own forward time. */
  stepOverForward: number;
  /** Host: from sending the request to the first frame. */
  firstFrameMs: number;
  /** Host: from sending the request to `done`. */
  wallMs: number;
  tokensPerSecond: number;
  workerHeapMB: number;
  workerArrayBuffersMB: number;
  processMaxRssMB: number;
}

const MB = 1024 * 1024;

export const BENCH_SAMPLER: Partial<SamplerOptions> = { eta: 0.02, tOn: 0.55, tOff: 0.05, alphaOn: 0.9, topP: 0.9, temperature: 1 };

export async function runCase(client: WorkerClient, c: GridCase, work: Workload, samples: number, seed: number, fps: number): Promise<CaseResult> {
  const sampler = { ...BENCH_SAMPLER, strategy: c.strategy, steps: c.steps } as SamplerOptions;
  let framesReceived = 0;
  let deliveryTotal = 0;
  let firstFrameMs = 0;
  const started = performance.now();
  const onFrame = (frame: FrameMessage) => {
    const now = performance.now();
    if (framesReceived === 0) firstFrameMs = now - started;
    framesReceived++;
    if (frame.sentAt !== undefined) deliveryTotal += performance.timeOrigin + now - frame.sentAt;
  };
  const done: DoneMessage = await client.infill({ segments: work.segments, sampler, seed, samples, maxFramesPerSecond: fps }, onFrame).result;
  const wallMs = performance.now() - started;
  const t = done.timings;
  const steps = done.steps;
  const modelTotal = t.modelMs ?? t.forwardMs;
  const per = (ms: number) => ms / steps;
  const other = t.totalMs - t.forwardMs - t.samplerMs - t.messagingMs;
  return {
    ...c,
    length: work.length,
    samples,
    steps,
    forwardCalls: done.forwardCalls,
    stepMs: per(t.totalMs),
    modelMs: per(modelTotal),
    feedMs: per(t.forwardMs - modelTotal),
    samplerMs: per(t.samplerMs),
    frameMs: per(t.messagingMs),
    otherMs: per(other),
    deliveryMs: framesReceived > 0 ? deliveryTotal / framesReceived : 0,
    framesReceived,
    stepOverForward: modelTotal > 0 ? t.totalMs / modelTotal : 0,
    firstFrameMs,
    wallMs,
    tokensPerSecond: (c.hole * samples) / (wallMs / 1000),
    workerHeapMB: (done.memory?.heapUsed ?? 0) / MB,
    workerArrayBuffersMB: (done.memory?.arrayBuffers ?? 0) / MB,
    processMaxRssMB: (done.memory?.maxRss ?? 0) / MB,
  };
}
