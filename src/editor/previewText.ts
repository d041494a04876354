/**
 * How a hole's tokens are drawn inline. Decorations cannot add lines, so the preview is one visual
 * line: a newline shows as '↵', spaces and tabs as non-breaking spaces (indentation stays visible),
 * and a masked token as a block glyph. Pure: no `vscode`.
 */
import { TokenState } from '../core/types';
import type { TokenView } from '../protocol/protocol';

export const MASK_GLYPH = '░';
export const NEWLINE_GLYPH = '↵';
const NBSP = '\u00a0';

/** A stretch of consecutive tokens drawn in one style. */
export interface PreviewRun {
  text: string;
  state: TokenState;
}

/** Visible form of real text: every character kept, whitespace made visible and unbreakable. */
export function visibleText(text: string, tabSize: number): string {
  return text
    .replace(/\r\n/g, '\n')
    .replace(/\t/g, NBSP.repeat(Math.max(1, tabSize)))
    .replace(/ /g, NBSP)
    .replace(/\n/g, NEWLINE_GLYPH);
}

function tokenText(token: TokenView, tabSize: number): string {
  return token.state === TokenState.Masked ? MASK_GLYPH : visibleText(token.text, tabSize);
}

/**
 * Groups tokens into runs of one state. At most `maxRuns` runs (each run costs one decoration slot):
 * the overflow is merged into the last run, drawn as settled, text unchanged.
 */
export function previewRuns(tokens: readonly TokenView[], tabSize: number, maxRuns: number): PreviewRun[] {
  const runs: PreviewRun[] = [];
  for (const token of tokens) {
    const text = tokenText(token, tabSize);
    if (text.length === 0) continue;
    const last = runs[runs.length - 1];
    if (last && (last.state === token.state || runs.length >= maxRuns)) {
      last.text += text;
      if (last.state !== token.state) last.state = TokenState.Settled;
    } else {
      runs.push({ text, state: token.state });
    }
  }
  return runs;
}

/** The plain text a frame shows for one hole (masks as glyphs): what tests compare against. */
export function previewString(tokens: readonly TokenView[], tabSize: number): string {
  return tokens.map((t) => tokenText(t, tabSize)).join('');
}
