/**
 * Which tokens a hole position may draw, so that a hole's text is always whole characters and never
 * holds a special token.
 *
 * Byte-level BPE cuts a character (an emoji, a CJK ideograph) across tokens, and a masked diffusion
 * model draws positions in any order, so a token can land where its bytes cannot join its
 * neighbours' (U+FFFD in the text). Each token is read as a transition of the UTF-8 automaton over
 * its bytes (utf8Next); a hole starts and must end on a character boundary. At each draw a token is
 * allowed when the hole can still be completed: from some state the tokens to its left can reach,
 * it leads to a state from which the tokens to its right end on a boundary, a mask standing for
 * any allowed token. Every draw keeps that true, so the finished hole is whole characters; a
 * remasked position only widens what can follow. The draw is from p_x0 restricted to the allowed
 * tokens (as the mask token is left out), before temperature, top-k and top-p.
 *
 * End tokens stand between characters (the text ends there); special tokens that are not end
 * tokens (padding, BOS, [CLS], unused specials) and padding rows of the output layer are never
 * allowed.
 */
import { startsWith } from './arrays';
import { partialClassSets } from './topkRows';
import type { HoleSpan } from './types';
import { UTF8_REJECT, UTF8_STATES, utf8Next } from './utf8';

const S = UTF8_STATES;
const BOUNDARY = 1; // the state set {0}
const MAX_CACHED = 64;

/** A model's tokens as automaton transitions; built once per model. */
export class DrawRules {
  /** next[id * S + s]: the state after token `id` from state s, or UTF8_REJECT. */
  private readonly next: Uint8Array;
  /** anyToken[s]: the states some allowed token leads to from s (what a mask may become), as bits. */
  private readonly anyToken = new Uint8Array(S);
  /** 1 for a token that may be drawn at all (no special, no padding row). */
  readonly drawable: Uint8Array;
  /** Every drawable token is whole characters: then the only rule is `drawable`. */
  private readonly wholeOnly: boolean;
  private readonly allowedCache = new Map<number, Uint8Array>();
  private readonly startCache = new Map<string, { allowed: Uint8Array; states: number } | undefined>();

  /**
   * @param bytesOf a token's UTF-8 bytes, or undefined for an id that is no token (never drawn)
   * @param never ids never drawn (the mask, special tokens that are not end tokens)
   * @param ends end tokens: drawn only on a character boundary
   */
  constructor(
    readonly vocab: number,
    private readonly bytesOf: (id: number) => ArrayLike<number> | undefined,
    never: ReadonlySet<number>,
    private readonly ends: ReadonlySet<number>,
  ) {
    this.next = new Uint8Array(vocab * S).fill(UTF8_REJECT);
    this.drawable = new Uint8Array(vocab);
    let wholeOnly = true;
    for (let id = 0; id < vocab; id++) {
      const bytes = never.has(id) ? undefined : ends.has(id) ? [] : bytesOf(id);
      if (bytes === undefined) continue;
      this.drawable[id] = 1;
      for (let s = ends.has(id) ? 0 : S - 1; s >= 0; s--) {
        let state = s;
        for (let i = 0; i < bytes.length && state !== UTF8_REJECT; i++) state = utf8Next(state, bytes[i]);
        this.next[id * S + s] = state;
        if (state !== UTF8_REJECT) this.anyToken[s] |= 1 << state;
        if ((s === 0) !== (state === 0)) wholeOnly = false;
      }
    }
    this.wholeOnly = wholeOnly;
  }

  /** The states reachable after token `id` (the mask: any allowed token) from the states `from`. */
  advance(from: number, id: number, maskId: number): number {
    let to = 0;
    for (let s = 0; s < S; s++) {
      if (!((from >> s) & 1)) continue;
      if (id === maskId) to |= this.anyToken[s];
      else if (id >= 0 && id < this.vocab) {
        const n = this.next[id * S + s];
        if (n !== UTF8_REJECT) to |= 1 << n;
      }
    }
    return to;
  }

  /** The states from which token `id` (the mask: some allowed token) leads into the states `to`. */
  retreat(to: number, id: number, maskId: number): number {
    let from = 0;
    for (let s = 0; s < S; s++) {
      let reached: number;
      if (id === maskId) reached = this.anyToken[s];
      else {
        const n = id >= 0 && id < this.vocab ? this.next[id * S + s] : UTF8_REJECT;
        reached = n === UTF8_REJECT ? 0 : 1 << n;
      }
      if (reached & to) from |= 1 << s;
    }
    return from;
  }

  /**
   * 1 for each token that leads from some state of `left` into some state of `right`; when none
   * does (a hole that cannot be completed, which the rules never create), `drawable`.
   */
  allowedBetween(left: number, right: number): Uint8Array {
    if (this.wholeOnly) return this.drawable;
    const key = (left << S) | right;
    let allowed = this.allowedCache.get(key);
    if (allowed) return allowed;
    allowed = new Uint8Array(this.vocab);
    let any = false;
    for (let id = 0; id < this.vocab; id++) {
      if (!this.drawable[id]) continue;
      for (let s = 0; s < S; s++) {
        if (!((left >> s) & 1)) continue;
        const n = this.next[id * S + s];
        if (n !== UTF8_REJECT && (right >> n) & 1) {
          allowed[id] = 1;
          any = true;
          break;
        }
      }
    }
    if (!any) allowed = this.drawable;
    // A run meets a handful of (left, right) pairs; the bound keeps a large vocabulary's cache small.
    if (this.allowedCache.size >= MAX_CACHED) this.allowedCache.clear();
    this.allowedCache.set(key, allowed);
    return allowed;
  }

