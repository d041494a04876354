// The one hole grammar (CLI and editor): sizes, escapes, custom patterns, refusals with line:column.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DiffusionError, findPlaceholders, parsePlaceholders } from '../../src/core';

const refused = (text: string, patterns: string[] = []): string => {
  try {
    findPlaceholders(text, { patterns });
  } catch (e) {
    assert.equal((e as DiffusionError).code, 'bad-input');
    return (e as Error).message;
  }
  assert.fail(`not refused: ${text}`);
};

test('[MASK:n] is exact, [MASK:..n] and [MASK] are bounds; offsets exact', () => {
  const text = 'a [MASK] b [MASK:5] c [MASK:..7]';
  const { holes } = findPlaceholders(text, { defaultMaxTokens: 9 });
  assert.deepEqual(
    holes.map((h) => [text.slice(h.start, h.end), h.size]),
    [
      ['[MASK]', { kind: 'bound', maxTokens: 9, explicit: false }],
      ['[MASK:5]', { kind: 'exact', tokens: 5 }],
      ['[MASK:..7]', { kind: 'bound', maxTokens: 7, explicit: true }],
    ],
  );
  // A bound hole is `upTo` its bound: the runtime sizes it (length search) and end tokens end it.
  assert.deepEqual(parsePlaceholders(text, { defaultMaxTokens: 9 }), [
    { kind: 'text', text: 'a ' },
    { kind: 'hole', length: 9, upTo: true },
    { kind: 'text', text: ' b ' },
    { kind: 'hole', length: 5 },
    { kind: 'text', text: ' c ' },
    { kind: 'hole', length: 7, upTo: true },
  ]);
  assert.deepEqual(parsePlaceholders('[MASK]x'), [{ kind: 'hole', length: 16, upTo: true }, { kind: 'text', text: 'x' }]);
});

test('a backslash makes a literal [MASK] and is dropped', () => {
  assert.deepEqual(parsePlaceholders('keep \\[MASK] and \\[MASK:3] but fill [MASK:2]'), [
    { kind: 'text', text: 'keep [MASK] and [MASK:3] but fill ' },
    { kind: 'hole', length: 2 },
  ]);
  // An escaped malformed one is text too.
  assert.deepEqual(parsePlaceholders('\\[MASK:abc] [MASK:1]'), [{ kind: 'text', text: '[MASK:abc] ' }, { kind: 'hole', length: 1 }]);
  assert.deepEqual(findPlaceholders('x\\[MASK]', {}).escapes, [1]);
});

test('malformed placeholders are refused, naming the text and line:column', () => {
  assert.match(refused('[MASK:0]'), /^placeholder \[MASK:0\] at 1:1: /);
  assert.match(refused('[MASK:..0]'), /^placeholder \[MASK:\.\.0\] at 1:1: /);
  assert.match(refused('ok [MASK:2]\n  [MASK:abc]'), /^placeholder \[MASK:abc\] at 2:3: write a whole number/);
  assert.match(refused('[MASK:-1] [MASK]'), /^placeholder \[MASK:-1\] at 1:1/);
  assert.match(refused('[MASK] x [MASK:1e3]'), /^placeholder \[MASK:1e3\] at 1:10/);
  assert.match(refused('[MASK:12\nmore'), /^placeholder \[MASK:12 at 1:1: it is not closed with \]/);
  assert.match(refused('end [MASK'), /^placeholder \[MASK at 1:5: it is not closed/);
  assert.match(refused('[MASK:99999999999999999999]'), /more than any model can take/);
  assert.match(refused('[MASK:1.5]'), /\[MASK:1\.5\]/);
});

test('words that only start like a placeholder are text', () => {
  assert.deepEqual(parsePlaceholders('[MASKED] [MASK_ID] [MASK:3]'), [{ kind: 'text', text: '[MASKED] [MASK_ID] ' }, { kind: 'hole', length: 3 }]);
});

test('extra patterns go through the same grammar', () => {
  const text = 'x = <mask>\ny = <mask:7> and <mask:..3> then ____ or ____:2 and \\<mask>; ____: note';
  const patterns = ['<mask>', '____', '__'];
  const { holes } = findPlaceholders(text, { patterns, defaultMaxTokens: 16 });
  assert.deepEqual(
    holes.map((h) => [text.slice(h.start, h.end), h.size.kind === 'exact' ? h.size.tokens : h.size.maxTokens]),
    [['<mask>', 16], ['<mask:7>', 7], ['<mask:..3>', 3], ['____', 16], ['____:2', 2], ['____', 16]],
  );
  assert.match(refused('a <mask:x>', patterns), /^placeholder <mask:x> at 1:3/);
  assert.match(refused('a ____:0', patterns), /^placeholder ____:0 at 1:3/);
  assert.match(refused('a ____:1e3', patterns), /^placeholder ____:1e3 at 1:3/);
  // Regex characters in a pattern are literal.
  assert.deepEqual(parsePlaceholders('no holes (.*)', { patterns: ['(.*)x'] }), [{ kind: 'text', text: 'no holes (.*)' }]);
});

test('a range limits where placeholders are looked for; positions count from the text start', () => {
  const text = '[MASK:abc]\nfill [MASK:2] here';
  const { holes } = findPlaceholders(text, { from: 11 });
  assert.deepEqual(holes, [{ start: 16, end: 24, size: { kind: 'exact', tokens: 2 } }]);
  assert.throws(() => findPlaceholders('a\nb [MASK:x]', { from: 2 }), /at 2:3/);
});
