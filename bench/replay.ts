/**
 * The sampler's own cost, without the model's noise: core's sample() over a denoiser that returns
 * logits recorded from one real forward of the same input. What is left per step is everything
 * the JavaScript side adds (sampler arithmetic, frame arrays, generator), on a quiet clock.
 */
import { createRng, sample, type Denoiser, type SamplerOptions } from '../src/core';
import type { OnnxDenoiser } from '../src/worker/onnxDenoiser';
import type { BenchStrategy } from './args';
import { BENCH_SAMPLER } from './measure';
import type { Workload } from './workload';

class ReplayDenoiser implements Denoiser {
  readonly usesTime = false;
  constructor(
    readonly vocabSize: number,
    readonly maskId: number,
    private readonly logits: Float32Array,
  ) {}
  async forward(): Promise<Float32Array> {
    return this.logits;
  }
}

export interface ReplayResult {
  strategy: BenchStrategy;
  vocab: number;
  length: number;
  hole: number;
  steps: number;
  /** JavaScript ms per step with a free model. */
  overheadMs: number;
  samplerMs: number;
}

export async function replayOverhead(model: OnnxDenoiser, work: Workload, hole: number, strategies: BenchStrategy[], steps: number, repeats = 3): Promise<ReplayResult[]> {
  const logits = (await model.forward(work.ids, 1, work.ids.length)).slice();
  const replay = new ReplayDenoiser(model.vocabSize, model.maskId, logits);
  const results: ReplayResult[] = [];
  for (const strategy of strategies) {
    let best = Infinity;
    let bestSampler = Infinity;
    for (let r = 0; r < repeats; r++) {
      const options = { ...BENCH_SAMPLER, strategy, steps } as SamplerOptions;
      const t0 = performance.now();
      const gen = sample(replay, { ids: work.ids, editable: work.editable, batch: 1 }, options, createRng(r + 1));
      let step = await gen.next();
      while (!step.done) step = await gen.next();
      const total = performance.now() - t0;
      if (total < best) {
        best = total;
        bestSampler = step.value.samplerMs;
      }
    }
    results.push({ strategy, vocab: model.vocabSize, length: work.ids.length, hole, steps: steps + 1, overheadMs: best / (steps + 1), samplerMs: bestSampler / (steps + 1) });
  }
  return results;
}
