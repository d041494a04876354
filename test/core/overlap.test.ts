// A hole takes in the unstable end of the text before it (src/core/overlap.ts), on a toy tokenizer
// that splits text the way byte-level BPE pre-tokenizers do: a space joins the word after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { moveOverlaps, splitOverlap, type Segment, type TokenizerPort } from '../../src/core';

/** GPT-2's pre-tokenization (letters, digits, punctuation with an optional leading space; blanks), one id per piece. */
class PieceTokenizer implements TokenizerPort {
  private readonly ids = new Map<string, number>();
  protected pieces(text: string): string[] {
    return text.match(/ ?[A-Za-z_]+| ?[0-9]+| ?[^\sA-Za-z0-9_]+|\s+(?!\S)|\s+/g) ?? [];
  }
  encode(text: string): number[] {
    return this.pieces(text).map((p) => {
      if (!this.ids.has(p)) this.ids.set(p, this.ids.size);
      return this.ids.get(p)!;
    });
  }
}

test('the space a word would take and an indentation\'s last blank move into the hole; a stable end and a cut word stay', () => {
  const t = new PieceTokenizer();
  assert.deepEqual(splitOverlap('    return ', t), { kept: '    return', overlap: ' ' });
  assert.deepEqual(splitOverlap('def add(a, b):\n    ', t), { kept: 'def add(a, b):\n   ', overlap: ' ' });
  assert.deepEqual(splitOverlap('x = Math.min(max, ', t), { kept: 'x = Math.min(max,', overlap: ' ' });
  assert.deepEqual(splitOverlap('value = int(te', t), { kept: 'value = int(te', overlap: '' });
  assert.deepEqual(splitOverlap('a = b\t', t), { kept: 'a = b\t', overlap: '' }, 'a tab takes no word');
  assert.deepEqual(splitOverlap('if a:\n', t), { kept: 'if a:\n', overlap: '' });
  assert.deepEqual(splitOverlap('f(a,', t), { kept: 'f(a,', overlap: '' });
  assert.deepEqual(splitOverlap('', t), { kept: '', overlap: '' });
});

/** Qwen's pre-tokenization (Dream, DiffuCoder): one sign before a word joins the word. */
class QwenPieceTokenizer extends PieceTokenizer {
  protected override pieces(text: string): string[] {
    return text.match(/[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu) ?? [];
  }
}

test('with a Qwen-style tokenizer a sign the word takes moves too; a cut word still stays', () => {
  const t = new QwenPieceTokenizer();
  assert.deepEqual(splitOverlap('return Math.max(', t), { kept: 'return Math.max', overlap: '(' });
  assert.deepEqual(splitOverlap('    return ', t), { kept: '    return', overlap: ' ' });
  assert.deepEqual(splitOverlap('x = int(te', t), { kept: 'x = int(te', overlap: '' });
});

test('of a run of blanks only the one the word takes moves, and only the end of the last line is tokenized', () => {
  const t = new PieceTokenizer();
  const blanks = ' '.repeat(40);
  assert.deepEqual(splitOverlap(`x =${blanks}`, t), { kept: `x =${blanks.slice(1)}`, overlap: ' ' }, 'only the blank the word takes');
  const long = 'y'.repeat(1_000_000) + '\nreturn ';
  const seen: string[] = [];
  const spy: TokenizerPort = { encode: (s) => (seen.push(s), t.encode(s)) };
  assert.deepEqual(splitOverlap(long, spy), { kept: long.slice(0, -1), overlap: ' ' });
  assert.ok(seen.every((s) => s.length <= 64 + 1), `tokenized ${seen.map((s) => s.length)}`);
});

test('moveOverlaps: holes after plain text take the overlap (a refine hole starts from it and its text); markup and leading holes do not', () => {
  const t = new PieceTokenizer();
  const segments: Segment[] = [
    { kind: 'hole', length: 2 },
    { kind: 'text', text: 'return ' },
    { kind: 'hole', length: 3, upTo: true },
    { kind: 'text', text: ' + ' },
    { kind: 'hole', length: 2, initial: 'b' },
    { kind: 'text', text: '<|im_start|>user ', markup: true },
    { kind: 'hole', length: 1 },
  ];
  assert.deepEqual(moveOverlaps(segments, t), [
    { kind: 'hole', length: 2 },
    { kind: 'text', text: 'return' },
    { kind: 'hole', length: 3, upTo: true, overlap: ' ' },
    { kind: 'text', text: ' +' },
    { kind: 'hole', length: 2, initial: ' b', overlap: ' ' },
    { kind: 'text', text: '<|im_start|>user ', markup: true },
    { kind: 'hole', length: 1 },
  ]);
  assert.equal(segments[1].kind === 'text' && segments[1].text, 'return ', 'the input is left as it was');
});
