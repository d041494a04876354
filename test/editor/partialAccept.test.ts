import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InfillRequest } from '../../src/protocol/protocol';
import { candidatesAfterPartial, nextLine, nextWord, requestAfterPartial } from '../../src/editor/partialAccept';

test('next word: blanks plus a word, a punctuation run, or a line break with indentation', () => {
  assert.equal(nextWord('total = a + b'), 'total');
  assert.equal(nextWord(' = a + b'), ' =');
  assert.equal(nextWord('(a, b)'), '(');
  assert.equal(nextWord('a, b)'), 'a');
  assert.equal(nextWord('\n    return x'), '\n    return');
  assert.equal(nextWord('\r\n\treturn'), '\r\n\treturn');
  assert.equal(nextWord('\n\n  x = 1'), '\n\n  x');
  assert.equal(nextWord('\n  \n'), '\n  \n');
  assert.equal(nextWord('   '), '   ');
  assert.equal(nextWord('héllo wörld'), 'héllo');
  assert.equal(nextWord(''), '');
});

test('words taken one by one rebuild the text exactly', () => {
  for (const text of ['def f(x):\n    return x ** 2  # sq\n', '  a\t\tb\r\n', '\u00a0x\f y']) {
    let rest = text;
    let built = '';
    for (let i = 0; rest.length > 0 && i < 100; i++) {
      const w = nextWord(rest);
      assert.ok(w.length > 0);
      built += w;
      rest = rest.slice(w.length);
    }
    assert.equal(built, text);
  }
});

test('next line: the rest of this line, or a break and the next line', () => {
  assert.equal(nextLine('a = 1\nb = 2'), 'a = 1');
  assert.equal(nextLine('\nb = 2\nc'), '\nb = 2');
  assert.equal(nextLine('\r\nb'), '\r\nb');
  assert.equal(nextLine('\n\nx'), '\n');
  assert.equal(nextLine('last'), 'last');
});

test('candidates that disagree with the written prefix are dropped; the rest shrink and merge', () => {
  const candidates = [
    ['foo bar', 'x'],
    ['fox', 'x'],
    ['foo baz', 'x'],
    ['foo bar', 'y'],
  ];
  const after = candidatesAfterPartial(candidates, 2, 0, 'foo');
  assert.deepEqual(after.candidates, [[' bar', 'x'], [' baz', 'x'], [' bar', 'y']]);
  assert.equal(after.shown, 1);
  // Merging: two candidates become the same once the prefix is gone only if they were the same.
  const merged = candidatesAfterPartial([['ab'], ['ab'], ['ac']], 1, 0, 'a');
  assert.deepEqual(merged, { candidates: [['b'], ['c']], shown: 0 });
});

test('the request takes the prefix as context and asks for the rest', () => {
  const request: InfillRequest = {
    segments: [{ kind: 'text', text: 'L' }, { kind: 'hole', length: 5, initial: 'old' }, { kind: 'text', text: 'M' }, { kind: 'hole', length: 3 }, { kind: 'text', text: 'R' }],
    sampler: { strategy: 'mdlm', steps: 8 },
    seed: 1,
    samples: 3,
    maxFramesPerSecond: 0,
  };
  const next = requestAfterPartial(request, 0, 'ab\r\n', 2);
  assert.deepEqual(next.segments, [{ kind: 'text', text: 'Lab\n' }, { kind: 'hole', length: 2 }, { kind: 'text', text: 'M' }, { kind: 'hole', length: 3 }, { kind: 'text', text: 'R' }]);
  assert.equal(next.samples, 3);
  // Hole written completely: it is gone and the text around it joins.
  const gone = requestAfterPartial(request, 1, 'xyz', 0);
  assert.deepEqual(gone.segments, [{ kind: 'text', text: 'L' }, { kind: 'hole', length: 5, initial: 'old' }, { kind: 'text', text: 'MxyzR' }]);
  // A hole at the very start (no text before it).
  const first = requestAfterPartial({ ...request, segments: [{ kind: 'hole', length: 4 }] }, 0, 'q', 3);
  assert.deepEqual(first.segments, [{ kind: 'text', text: 'q' }, { kind: 'hole', length: 3 }]);
});
