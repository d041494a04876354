/**
 * Groups a run of tokens into pieces whose text is whole UTF-8 characters. Byte-level BPE can cut
 * one character (an emoji, a CJK ideograph) across tokens; such tokens become one piece, so the
 * editor never draws half a character, and the pieces' texts join to the decoded text.
 */
import { endsInsideUtf8Char } from '../protocol/byteLevel';

export interface Piece {
  /** Token positions [start, end) within the run. */
  start: number;
  end: number;
  /** '' for a masked position (always a piece of its own). */
  text: string;
  masked: boolean;
}

export interface TokenBytesSource {
  tokenBytes(id: number): Uint8Array;
}

const decoder = new TextDecoder('utf-8');

export function groupPieces(ids: ArrayLike<number>, maskId: number, source: TokenBytesSource): Piece[] {
  const pieces: Piece[] = [];
  let start = 0;
  let bytes: number[] = [];
  const close = (end: number) => {
    if (end > start) pieces.push({ start, end, text: decoder.decode(Uint8Array.from(bytes)), masked: false });
    start = end;
    bytes = [];
  };
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] === maskId) {
      // A mask interrupts a half-finished character: it is shown as is (U+FFFD) until filled.
      close(i);
      pieces.push({ start: i, end: i + 1, text: '', masked: true });
      start = i + 1;
      continue;
    }
    for (const b of source.tokenBytes(ids[i])) bytes.push(b);
    if (!endsInsideUtf8Char(bytes)) close(i + 1);
  }
  close(ids.length);
  return pieces;
}
