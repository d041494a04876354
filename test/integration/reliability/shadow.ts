// The fuzz test's oracle: what the user's own edits alone make of the document, with VS Code's undo
// and redo for edits made through the API (each edit one undo step), and where each hole is. Written
// independently of src/editor/holes.ts (same rule, spelled out again) so it can disagree with it.

export interface Change {
  /** Offset in the text before the change. */
  start: number;
  removed: string;
  inserted: string;
}

export interface Hole {
  start: number;
  end: number;
}

/** Whether the change [start, start + removed.length) → inserted touches the hole. */
export function touches(hole: Hole, change: Change): boolean {
  const cs = change.start;
  const ce = change.start + change.removed.length;
  if (hole.start === hole.end) return (cs === hole.start && ce === hole.start) || (cs < hole.start && ce > hole.start);
  return cs < hole.end && ce > hole.start;
}

export class Shadow {
  text: string;
  holes: Hole[];
  /** Some change touched a hole: the run must stop and write nothing. */
  touched = false;
  private readonly undoStack: Change[] = [];
  private readonly redoStack: Change[] = [];

  constructor(
    readonly base: string,
    holes: readonly Hole[],
    /** The document's line ending: VS Code normalizes inserted text to it. */
    readonly eol: '\n' | '\r\n',
  ) {
    this.text = base;
    this.holes = holes.map((h) => ({ ...h }));
  }

  get undoDepth(): number {
    return this.undoStack.length;
  }

  /** A user edit (replace [start, end) with text): returns the change as applied. */
  edit(start: number, end: number, text: string): Change {
    const change = { start, removed: this.text.slice(start, end), inserted: normalizeEol(text, this.eol) };
    if (change.removed === '' && change.inserted === '') throw new Error('an empty edit: VS Code records no undo step for it');
    this.apply(change);
    this.undoStack.push(change);
    this.redoStack.length = 0;
    return change;
  }

  undo(): Change | undefined {
    const change = this.undoStack.pop();
    if (!change) return undefined;
    const inverse = { start: change.start, removed: change.inserted, inserted: change.removed };
    this.apply(inverse);
    this.redoStack.push(change);
    return inverse;
  }

  redo(): Change | undefined {
    const change = this.redoStack.pop();
    if (!change) return undefined;
    this.apply(change);
    this.undoStack.push(change);
    return change;
  }

  /** The text with each hole replaced by its accepted text. */
  withAccepted(texts: readonly string[]): string {
    let out = this.text;
    for (let i = this.holes.length - 1; i >= 0; i--) {
      const h = this.holes[i];
      out = out.slice(0, h.start) + normalizeEol(texts[i] ?? '', this.eol) + out.slice(h.end);
    }
    return out;
  }

  private apply(change: Change): void {
    this.text = this.text.slice(0, change.start) + change.inserted + this.text.slice(change.start + change.removed.length);
    if (this.touched) return;
    const delta = change.inserted.length - change.removed.length;
    const ce = change.start + change.removed.length;
    for (const hole of this.holes) {
      if (touches(hole, change)) {
        this.touched = true;
        return;
      }
    }
    this.holes = this.holes.map((h) => (ce <= h.start ? { start: h.start + delta, end: h.end + delta } : h));
  }
}

export function normalizeEol(text: string, eol: '\n' | '\r\n'): string {
  return text.replace(/\r\n|\r|\n/g, eol);
}

/** A small seeded PRNG (mulberry32): the same seed replays the same run. */
export function rngFor(seed: number): { next(): number; int(lo: number, hi: number): number; pick<T>(items: readonly T[]): T; chance(p: number): boolean } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    chance: (p) => next() < p,
  };
}

/** Moves an offset off the middle of a surrogate pair or a CRLF (VS Code positions cannot be there). */
export function snapOffset(text: string, offset: number): number {
  let o = Math.max(0, Math.min(text.length, offset));
  const prev = text.charCodeAt(o - 1);
  if (o > 0 && prev >= 0xd800 && prev <= 0xdbff) o--;
  else if (o > 0 && text[o - 1] === '\r' && text[o] === '\n') o--;
  return o;
}
