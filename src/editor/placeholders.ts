/**
 * Finds placeholders such as `[MASK]` / `[MASK:12]` in text, with their offsets (the editor needs
 * where each one is, to track and replace it). A pattern is literal text; a length may be written
 * as `:n` before its closing bracket (`[MASK:12]`, `<mask:12>`), or after it when it has none
 * (`____:12`). Pure: no `vscode`.
 */

export interface Placeholder {
  start: number;
  end: number;
  /** Tokens to generate. */
  length: number;
}

const CLOSERS = new Set([']', '>', ')', '}']);

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function patternSource(pattern: string): string {
  const last = pattern[pattern.length - 1];
  if (pattern.length > 1 && CLOSERS.has(last)) {
    return `${escapeRegExp(pattern.slice(0, -1))}(?::(\\d+))?${escapeRegExp(last)}`;
  }
  return `${escapeRegExp(pattern)}(?::(\\d+))?`;
}

/** All placeholders in `text`, left to right, non-overlapping (the longest pattern wins at a position). */
export function findPlaceholders(text: string, patterns: readonly string[], defaultLength: number): Placeholder[] {
  const usable = [...new Set(patterns.filter((p) => p.length > 0))].sort((a, b) => b.length - a.length);
  if (usable.length === 0) return [];
  const re = new RegExp(usable.map((p) => `(?:${patternSource(p)})`).join('|'), 'g');
  const found: Placeholder[] = [];
  for (const m of text.matchAll(re)) {
    const digits = m.slice(1).find((g) => g !== undefined);
    const n = digits === undefined ? defaultLength : Number.parseInt(digits, 10);
    found.push({ start: m.index ?? 0, end: (m.index ?? 0) + m[0].length, length: Math.max(1, n) });
  }
  return found;
}
