/** UTF-8 well-formedness (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF). */

/** Offset of the first byte that does not start a well-formed character, or -1 when all are whole. */
export function invalidUtf8At(bytes: ArrayLike<number>): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0; // overlong
      if (b === 0xed) hi = 0x9f; // surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90; // overlong
      if (b === 0xf4) hi = 0x8f; // past U+10FFFF
    } else return i;
    if (i + need >= n) return i; // cut short
    const second = bytes[i + 1];
    if (second < lo || second > hi) return i;
    for (let k = 2; k <= need; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return -1;
}

/**
 * The UTF-8 automaton one byte at a time: state 0 is a character boundary; 1-3 wait for that many
 * continuation bytes (0x80-0xbf); 4-7 wait for the restricted second byte after E0, ED, F0, F4
 * (RFC 3629, as invalidUtf8At above) and then 1, 1, 2, 2 more. UTF8_REJECT: the byte cannot follow.
 */
export const UTF8_STATES = 8;
export const UTF8_REJECT = 255;

export function utf8Next(state: number, b: number): number {
  const cont = b >= 0x80 && b <= 0xbf;
  switch (state) {
    case 0:
      if (b < 0x80) return 0;
      if (b >= 0xc2 && b <= 0xdf) return 1;
      if (b === 0xe0) return 4;
      if (b === 0xed) return 5;
      if (b >= 0xe1 && b <= 0xef) return 2;
      if (b === 0xf0) return 6;
      if (b >= 0xf1 && b <= 0xf3) return 3;
      if (b === 0xf4) return 7;
      return UTF8_REJECT;
    case 1:
    case 2:
    case 3:
      return cont ? state - 1 : UTF8_REJECT;
    case 4:
      return b >= 0xa0 && b <= 0xbf ? 1 : UTF8_REJECT;
    case 5:
      return b >= 0x80 && b <= 0x9f ? 1 : UTF8_REJECT;
    case 6:
      return b >= 0x90 && b <= 0xbf ? 2 : UTF8_REJECT;
    case 7:
      return b >= 0x80 && b <= 0x8f ? 2 : UTF8_REJECT;
    default:
      return UTF8_REJECT;
  }
}
