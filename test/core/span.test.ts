import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DiffusionError, parsePlaceholders, planSpans, type Segment, type TokenizerPort } from '../../src/core';

/** One token per character (ids = char codes): easy to reason about lengths. */
const chars: TokenizerPort = { encode: (text) => Array.from(text, (c) => c.charCodeAt(0)) };
const MASK = 999;

const decode = (ids: ArrayLike<number>) => Array.from(ids, (id) => (id === MASK ? '_' : String.fromCharCode(id))).join('');

test('plans context, hole, context with the hole as a run of masks', () => {
  const plan = planSpans([{ kind: 'text', text: 'abc' }, { kind: 'hole', length: 3 }, { kind: 'text', text: 'de' }], chars, MASK, 100);
  assert.equal(decode(plan.ids), 'abc___de');
  assert.deepEqual(Array.from(plan.editable), [0, 0, 0, 1, 1, 1, 0, 0]);
  assert.deepEqual(plan.holes, [{ start: 3, length: 3 }]);
  assert.deepEqual(plan.cropped, { left: 0, right: 0 });
});

test('cropping keeps the holes and balances the context on both sides', () => {
  const segs: Segment[] = [{ kind: 'text', text: 'LLLLLLLLLL' }, { kind: 'hole', length: 2 }, { kind: 'text', text: 'RRRRRRRRRR' }];
  const plan = planSpans(segs, chars, MASK, 8);
  assert.equal(decode(plan.ids), 'LLL__RRR');
  assert.deepEqual(plan.cropped, { left: 7, right: 7 });
  assert.deepEqual(plan.holes, [{ start: 3, length: 2 }]);
  // A short side gives its unused share to the other.
  const lopsided = planSpans([{ kind: 'text', text: 'x' }, { kind: 'hole', length: 2 }, { kind: 'text', text: 'RRRRRRRRRR' }], chars, MASK, 8);
  assert.equal(decode(lopsided.ids), 'x__RRRRR');
  assert.deepEqual(lopsided.cropped, { left: 0, right: 5 });
  const rightShort = planSpans([{ kind: 'text', text: 'LLLLLLLLLL' }, { kind: 'hole', length: 2 }], chars, MASK, 8);
  assert.equal(decode(rightShort.ids), 'LLLLLL__');
  // Odd budget: the extra token goes right.
  assert.equal(decode(planSpans(segs, chars, MASK, 7).ids), 'LL__RRR');
});

test('several holes keep the text between them and map back to their ranges', () => {
  const segs: Segment[] = [
    { kind: 'text', text: 'aaaa' },
    { kind: 'hole', length: 2 },
    { kind: 'text', text: 'mid' },
    { kind: 'hole', length: 1 },
    { kind: 'text', text: 'zzzz' },
  ];
  const plan = planSpans(segs, chars, MASK, 10);
  assert.equal(decode(plan.ids), 'aa__mid_zz');
  assert.deepEqual(plan.holes, [{ start: 2, length: 2 }, { start: 7, length: 1 }]);
  for (const h of plan.holes) for (let i = h.start; i < h.start + h.length; i++) assert.equal(plan.editable[i], 1);
  assert.equal(plan.editable.reduce((s, v) => s + v, 0), 3);
});

test('a hole (or holes together) longer than the window is hole-too-long, naming the allowed length', () => {
  assert.throws(
    () => planSpans([{ kind: 'hole', length: 9 }], chars, MASK, 8),
    (e: unknown) => e instanceof DiffusionError && e.code === 'hole-too-long' && /at most 8 tokens/.test(e.message) && /9/.test(e.message),
  );
  assert.throws(
    () => planSpans([{ kind: 'hole', length: 4 }, { kind: 'text', text: 'xx' }, { kind: 'hole', length: 4 }], chars, MASK, 9),
    (e: unknown) => e instanceof DiffusionError && e.code === 'hole-too-long',
  );
  assert.equal(planSpans([{ kind: 'hole', length: 8 }], chars, MASK, 8).ids.length, 8);
  assert.throws(() => planSpans([{ kind: 'text', text: 'no hole' }], chars, MASK, 8), (e: unknown) => (e as DiffusionError).code === 'bad-input');
});

