import { DiffusionError } from './errors';
import type { Segment } from './types';

/** Hole length for a bare `[MASK]` (or a custom pattern) when none is given. */
export const DEFAULT_HOLE_LENGTH = 16;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Splits text at placeholders: `[MASK]` is a hole of `defaultLength` tokens, `[MASK:n]` a hole of
 * exactly n; each extra pattern (a literal string such as `<mask>` or `____`) is a hole of
 * `defaultLength`. Text between placeholders becomes text segments (empty ones are dropped).
 */
export function parsePlaceholders(text: string, patterns: string[] = [], defaultLength = DEFAULT_HOLE_LENGTH): Segment[] {
  if (!Number.isInteger(defaultLength) || defaultLength < 1) {
    throw new DiffusionError('bad-input', `defaultLength must be an integer >= 1, got ${defaultLength}`);
  }
  const literals = patterns.filter((p) => p.length > 0).map(escapeRegExp);
  // Longest literal first, so '____' is not read as two '__'.
  literals.sort((a, b) => b.length - a.length);
  const source = ['\\[MASK(?::(\\d+))?\\]', ...literals].join('|');
  const re = new RegExp(source, 'g');
  const segments: Segment[] = [];
  let last = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m.index > last) segments.push({ kind: 'text', text: text.slice(last, m.index) });
    let length = defaultLength;
    if (m[1] !== undefined) {
      length = Number(m[1]);
      if (!Number.isSafeInteger(length) || length < 1) {
        throw new DiffusionError('bad-input', `placeholder ${m[0]} must ask for at least 1 token`);
      }
    }
    segments.push({ kind: 'hole', length });
    last = m.index + m[0].length;
  }
  if (last < text.length) segments.push({ kind: 'text', text: text.slice(last) });
  return segments;
}
