import { DiffusionError } from './errors';
import type { HoleSpan, Segment } from './types';

/** What span planning needs from a tokenizer: ids for a piece of text, without special tokens. */
export interface TokenizerPort {
  encode(text: string): number[];
  /** Ids for markup, where special-token spellings are those tokens (see Segment `markup`). */
  encodeMarkup?(text: string): number[];
}

function encodeMarkup(tokenizer: TokenizerPort, text: string): number[] {
  if (!tokenizer.encodeMarkup) throw new DiffusionError('bad-input', 'this tokenizer cannot encode markup segments');
  return tokenizer.encodeMarkup(text);
}

export interface SpanPlan {
  /** The model input, [length] (length <= window). */
  ids: Int32Array;
  /** 1 at hole positions, 0 at context. */
  editable: Uint8Array;
  /** Token range of each hole in `ids`, in segment order, with its overlap. */
  holes: HoleSpan[];
  /**
   * Tokens of context dropped on each side to fit the window, counted over the text tokenized:
   * context far outside the window (beyond a few windows' worth of characters) is never tokenized.
   */
  cropped: { left: number; right: number };
}

export interface PlanOptions {
  /**
   * Refine: per hole (in hole order), ids the hole starts from instead of masks. When given, the
   * hole is exactly these ids and the segment's `length` is ignored.
   */
  initialHoleIds?: (number[] | undefined)[];
}

/** Tokens dropped next to a cut in the text, where the cut may have changed the tokenization. */
const CUT_MARGIN = 32;
/** First guess of characters per token when cutting outer context (doubled until enough). */
const CHARS_PER_TOKEN_GUESS = 4;

/**
 * The tokens of the part of an outer context segment nearest the holes: at least `need` of them,
 * the same as tokenizing the whole text would give there, without tokenizing all of it (the editor
 * sends tens of kB around a hole; tokenizing them all was most of the time to the first frame).
 * The piece is cut at a line start (before the holes) or line end (after), and the `CUT_MARGIN`
 * tokens nearest the cut are dropped: BPE merges and pre-tokenization only reach a few tokens.
 */
function encodeOuter(tokenizer: TokenizerPort, text: string, side: 'before' | 'after', need: number): number[] {
  for (let chars = (need + CUT_MARGIN) * CHARS_PER_TOKEN_GUESS; chars < text.length; chars *= 2) {
    let piece = side === 'before' ? text.slice(text.length - chars) : text.slice(0, chars);
    if (side === 'before') {
      const line = piece.indexOf('\n');
      if (line >= 0) piece = piece.slice(line + 1);
    } else {
      const line = piece.lastIndexOf('\n');
      if (line >= 0) piece = piece.slice(0, line + 1);
    }
    const ids = tokenizer.encode(piece);
    if (ids.length >= need + CUT_MARGIN) return side === 'before' ? ids.slice(CUT_MARGIN) : ids.slice(0, ids.length - CUT_MARGIN);
  }
  return tokenizer.encode(text);
}

/**
 * Whether the text certainly has more than `limit` tokens, found by tokenizing line-cut pieces of it
 * until their count, less `CUT_MARGIN` for each cut, passes the limit: text between two holes that
 * is megabytes long is refused after a few kB instead of being tokenized whole.
 */
function exceedsTokens(tokenizer: TokenizerPort, text: string, limit: number): boolean {
  const chunk = (limit + CUT_MARGIN) * CHARS_PER_TOKEN_GUESS;
  if (text.length <= 2 * chunk) return false;
  let count = 0;
  for (let at = 0; at < text.length; ) {
    let end = Math.min(text.length, at + chunk);
    const line = text.lastIndexOf('\n', end - 1);
    if (end < text.length && line >= at) end = line + 1;
    count += tokenizer.encode(text.slice(at, end)).length - (at > 0 ? CUT_MARGIN : 0);
    if (count > limit) return true;
    at = end;
  }
  return false;
}

/**
 * Checks every hole's size, and that the holes together fit the window, before anything of that
 * size is allocated: `[MASK:999999999]` is refused at once instead of building a billion masks.
 */
