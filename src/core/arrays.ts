/**
 * `to.push(...from)` without the spread: a spread passes every item as an argument, and ~100k of
 * them overflow the call stack ("Maximum call stack size exceeded"). Returns `to`.
 */
export function appendAll<T>(to: T[], from: Iterable<T>): T[] {
  for (const item of from) to.push(item);
  return to;
}

/** Whether `items` begins with `prefix` (token ids, bytes). */
export function startsWith(items: ArrayLike<number>, prefix: ArrayLike<number>): boolean {
  if (prefix.length > items.length) return false;
  for (let i = 0; i < prefix.length; i++) if (items[i] !== prefix[i]) return false;
  return true;
}

/** The largest number of `values` (-Infinity when empty), without spreading them into Math.max. */
export function maxOf(values: Iterable<number>): number {
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  return max;
}
