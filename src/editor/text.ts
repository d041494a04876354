/**
 * Pure text helpers for the editor side: line endings, context windows around holes, and the
 * request's segments. No `vscode` here.
 */
import { toLf } from '../core/lineEndings';
import { literalText } from '../core/placeholders';
import type { Segment } from '../core/types';
import type { OffsetRange } from './holes';

export { toLf, toEol } from '../core/lineEndings';

export interface HoleSpec extends OffsetRange {
  /** Tokens to generate: exactly, or at most when `upTo`. */
  length: number;
  /** The model picks the length, up to `length` (core Segment's `upTo`). */
  upTo?: boolean;
  /** Refine: start from this text (LF). */
  initial?: string;
}

/**
 * The segments for holes in a document: `contextChars` of text before the first hole and after the
 * last, everything between holes (the worker crops it to the model window around the holes).
 * `escapes` are placeholder escape backslashes: the model reads `\[MASK` as `[MASK`.
 */
export function buildSegments(
  docText: string,
  holes: readonly HoleSpec[],
  contextChars: number,
  prefixBeforeHole = '',
  escapes: readonly number[] = [],
): Segment[] {
  const sorted = [...holes].sort((a, b) => a.start - b.start);
  const segments: Segment[] = [];
  let cursor = Math.max(0, (sorted[0]?.start ?? 0) - contextChars);
  for (const hole of sorted) {
    const before = toLf(literalText(docText, escapes, cursor, hole.start)) + prefixBeforeHole;
    if (before.length > 0) segments.push({ kind: 'text', text: before });
    segments.push(
      hole.initial !== undefined
        ? { kind: 'hole', length: hole.length, initial: hole.initial }
        : { kind: 'hole', length: hole.length, ...(hole.upTo ? { upTo: true } : {}) },
    );
    cursor = hole.end;
  }
  const after = toLf(literalText(docText, escapes, cursor, Math.min(docText.length, cursor + contextChars)));
  if (after.length > 0) segments.push({ kind: 'text', text: after });
  return segments;
}

/**
 * The bound for a selection of `tokens` tokens when the model picks the length: room to write
 * twice as much, and at least 8 more (a short selection is often replaced by something longer).
 */
export function selectionBound(tokens: number): number {
  return Math.max(2 * tokens, tokens + 8);
}

/** Rough token count when no tokenizer is at hand (byte-level BPE on code: about 3.2 chars a token). */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 3.2));
}
