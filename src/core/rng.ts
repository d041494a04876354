import type { Rng } from './types';

/** splitmix32: spreads a small integer seed over the 128-bit xoshiro state. */
function splitmix32(state: { x: number }): number {
  state.x = (state.x + 0x9e3779b9) | 0;
  let z = state.x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * A deterministic random source: xoshiro128** seeded through splitmix32. Each `next()` joins two
 * 32-bit outputs into a float with 53 random bits, uniform in [0, 1).
 */
export class Xoshiro128 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
    // Fold the seed (which may exceed 32 bits) into the splitmix state.
    const hi = Math.floor(seed / 0x100000000) | 0;
    const sm = { x: (seed | 0) ^ Math.imul(hi, 0x9e3779b1) };
    this.a = splitmix32(sm);
    this.b = splitmix32(sm);
    this.c = splitmix32(sm);
    this.d = splitmix32(sm);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1; // the all-zero state is a fixed point
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  next(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992; // (high·2^26 + low) / 2^53
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export function createRng(seed: number): Rng {
  return new Xoshiro128(seed);
}

/**
 * The seed of stream `stream` (a small whole number) of `seed`: streams of one seed are independent
 * of each other and of `createRng(seed)` itself, e.g. one per length a search drafts.
 */
export function streamSeed(seed: number, stream: number): number {
  return new Xoshiro128(seed).nextUint32() * 0x10000 + stream + 1;
}
