/**
 * How a hole's tokens are drawn inline. Decorations cannot add lines, so the preview is laid over
 * the hole's own lines: its line k is drawn on the hole's line k, and lines beyond the hole's last
 * one join that line with '↵'. Spaces and tabs become non-breaking spaces (indentation stays
 * visible) and a masked token a block glyph. Pure: no `vscode`.
 */
import { TokenState } from '../core/types';
import type { TokenView } from '../protocol/protocol';

export const MASK_GLYPH = '░';
export const NEWLINE_GLYPH = '↵';
const NBSP = '\u00a0';

/** How a run is styled: a token state, or text already taken by a partial accept. */
export type RunStyle = TokenState | 'accepted';

/** A stretch of consecutive text drawn in one style. */
export interface PreviewRun {
  text: string;
  state: RunStyle;
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

/** Appends `text` to `runs`, merging with the last run of the same style; past `maxRuns` runs the overflow joins the last one (drawn as settled). */
function pushRun(runs: PreviewRun[], text: string, state: RunStyle, maxRuns: number): void {
  if (text.length === 0) return;
  const last = runs[runs.length - 1];
  if (last && (last.state === state || runs.length >= maxRuns)) {
    last.text += text;
    if (last.state !== state) last.state = TokenState.Settled;
  } else {
    runs.push({ text, state });
  }
}

/**
 * Groups tokens into runs of one state on one visual line (line breaks as '↵'). At most `maxRuns`
 * runs (each run costs one decoration slot): the overflow is merged into the last run, drawn as
 * settled, text unchanged.
 */
export function previewRuns(tokens: readonly TokenView[], tabSize: number, maxRuns: number): PreviewRun[] {
  return previewLines('', tokens, tabSize, maxRuns, 1)[0] ?? [];
}

/**
 * The preview of one hole as lines of runs: the `accepted` text first, then the tokens, split at
 * their line breaks into at most `maxLines` lines (the rest joins the last line with '↵'). Every
 * line is there, empty ones too, so line k of the result belongs on the hole's line k.
 */
export function previewLines(accepted: string, tokens: readonly TokenView[], tabSize: number, maxRuns: number, maxLines: number): PreviewRun[][] {
  const lines: PreviewRun[][] = [[]];
  const add = (raw: string, state: RunStyle, masked = false) => {
    if (masked) return pushRun(lines[lines.length - 1], MASK_GLYPH, state, maxRuns);
    raw.replace(/\r\n/g, '\n').split('\n').forEach((part, k) => {
      if (k > 0) {
        if (lines.length < maxLines) lines.push([]);
        else pushRun(lines[lines.length - 1], NEWLINE_GLYPH, state, maxRuns);
      }
      pushRun(lines[lines.length - 1], visibleText(part, tabSize), state, maxRuns);
    });
  };
  add(accepted, 'accepted');
  for (const token of tokens) add(token.text, token.state, token.state === TokenState.Masked);
  return lines;
}

/** The plain text a frame shows for one hole (masks as glyphs): what tests compare against. */
export function previewString(tokens: readonly TokenView[], tabSize: number): string {
  return tokens.map((t) => tokenText(t, tabSize)).join('');
}