test('refine: a hole can start from given ids', () => {
  const plan = planSpans([{ kind: 'text', text: 'a' }, { kind: 'hole', length: 5, initial: 'xy' }], chars, MASK, 10, {
    initialHoleIds: [[120, 121]],
  });
  assert.equal(decode(plan.ids), 'axy');
  assert.deepEqual(Array.from(plan.editable), [0, 1, 1]);
  assert.deepEqual(plan.holes, [{ start: 1, length: 2 }]);
});

test('placeholders and planning compose', () => {
  const plan = planSpans(parsePlaceholders('ab[MASK:2]cd'), chars, MASK, 16);
  assert.equal(decode(plan.ids), 'ab__cd');
});

test('long outer context is tokenized only near the holes, with the same plan as tokenizing all of it', () => {
  // A word-level tokenizer (one token per word or whitespace run) that records what it was given.
  const seen: number[] = [];
  const words: TokenizerPort = {
    encode: (text) => {
      seen.push(text.length);
      return (text.match(/\s+|\S+/g) ?? []).map((w) => (w.trim() ? w.length : 100 + w.length));
    },
  };
  const line = (i: number) => `line ${i} ${'x'.repeat(i % 7)} = ${i * 3};\n`;
  const before = Array.from({ length: 20000 }, (_, i) => line(i)).join('');
  const after = Array.from({ length: 20000 }, (_, i) => line(i + 7)).join('');
  const segs: Segment[] = [{ kind: 'text', text: before }, { kind: 'hole', length: 16 }, { kind: 'text', text: after }];
  const whole = planSpans(segs, { encode: (t) => words.encode(t) }, MASK, 1 << 30);
  for (const window of [64, 512]) {
    seen.length = 0;
    const plan = planSpans(segs, words, MASK, window);
    const from = whole.holes[0].start - plan.holes[0].start;
    assert.deepEqual(Array.from(plan.ids), Array.from(whole.ids.subarray(from, from + plan.ids.length)), `window ${window}`);
    assert.deepEqual(plan.holes, [{ start: Math.floor((window - 16) / 2), length: 16 }]);
    assert.ok(Math.max(...seen) < before.length / 20, `tokenized at most ${Math.max(...seen)} characters at once`);
  }
});

test('a huge hole, or holes summing past the window, is refused before any of it is allocated', () => {
  const refusedFast = (segments: Segment[]) =>
    assert.throws(() => planSpans(segments, chars, MASK, 512), (e: unknown) => (e as DiffusionError).code === 'hole-too-long' && /at most 512 tokens/.test((e as Error).message));
  // 2^32 masks cannot even be allocated: only a check before allocating gives the message.
  refusedFast([{ kind: 'text', text: 'x = ' }, { kind: 'hole', length: 2 ** 32 }]);
  refusedFast([{ kind: 'hole', length: 300 }, { kind: 'text', text: ';' }, { kind: 'hole', length: 300 }]);
  assert.throws(() => planSpans([{ kind: 'hole', length: Number.MAX_VALUE }], chars, MASK, 512), /whole number of tokens/);
});

test('megabytes of text between two holes are refused after tokenizing a few kB of it', () => {
  let longest = 0;
  const counting: TokenizerPort = { encode: (text) => ((longest = Math.max(longest, text.length)), chars.encode(text)) };
  const between = 'x = 1\n'.repeat(250_000);
  assert.throws(
    () => planSpans([{ kind: 'hole', length: 3 }, { kind: 'text', text: between }, { kind: 'hole', length: 3 }], counting, MASK, 512),
    (e: unknown) => (e as DiffusionError).code === 'hole-too-long' && /span more than 512 tokens/.test((e as Error).message),
  );
  assert.ok(longest < 10_000, `tokenized ${longest} characters at once`);
  // Text between holes that fits is still laid out exactly.
  const plan = planSpans([{ kind: 'hole', length: 1 }, { kind: 'text', text: 'ab\n'.repeat(100) }, { kind: 'hole', length: 1 }], counting, MASK, 512);
  assert.equal(plan.ids.length, 302);
});
