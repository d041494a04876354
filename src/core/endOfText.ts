/**
 * End of text: a hole's text ends at the first end token the model writes there (EOS, pad,
 * end-of-turn). Everything from that token on is dropped, so a hole sampled at its maximum length
 * comes back as long as the model made it. A mask never ends a hole (it may still become text).
 */

/** Tokens of `ids[start, start + length)` that are text: up to the first end token. */
export function textLength(ids: ArrayLike<number>, start: number, length: number, endIds: ReadonlySet<number>): number {
  if (endIds.size === 0) return length;
  for (let i = 0; i < length; i++) if (endIds.has(ids[start + i])) return i;
  return length;
}