function checkHoleTotal(segments: readonly Segment[], window: number, initialHoleIds: PlanOptions['initialHoleIds']): void {
  let total = 0;
  let h = 0;
  for (const seg of segments) {
    if (seg.kind !== 'hole') continue;
    const initial = initialHoleIds?.[h++];
    if (initial === undefined && (!Number.isSafeInteger(seg.length) || seg.length < 1)) {
      throw new DiffusionError('bad-input', `a hole needs a whole number of tokens >= 1, got ${seg.length}`);
    }
    total += initial?.length ?? seg.length;
  }
  if (total > window) {
    const what = h === 1 ? `the hole is ${total} tokens` : `the holes need ${total} tokens`;
    throw new DiffusionError('hole-too-long', `Hole too long: ${what}, but the model window allows at most ${window} tokens.`);
  }
}

/**
 * Lays segments out as one token sequence: text is encoded piece by piece, holes become runs of
 * `maskId`. Everything from the first hole to the last is kept; the context outside is cropped to
 * fit `window`, split evenly between the two sides (a side with less context leaves its share to
 * the other).
 */
export function planSpans(
  segments: Segment[],
  tokenizer: TokenizerPort,
  maskId: number,
  window: number,
  opts: PlanOptions = {},
): SpanPlan {
  if (!Number.isInteger(window) || window < 1) throw new DiffusionError('bad-input', `window must be an integer >= 1, got ${window}`);
  checkHoleTotal(segments, window, opts.initialHoleIds);
  const ids: number[] = [];
  const editable: number[] = [];
  const holes: HoleSpan[] = [];
  const lastIndex = segments.length - 1;
  for (let index = 0; index <= lastIndex; index++) {
    const seg = segments[index];
    if (seg.kind === 'text') {
      // Outer context keeps at most `window` tokens, so only that much of it is tokenized.
      const outer = index === 0 ? 'before' : index === lastIndex ? 'after' : undefined;
      if (!outer && exceedsTokens(tokenizer, seg.text, window)) {
        throw new DiffusionError('hole-too-long', `Hole too long: the holes span more than ${window} tokens (with the text between them), but the model window allows at most ${window} tokens.`);
      }
      const textIds = seg.markup
        ? encodeMarkup(tokenizer, seg.text)
        : outer && lastIndex > 0
          ? encodeOuter(tokenizer, seg.text, outer, window)
          : tokenizer.encode(seg.text);
      for (const id of textIds) {
        ids.push(id);
        editable.push(0);
      }
      continue;
    }
    const fill = opts.initialHoleIds?.[holes.length] ?? new Array<number>(seg.length).fill(maskId);
    holes.push({ start: ids.length, length: fill.length, ...(seg.overlap ? { overlap: seg.overlap } : {}) });
    for (const id of fill) {
      ids.push(id);
      editable.push(1);
    }
  }
  if (holes.length === 0) throw new DiffusionError('bad-input', 'there is no hole to fill');

  const first = holes[0].start;
  const last = holes[holes.length - 1].start + holes[holes.length - 1].length;
  const span = last - first;
  if (span > window) {
    const what = holes.length === 1 ? `the hole is ${span} tokens` : `the holes span ${span} tokens (with the text between them)`;
    throw new DiffusionError('hole-too-long', `Hole too long: ${what}, but the model window allows at most ${window} tokens.`);
  }
  const budget = window - span;
  const leftAvail = first;
  const rightAvail = ids.length - last;
  let keepLeft = Math.min(leftAvail, Math.floor(budget / 2));
  const keepRight = Math.min(rightAvail, budget - keepLeft);
  keepLeft = Math.min(leftAvail, budget - keepRight); // hand an unused right share back to the left

  const from = first - keepLeft;
  const to = last + keepRight;
  return {
    ids: Int32Array.from(ids.slice(from, to)),
    editable: Uint8Array.from(editable.slice(from, to)),
    holes: holes.map((h) => ({ ...h, start: h.start - from })),
    cropped: { left: from, right: ids.length - to },
  };
}
