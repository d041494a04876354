/**
 * int8 against fp32 on the same inputs: forward time of each graph and how often the int8 model's
 * argmax token (over the vocabulary, mask excluded) agrees with fp32's at masked positions.
 */
import path from 'node:path';
import { OnnxDenoiser } from '../src/worker/onnxDenoiser';

export interface PrecisionResult {
  length: number;
  windows: number;
  maskedPositions: number;
  fp32ForwardMs: number;
  int8ForwardMs: number;
  argmaxAgreement: number;
}

function argmaxAt(logits: Float32Array, pos: number, vocab: number, maskId: number): number {
  let best = -1;
  let max = -Infinity;
  for (let i = 0; i < vocab; i++) {
    const v = logits[pos * vocab + i];
    if (i !== maskId && v > max) {
      max = v;
      best = i;
    }
  }
  return best;
}

/** `windows` real-text windows of `length` tokens with a 30% block of masks in the middle of each. */
export async function comparePrecision(modelDir: string, tokens: number[], maskId: number, length: number, threads: number, windows = 4): Promise<PrecisionResult> {
  const settings = { executionProvider: 'cpu' as const, threads };
  const fp32 = await OnnxDenoiser.load(path.join(modelDir, 'onnx', 'model.onnx'), maskId, settings);
  const int8 = await OnnxDenoiser.load(path.join(modelDir, 'onnx', 'model_quantized.onnx'), maskId, settings);
  try {
    const vocab = fp32.vocabSize;
    let agree = 0;
    let masked = 0;
    let fp32Ms = 0;
    let int8Ms = 0;
    const stride = Math.max(length, Math.floor((tokens.length - length) / windows));
    for (let w = 0; w < windows && (w + 1) * length <= tokens.length; w++) {
      const ids = Int32Array.from(tokens.slice(w * stride, w * stride + length));
      const from = Math.floor(length * 0.35);
      const to = Math.floor(length * 0.65);
      ids.fill(maskId, from, to);
      let t0 = performance.now();
      const a = await fp32.forward(ids, 1, length);
      fp32Ms += performance.now() - t0;
      t0 = performance.now();
      const b = await int8.forward(ids, 1, length);
      int8Ms += performance.now() - t0;
      for (let l = from; l < to; l++) {
        masked++;
        if (argmaxAt(a, l, vocab, maskId) === argmaxAt(b, l, vocab, maskId)) agree++;
      }
    }
    return { length, windows, maskedPositions: masked, fp32ForwardMs: fp32Ms / windows, int8ForwardMs: int8Ms / windows, argmaxAgreement: masked > 0 ? agree / masked : 0 };
  } finally {
    await fp32.dispose();
    await int8.dispose();
  }
}