  /**
   * What the first position of a hole with an overlap may draw: the drawable tokens whose bytes
   * begin with `text`'s, and the end tokens (a hole that ends at once is empty), with the states they
   * lead to from a character boundary. Undefined when no token begins with `text`.
   */
  startingWith(text: string): { allowed: Uint8Array; states: number } | undefined {
    if (this.startCache.has(text)) return this.startCache.get(text);
    const want = new TextEncoder().encode(text);
    const allowed = new Uint8Array(this.vocab);
    let states = 0;
    let any = false;
    for (let id = 0; id < this.vocab; id++) {
      if (!this.drawable[id]) continue;
      const bytes = this.ends.has(id) ? undefined : this.bytesOf(id)!;
      if (bytes && !startsWith(bytes, want)) continue;
      const next = this.next[id * S];
      if (next === UTF8_REJECT) continue;
      allowed[id] = 1;
      states |= 1 << next;
      any ||= bytes !== undefined;
    }
    const found = any ? { allowed, states } : undefined;
    if (this.startCache.size >= MAX_CACHED) this.startCache.clear();
    this.startCache.set(text, found);
    return found;
  }

  /**
   * The two classes a top-k head is built on (topkRows.ts). Whole-character tokens (and end
   * tokens) lead from the boundary to the boundary and reject from inside a character, so an
   * allowed set holds all of them or none (both ends of the position on a boundary, or not): they are ranked in the graph (bias 0, -Infinity for
   * everything else). Partial-character tokens are few and returned in full.
   */
  classes(): { wholeBias: Float32Array; partialIds: Int32Array; wholeProbe: number } {
    const wholeBias = new Float32Array(this.vocab).fill(-Infinity);
    const partial: number[] = [];
    let wholeProbe = -1;
    const whole = (id: number) => {
      if (this.next[id * S] !== 0) return false;
      for (let s = 1; s < S; s++) if (this.next[id * S + s] !== UTF8_REJECT) return false;
      return true;
    };
    for (let id = 0; id < this.vocab; id++) {
      if (!this.drawable[id]) continue;
      if (whole(id)) {
        wholeBias[id] = 0;
        if (wholeProbe < 0) wholeProbe = id;
      } else partial.push(id);
    }
    return { wholeBias, partialIds: Int32Array.from(partial), wholeProbe };
  }

  /** Whether the rules constrain anything beyond `drawable` (false for tokenizers of whole characters). */
  get bytesMatter(): boolean {
    return !this.wholeOnly;
  }
}

/** The rules applied to one run's holes: what position l of a row may draw, given the row's ids now. */
export class DrawConstraint {
  /** Hole index of each position, -1 outside the holes. */
  private readonly holeOf: Int32Array;
  /**
   * Per hole with an overlap: what its first position may draw (DrawRules.startingWith), and that
   * set narrowed by each byte rule's set met there.
   */
  private readonly firsts: ({ allowed: Uint8Array; states: number; narrowed: Map<Uint8Array, Uint8Array> } | undefined)[];

  constructor(
    readonly rules: DrawRules,
    private readonly holes: readonly HoleSpan[],
    length: number,
    private readonly maskId: number,
  ) {
    this.holeOf = new Int32Array(length).fill(-1);
    this.firsts = holes.map((h) => {
      const first = h.overlap ? rules.startingWith(h.overlap) : undefined;
      return first && { ...first, narrowed: new Map() };
    });
    holes.forEach((h, k) => this.holeOf.fill(k, h.start, h.start + h.length));
  }

  /** Tokens position `l` may take, the row being `ids[row, row + length)` (other positions as they stand). */
  allowedAt(ids: Int32Array, row: number, l: number): Uint8Array {
    const k = this.holeOf[l];
    if (k < 0) return this.rules.drawable;
    const { start, length } = this.holes[k];
    const first = this.firsts[k];
    const bytes = this.rules.bytesMatter ? this.byteRule(ids, row, l, start, length, first?.states) : this.rules.drawable;
    return first && l === start ? narrow(bytes, first.allowed, first.narrowed) : bytes;
  }

  /** The UTF-8 rule at l; a mask at the hole's first position stands for `firstStates` when given. */
  private byteRule(ids: Int32Array, row: number, l: number, start: number, length: number, firstStates: number | undefined): Uint8Array {
    let left = BOUNDARY;
    for (let p = start; p < l; p++) {
      const id = ids[row + p];
      left = p === start && id === this.maskId && firstStates !== undefined ? firstStates : this.rules.advance(left, id, this.maskId);
    }
    let right = BOUNDARY;
    for (let p = start + length - 1; p > l; p--) right = this.rules.retreat(right, ids[row + p], this.maskId);
    return this.rules.allowedBetween(left, right);
  }

}

/** The tokens in both sets, remembered in `cache` by `allowed`; `allowed` when they share none (the draws never leave it so). */
function narrow(allowed: Uint8Array, starts: Uint8Array, cache: Map<Uint8Array, Uint8Array>): Uint8Array {
  let both = cache.get(allowed);
  if (both) return both;
  both = allowed.map((a, id) => a & starts[id]);
  if (!both.includes(1)) both = allowed;
  else partialClassSets.add(both);
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(allowed, both);
  return both;
}
