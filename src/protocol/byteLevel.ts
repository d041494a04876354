/**
 * The GPT-2 byte-level alphabet: every byte 0..255 is written as one printable character in a
 * byte-level BPE vocabulary. Inverting it gives the exact bytes behind a token, which is what lets
 * us cut token streams only at whole UTF-8 characters.
 */
let charToByte: Map<string, number> | undefined;

function buildCharToByte(): Map<string, number> {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const map = new Map<string, number>();
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    // Printable bytes stand for themselves; the rest are moved past 255, in order.
    const codePoint = printable(b) ? b : 256 + shifted++;
    map.set(String.fromCodePoint(codePoint), b);
  }
  return map;
}

/** The bytes a byte-level token stands for, or undefined when a character is outside the alphabet. */
export function byteLevelTokenBytes(token: string): Uint8Array | undefined {
  charToByte ??= buildCharToByte();
  const bytes = new Uint8Array(token.length);
  let n = 0;
  for (const ch of token) {
    const b = charToByte.get(ch);
    if (b === undefined) return undefined;
    bytes[n++] = b;
  }
  return bytes.subarray(0, n);
}

/** Whether `bytes` ends in the middle of a UTF-8 character (a lead byte still waiting for continuations). */
export function endsInsideUtf8Char(bytes: ArrayLike<number>): boolean {
  const len = bytes.length;
  for (let i = len - 1; i >= 0 && i >= len - 4; i--) {
    const b = bytes[i];
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return len - i < need && b < 0xf8;
  }
  return false; // only stray continuation bytes: invalid anyway, nothing to wait for
}
