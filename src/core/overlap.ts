/**
 * Token healing at a hole's left edge.
 *
 * Byte-level BPE tokenizers attach the space before a word to the word (`    return` is `   ` +
 * ` return`, `max, value` is `,` + ` value`). Text that ends where a user's hole starts (after
 * `return `, after an indentation) therefore ends in a blank token the model has rarely seen before
 * more text, and it fills the hole with nonsense. The blank the next word would take (the `overlap`)
 * moves into the hole: the text keeps the tokens it would have with a word after it, and the hole's
 * first token must begin with the overlap (DrawConstraint). The overlap stays in the document; the
 * hole's text is what the model writes after it. The hole needs no more tokens for it: the blank is
 * part of its first word's token.
 *
 * Qwen-style pre-tokenizers (Dream, DiffuCoder) attach one punctuation character the same way
 * (`max(value` is `max` + `(value`), so blanks and punctuation move. Letters and digits do not:
 * text that ends inside a word (`int(te`) keeps its tokens, since whether the word goes on is the
 * hole's to say, and re-spelling it in the hole would cost a token an exact-length hole does not
 * have (measured: on held-out spans cut at token boundaries, moving word ends lost cases).
 */
import { startsWith } from './arrays';
import type { Segment } from './types';
import type { TokenizerPort } from './span';

/** The most characters a hole takes in (the cuts tried); a word takes one blank or sign. */
const MAX_OVERLAP = 16;
/** What may move: no letter, digit or line break. */
const MOVABLE = /^[^\p{L}\p{N}\r\n]+$/u;
/** Characters of the text's last line compared; BPE merges never reach this far. */
const TAIL = 64;
/** What a hole most often starts with: a word. */
const PROBE = 'x';

/**
 * Splits `text` into what keeps its tokens when a word follows (`kept`) and the tail that does not
 * (`overlap`: '' when the text ends on a stable token boundary or the tail holds a letter or digit).
 */
export function splitOverlap(text: string, tokenizer: TokenizerPort): { kept: string; overlap: string } {
  const tailStart = Math.max(text.lastIndexOf('\n') + 1, text.length - TAIL);
  const tail = text.slice(tailStart);
  if (tail.length === 0) return { kept: text, overlap: '' };
  const probed = tokenizer.encode(tail + PROBE);
  for (let cut = tail.length; cut >= Math.max(0, tail.length - MAX_OVERLAP); cut--) {
    const ids = cut === 0 ? [] : tokenizer.encode(tail.slice(0, cut));
    if (ids.length < probed.length && startsWith(probed, ids)) {
      const overlap = tail.slice(cut);
      return overlap === '' || MOVABLE.test(overlap) ? { kept: text.slice(0, tailStart + cut), overlap } : { kept: text, overlap: '' };
    }
  }
  return { kept: text, overlap: '' };
}

/**
 * Moves each unstable tail before a hole into the hole as its `overlap`; a hole that starts from
 * text (refine) starts from the overlap and that text. Text that is markup (a chat template's) is
 * left as it is.
 */
export function moveOverlaps(segments: readonly Segment[], tokenizer: TokenizerPort): Segment[] {
  const out = segments.slice();
  for (let i = 1; i < out.length; i++) {
    const hole = out[i];
    const before = out[i - 1];
    if (hole.kind !== 'hole' || before.kind !== 'text' || before.markup) continue;
    const { kept, overlap } = splitOverlap(before.text, tokenizer);
    if (overlap === '') continue;
    out[i - 1] = { ...before, text: kept };
    out[i] = { ...hole, overlap, ...(hole.initial !== undefined ? { initial: overlap + hole.initial } : {}) };
  }
  return out;
}
