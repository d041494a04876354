/**
 * Partial accept: which part of the shown text the next word / line is, and how candidates and the
 * request shrink once it is written. Pure: no `vscode`.
 */
import type { Segment } from '../core/types';
import type { InfillRequest } from '../protocol/protocol';
import type { Candidate } from './candidates';

export type PartUnit = 'word' | 'line';

const WORD = /^\s*(?:[\p{L}\p{N}_]+|[^\p{L}\p{N}_\s]+)/u;

/**
 * The next word: leading blanks and line breaks plus one identifier-like word or one run of
 * punctuation; only blanks and breaks left, all of them. A line break is taken with the word after
 * it: taken alone it would change nothing that the preview draws, and the key would seem dead.
 */
export function nextWord(text: string): string {
  const m = WORD.exec(text) ?? /^\s+/.exec(text);
  return m ? m[0] : text.slice(0, 1);
}

/** The next line: an optional leading line break and the rest of that line (without its break). */
export function nextLine(text: string): string {
  const m = /^(?:\r?\n)?[^\r\n]*/.exec(text);
  return m && m[0].length > 0 ? m[0] : text.slice(0, 1);
}

export function nextPart(text: string, unit: PartUnit): string {
  return unit === 'word' ? nextWord(text) : nextLine(text);
}

/**
 * Candidates after `prefix` of hole `hole` was written: each keeps the rest of its text there if it
 * starts with the prefix, and is dropped otherwise (it disagrees with what is now in the document);
 * the shown one is always kept. Returns the new list and the shown one's index in it.
 */
export function candidatesAfterPartial(candidates: readonly Candidate[], shown: number, hole: number, prefix: string): { candidates: Candidate[]; shown: number } {
  const out: Candidate[] = [];
  const keys = new Map<string, number>();
  let newShown = 0;
  candidates.forEach((c, i) => {
    if (i !== shown && !c[hole].startsWith(prefix)) return;
    const next = c.map((text, h) => (h === hole ? text.slice(prefix.length) : text));
    const key = JSON.stringify(next);
    let at = keys.get(key);
    if (at === undefined) {
      at = out.length;
      keys.set(key, at);
      out.push(next);
    }
    if (i === shown) newShown = at;
  });
  return { candidates: out, shown: newShown };
}

/**
 * The request once `prefix` of hole `hole` is in the document: the prefix joins the context before
 * the hole, and the hole asks for `restTokens` tokens (a refine hole becomes a plain infill of the
 * rest). With `restTokens` 0 the hole is gone and the text around it joins up.
 */
export function requestAfterPartial(request: InfillRequest, hole: number, prefix: string, restTokens: number): InfillRequest {
  const lf = prefix.replace(/\r\n/g, '\n');
  const segments: Segment[] = [];
  const push = (s: Segment) => {
    const last = segments[segments.length - 1];
    if (s.kind === 'text' && last?.kind === 'text') segments[segments.length - 1] = { kind: 'text', text: last.text + s.text };
    else if (s.kind !== 'text' || s.text.length > 0) segments.push(s);
  };
  let h = -1;
  for (const s of request.segments) {
    if (s.kind === 'hole' && ++h === hole) {
      push({ kind: 'text', text: lf });
      if (restTokens > 0) push({ kind: 'hole', length: restTokens });
      continue;
    }
    push(s);
  }
  return { ...request, segments };
}
