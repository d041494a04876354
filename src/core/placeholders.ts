/**
 * The one hole grammar, shared by the CLI and the editor's Fill Placeholders:
 *
 * - `[MASK:n]`   exactly n tokens (n >= 1);
 * - `[MASK:..n]` at most n tokens, the model picks the length (n >= 1);
 * - `[MASK]`     the model picks, at most the caller's default bound;
 * - `\[MASK`     a literal `[MASK` (the backslash is dropped);
 * - anything else that starts like a placeholder (`[MASK:abc]`, `[MASK:-1]`, `[MASK:12`) is refused,
 *   naming it and its line:column, never left silently as text.
 *
 * An extra literal pattern (`<mask>`, `____`) follows the same rules: a length goes before its
 * closing bracket (`<mask:12>`, `<mask:..12>`) or after a pattern without one (`____:12`).
 */
import { DiffusionError } from './errors';
import type { Segment } from './types';

/** Bound for a placeholder written without a length, where the caller does not pass one. */
export const DEFAULT_HOLE_LENGTH = 16;

/** The built-in placeholder, always recognised. */
export const MASK_PLACEHOLDER = '[MASK]';

export type HoleSize = { kind: 'exact'; tokens: number } | { kind: 'bound'; maxTokens: number; explicit: boolean };

/** One placeholder found in the text: its size and where it is ([start, end) in UTF-16 units). */
export interface PlaceholderHole {
  start: number;
  end: number;
  size: HoleSize;
}

export interface ParsedPlaceholders {
  holes: PlaceholderHole[];
  /** Offsets of escape backslashes, dropped from the literal text (`\[MASK` reads `[MASK`). */
  escapes: number[];
}

export interface PlaceholderOptions {
  /** Extra literal patterns besides `[MASK]`. */
  patterns?: readonly string[];
  /** Bound for a placeholder without a length (>= 1). */
  defaultMaxTokens?: number;
  /** Only look in [from, to) of the text (line:column in messages still count from its start). */
  from?: number;
  to?: number;
}

const CLOSERS = new Set([']', '>', ')', '}']);
/** Characters read after `:` looking for the closer: lengths are short, a longer run is unclosed. */
const MAX_LENGTH_CHARS = 24;

interface Pattern {
  /** What starts the placeholder (`[MASK`, `<mask`, `____`). */
  opener: string;
  /** Its closing character, or '' for a pattern without one. */
  closer: string;
}

function toPattern(p: string): Pattern {
  const last = p[p.length - 1];
  return p.length > 1 && CLOSERS.has(last) ? { opener: p.slice(0, -1), closer: last } : { opener: p, closer: '' };
}

/** 1-based line:column of an offset. */
export function lineColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `${line}:${offset - lineStart + 1}`;
}

function refuse(text: string, start: number, end: number, why: string): never {
  let shown = text.slice(start, end);
  if (shown.length > 40) shown = shown.slice(0, 40) + '…';
  throw new DiffusionError('bad-input', `placeholder ${shown} at ${lineColumn(text, start)}: ${why}`);
}

const LENGTH_HINT = 'write a whole number of tokens >= 1, as [MASK:12] (exactly) or [MASK:..12] (at most)';

/** The size written in `body` (what follows ':'), or a reason it is not one. */
function readSize(body: string): HoleSize | string {
  const m = /^(\.\.)?(\d+)$/.exec(body);
  if (!m) return LENGTH_HINT;
  const n = Number(m[2]);
  if (!Number.isSafeInteger(n)) return `${m[2]} tokens is more than any model can take`;
  if (n < 1) return LENGTH_HINT;
  return m[1] ? { kind: 'bound', maxTokens: n, explicit: true } : { kind: 'exact', tokens: n };
}

const isWordChar = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}_]/u.test(c);

/**
 * The placeholder at `at` (where `p.opener` starts): its end and size, or undefined when the text
 * only happens to start the same way (`[MASKED]`, `<masks>`). Throws on a malformed one.
 */
