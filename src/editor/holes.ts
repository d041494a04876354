/**
 * Hole ranges as document offsets, carried through document edits. Pure: no `vscode`, so the rule
 * that protects the user's text (an edit touching a hole stops the run) is unit-tested directly.
 */

/** [start, end) in document offsets (UTF-16 code units, as `TextDocument.offsetAt`). */
export interface OffsetRange {
  start: number;
  end: number;
}

/** One entry of `TextDocumentChangeEvent.contentChanges`. */
export interface TextChange {
  rangeOffset: number;
  rangeLength: number;
  text: string;
}

/** Whether a change touches the hole: overlaps it, or types into an empty hole's position. */
export function touchesHole(range: OffsetRange, change: TextChange): boolean {
  const changeStart = change.rangeOffset;
  const changeEnd = change.rangeOffset + change.rangeLength;
  if (range.start === range.end) {
    // An empty hole (generate at the cursor): typing right there, or deleting across it, is an edit
    // at the hole; deleting up to it or from it only moves the context.
    const p = range.start;
    return (changeStart === p && changeEnd === p) || (changeStart < p && changeEnd > p);
  }
  // Strict overlap; an insertion exactly at either boundary stays outside.
  return changeStart < range.end && changeEnd > range.start;
}

/** Where a change left the holes: moved, one of them edited (`touched`), or typed at (`typed`). */
export type HoleMove = OffsetRange[] | { touched: number } | { typed: number };

/**
 * Moves the ranges through one change. Returns the index of the first hole the change touched
 * (the caller stops the run and writes nothing), or typed right at (the caller dismisses the
 * preview), or the moved ranges.
 */
export function moveThroughChange(ranges: readonly OffsetRange[], change: TextChange): HoleMove {
  const typed = ranges.findIndex((r) => typedAtHole(r, change));
  if (typed >= 0) return { typed };
  const changeEnd = change.rangeOffset + change.rangeLength;
  const delta = change.text.length - change.rangeLength;
  const moved: OffsetRange[] = [];
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i];
    if (touchesHole(r, change)) return { touched: i };
    moved.push(changeEnd <= r.start ? { start: r.start + delta, end: r.end + delta } : { start: r.start, end: r.end });
  }
  return moved;
}

/**
 * Moves ranges through all changes of one event. The extension host applies an event's changes one
 * after another (each offset is relative to the text after the previous change), so do the same.
 */
export function moveThroughChanges(ranges: readonly OffsetRange[], changes: readonly TextChange[]): HoleMove {
  let current: OffsetRange[] = ranges.map((r) => ({ start: r.start, end: r.end }));
  for (const change of changes) {
    const next = moveThroughChange(current, change);
    if (!Array.isArray(next)) return next;
    current = next;
  }
  return current;
}

/**
 * Whether a change is typing right at a hole without touching its text: an insertion at either
 * boundary (or at an empty hole), or a deletion that ends at its start or begins at its end
 * (Backspace / Delete there).
 * With the cursor at the hole that is the user typing past the preview: it is dismissed.
 */
export function typedAtHole(range: OffsetRange, change: TextChange): boolean {
  const changeStart = change.rangeOffset;
  const changeEnd = change.rangeOffset + change.rangeLength;
  // An empty hole has no text to touch: typing at it is typing past the preview.
  if (range.start === range.end && changeStart === range.start && changeEnd === range.start) return true;
  if (touchesHole(range, change)) return false;
  return changeEnd === range.start || changeStart === range.end;
}
