/**
 * Test helper: a denoiser that knows its data distribution exactly. For a small joint over
 * `positions` tokens from `symbols` symbols (mask id = symbols), the logits at a masked position
 * are log p(x_l | unmasked positions), marginalising the other masked ones. The mask logit is set
 * high on purpose: the sampler must suppress it (SUBS).
 */
import type { Denoiser } from '../../src/core';

export class JointOracle implements Denoiser {
  readonly vocabSize: number;
  readonly maskId: number;
  readonly usesTime = false;
  forwardCalls = 0;
  readonly joint: Float64Array;
  private readonly table: Float32Array[] = [];

  constructor(readonly positions: number, readonly symbols: number, weight: (x: number[]) => number) {
    this.vocabSize = symbols + 1;
    this.maskId = symbols;
    const outcomes = symbols ** positions;
    this.joint = new Float64Array(outcomes);
    let total = 0;
    for (let c = 0; c < outcomes; c++) {
      this.joint[c] = weight(this.decode(c));
      total += this.joint[c];
    }
    for (let c = 0; c < outcomes; c++) this.joint[c] /= total;
    // Precompute logits for every partially masked state (base symbols + 1).
    const states = this.vocabSize ** positions;
    for (let st = 0; st < states; st++) this.table.push(this.logitsForState(this.stateIds(st)));
  }

  /** Outcome index → symbols (position 0 is the most significant digit). */
  decode(c: number): number[] {
    const x: number[] = [];
    for (let l = this.positions - 1; l >= 0; l--) {
      x[l] = c % this.symbols;
      c = Math.floor(c / this.symbols);
    }
    return x;
  }

  encode(x: ArrayLike<number>): number {
    let c = 0;
    for (let l = 0; l < this.positions; l++) c = c * this.symbols + x[l];
    return c;
  }

  private stateIds(st: number): number[] {
    const ids: number[] = [];
    for (let l = this.positions - 1; l >= 0; l--) {
      ids[l] = st % this.vocabSize;
      st = Math.floor(st / this.vocabSize);
    }
    return ids;
  }

  private logitsForState(ids: number[]): Float32Array {
    const V = this.vocabSize;
    const out = new Float32Array(this.positions * V);
    const marg = new Float64Array(this.positions * this.symbols);
    for (let c = 0; c < this.joint.length; c++) {
      const x = this.decode(c);
      if (ids.some((id, l) => id !== this.maskId && id !== x[l])) continue;
      for (let l = 0; l < this.positions; l++) marg[l * this.symbols + x[l]] += this.joint[c];
    }
    for (let l = 0; l < this.positions; l++) {
      for (let v = 0; v < this.symbols; v++) {
        const m = ids[l] === this.maskId ? marg[l * this.symbols + v] : v === ids[l] ? 1 : 0;
        out[l * V + v] = m > 0 ? Math.log(m) : -Infinity;
      }
      out[l * V + this.maskId] = 5; // must never be sampled
    }
    return out;
  }

  async forward(ids: Int32Array, batch: number, length: number): Promise<Float32Array> {
    this.forwardCalls++;
    const V = this.vocabSize;
    const out = new Float32Array(batch * length * V);
    for (let b = 0; b < batch; b++) {
      let st = 0;
      for (let l = 0; l < length; l++) st = st * V + ids[b * length + l];
      out.set(this.table[st], b * length * V);
    }
    return out;
  }
}

/** A strongly correlated joint over 3 positions × 3 symbols: independent sampling would show. */
export function correlatedOracle(): JointOracle {
  const h = [0.3, 0, -0.4];
  return new JointOracle(3, 3, (x) =>
    Math.exp(1.6 * +(x[0] === x[1]) + 1.1 * +(x[1] === x[2]) + 0.6 * +(x[0] === x[2]) + h[x[0]] - 0.5 * h[x[2]]),
  );
}

/** Total variation distance between empirical counts and a distribution. */
export function totalVariation(counts: ArrayLike<number>, p: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < counts.length; i++) n += counts[i];
  let tv = 0;
  for (let i = 0; i < p.length; i++) tv += Math.abs(counts[i] / n - p[i]);
  return tv / 2;
}

/** Runs an async generator to the end and returns its return value. */
export async function drain<T, R>(gen: AsyncGenerator<T, R, void>, onFrame?: (f: T) => void): Promise<R> {
  for (;;) {
    const r = await gen.next();
    if (r.done) return r.value;
    onFrame?.(r.value);
  }
}
