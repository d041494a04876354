// Denoisers for the worker tests that look inside model calls: the real one recorded, or one
// whose logits are written by hand; and a planner with the real tokenizer.
import { planSpans, type Denoiser, type Segment } from '../../src/core';
import type { LoadedModel } from '../../src/worker/model';

/** `real`, telling `record` each call's sequence length and the logits it returned. */
export function recordingDenoiser(real: Denoiser, record: (length: number, logits: Float32Array) => void): Denoiser {
  return {
    vocabSize: real.vocabSize,
    maskId: real.maskId,
    usesTime: real.usesTime,
    forward: async (ids, batch, length, t) => {
      const logits = await real.forward(ids, batch, length, t);
      record(length, logits);
      return logits;
    },
    forwardAt: async (ids, batch, length, positions, t) => {
      const logits = await real.forwardAt!(ids, batch, length, positions, t);
      record(length, logits);
      return logits;
    },
  };
}

/** Lays segments out with the model's tokenizer, in `window` tokens at most (the model's by default). */
export function plannerOf(model: LoadedModel) {
  return (segments: Segment[], window?: number) => planSpans(segments, model.tokenizer, model.info.maskId, Math.min(window ?? Infinity, model.info.maxLength));
}

/**
 * A model whose logits are written by hand: `writerFor(row, call)` gives, for that row of ids in a
 * call of `call.batch` rows gathering `call.positions`, what to write into each gathered position's
 * logits (all 0 before).
 */
export function scriptedDenoiser(
  model: LoadedModel,
  writerFor: (row: Int32Array, call: { batch: number; positions: Int32Array }) => (l: number, logits: Float32Array) => void,
): Denoiser {
  const vocab = model.denoiser.vocabSize;
  return {
    vocabSize: vocab,
    maskId: model.info.maskId,
    usesTime: false,
    forward: () => Promise.reject(new Error('the search gathers its positions')),
    forwardAt: async (ids, batch, length, positions) => {
      const out = new Float32Array(batch * positions.length * vocab);
      for (let b = 0; b < batch; b++) {
        const write = writerFor(ids.subarray(b * length, (b + 1) * length), { batch, positions });
        positions.forEach((l, i) => write(l, out.subarray((b * positions.length + i) * vocab, (b * positions.length + i + 1) * vocab)));
      }
      return out;
    },
  };
}