function readPlaceholder(text: string, at: number, to: number, p: Pattern, defaultMax: number): { end: number; size: HoleSize } | undefined {
  const after = at + p.opener.length;
  const bare: HoleSize = { kind: 'bound', maxTokens: defaultMax, explicit: false };
  if (p.closer === '') {
    // `____` or `____:12`; a ':' followed by anything else is ordinary text (`____: see below`).
    if (text[after] !== ':' || !/[\d.]/.test(text[after + 1] ?? '')) return { end: after, size: bare };
    const m = /^:[\w.+-]*/.exec(text.slice(after, Math.min(to, after + MAX_LENGTH_CHARS)));
    const end = after + (m ? m[0].length : 1);
    const size = readSize(text.slice(after + 1, end));
    if (typeof size === 'string') refuse(text, at, end, size);
    return { end, size };
  }
  const next = text[after];
  if (next === p.closer) return { end: after + 1, size: bare };
  if (next === ':') {
    const limit = Math.min(to, after + 1 + MAX_LENGTH_CHARS);
    let close = after + 1;
    while (close < limit && text[close] !== p.closer && text[close] !== '\n') close++;
    if (text[close] !== p.closer || close >= to) refuse(text, at, close, `it is not closed with ${p.closer}`);
    const size = readSize(text.slice(after + 1, close));
    if (typeof size === 'string') refuse(text, at, close + 1, size);
    return { end: close + 1, size };
  }
  // `[MASKED]` is another word; `[MASK` before a space or the end is a placeholder left open.
  if (isWordChar(next) || !isWordChar(p.opener[p.opener.length - 1])) return undefined;
  let lineEnd = text.indexOf('\n', after);
  if (lineEnd === -1 || lineEnd > to) lineEnd = to;
  refuse(text, at, Math.min(lineEnd, after + 1), `it is not closed with ${p.closer}`);
}

/** Every placeholder and escape in the text (or in [from, to) of it), left to right. */
export function findPlaceholders(text: string, opts: PlaceholderOptions = {}): ParsedPlaceholders {
  const defaultMax = opts.defaultMaxTokens ?? DEFAULT_HOLE_LENGTH;
  if (!Number.isSafeInteger(defaultMax) || defaultMax < 1) {
    throw new DiffusionError('bad-input', `the default hole bound must be a whole number >= 1, got ${defaultMax}`);
  }
  const from = opts.from ?? 0;
  const to = Math.min(text.length, opts.to ?? text.length);
  const sources = [MASK_PLACEHOLDER, ...(opts.patterns ?? [])].filter((s) => s.length > 0);
  // Longest opener first, so '____' is not read as two '__'.
  const patterns = [...new Set(sources)].map(toPattern).sort((a, b) => b.opener.length - a.opener.length);
  const holes: PlaceholderHole[] = [];
  const escapes: number[] = [];
  const firstChars = new Set(patterns.map((p) => p.opener[0]));
  for (let i = from; i < to; i++) {
    if (!firstChars.has(text[i])) continue;
    const p = patterns.find((q) => text.startsWith(q.opener, i) && i + q.opener.length <= to);
    if (!p) continue;
    if (i > from && text[i - 1] === '\\') {
      escapes.push(i - 1);
      i += p.opener.length - 1;
      continue;
    }
    const found = readPlaceholder(text, i, to, p, defaultMax);
    if (!found) continue;
    holes.push({ start: i, end: found.end, size: found.size });
    i = found.end - 1;
  }
  return { holes, escapes };
}

/** `text.slice(start, end)` without the escape backslashes in it. */
export function literalText(text: string, escapes: readonly number[], start: number, end: number): string {
  let out = '';
  let cursor = start;
  for (const e of escapes) {
    if (e < start || e >= end) continue;
    out += text.slice(cursor, e);
    cursor = e + 1;
  }
  return out + text.slice(cursor, end);
}

/** Tokens laid out for a hole (a bound hole runs to its bound until end tokens can shorten it). */
export function holeTokens(size: HoleSize): number {
  return size.kind === 'exact' ? size.tokens : size.maxTokens;
}

/** Text and hole segments for the whole text (the CLI's input). */
export function parsePlaceholders(text: string, opts: Omit<PlaceholderOptions, 'from' | 'to'> = {}): Segment[] {
  const { holes, escapes } = findPlaceholders(text, opts);
  const segments: Segment[] = [];
  let cursor = 0;
  for (const h of holes) {
    if (h.start > cursor) segments.push({ kind: 'text', text: literalText(text, escapes, cursor, h.start) });
    segments.push(h.size.kind === 'bound' ? { kind: 'hole', length: h.size.maxTokens, upTo: true } : { kind: 'hole', length: h.size.tokens });
    cursor = h.end;
  }
  if (cursor < text.length) segments.push({ kind: 'text', text: literalText(text, escapes, cursor, text.length) });
  return segments.filter((s) => s.kind === 'hole' || s.text.length > 0);
}
