/** Line endings: models see LF; what is written back keeps the text's own style. */

export type Eol = '\n' | '\r\n';

export function toLf(text: string): string {
  return text.replace(/\r\n/g, '\n');
}

/** `text` (any endings) in the given style. */
export function toEol(text: string, eol: Eol): string {
  const lf = toLf(text);
  return eol === '\n' ? lf : lf.replace(/\n/g, '\r\n');
}

/** The text's style: CRLF when most of its line breaks are CRLF. */
export function eolOf(text: string): Eol {
  const all = text.split('\n').length - 1;
  const crlf = text.split('\r\n').length - 1;
  return crlf > 0 && crlf * 2 >= all ? '\r\n' : '\n';
}
