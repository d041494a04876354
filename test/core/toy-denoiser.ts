/**
 * Test helper: a denoiser whose logits depend only on the position (and, when `usesTime`, on t),
 * counting its calls and recording the times it was given.
 */
import type { Denoiser } from '../../src/core';

export class PositionalDenoiser implements Denoiser {
  readonly maskId: number;
  calls = 0;
  readonly times: number[] = [];
  constructor(
    readonly vocabSize: number,
    readonly usesTime = false,
    /** Logit scale: larger → more peaked (more confident) predictions. */
    readonly sharpness = 1,
  ) {
    this.maskId = vocabSize - 1;
  }

  async forward(_ids: Int32Array, batch: number, length: number, t?: Float64Array): Promise<Float32Array> {
    this.calls++;
    if (this.usesTime) {
      if (!t || t.length !== batch) throw new Error('time-conditioned model needs one t per row');
      this.times.push(t[0]);
    }
    const V = this.vocabSize;
    const out = new Float32Array(batch * length * V);
    for (let b = 0; b < batch; b++) {
      for (let l = 0; l < length; l++) {
        for (let v = 0; v < V; v++) {
          // A fixed, position-dependent, uneven pattern.
          out[(b * length + l) * V + v] = this.sharpness * Math.sin(1.7 * v + 0.9 * l * l + 0.3);
        }
        out[(b * length + l) * V + this.maskId] = 10;
      }
    }
    return out;
  }
}
