import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readModelFolder } from '../../src/worker/modelFolder';
import { groupPieces } from '../../src/worker/pieces';
import { TextTokenizer } from '../../src/protocol/tokenizer';
import { endsInsideUtf8Char } from '../../src/protocol/byteLevel';
import { embeddedModel } from './fixtures';

const folder = readModelFolder(embeddedModel, false);
const tokenizer = new TextTokenizer(folder.tokenizerJson, folder.tokenizerConfig);
const maskId = folder.config.maskTokenId!;

const samples = [
  'const greeting = "héllo wörld";',
  'emoji: 😀👍🏽 and a family 👨‍👩‍👧 done',
  '中文字符和日本語のテキスト',
  'combining: e\u0301 a\u0308 n\u0303 (decomposed) and 한국어',
  'mixed 🚀x中y\u0301z\n\ttabs',
];

test('the tokenizer round-trips text and sees exactly the text tokens (no added specials)', () => {
  for (const text of samples) {
    const ids = tokenizer.encode(text);
    assert.ok(ids.length > 0);
    assert.ok(!ids.includes(maskId), 'no mask token in plain text');
    assert.equal(tokenizer.decode(ids), text);
  }
  assert.equal(tokenizer.vocabSize, folder.config.vocabSize);
});

test('pieces never split a UTF-8 character and join to the decoded text', () => {
  let multiTokenPieces = 0;
  for (const text of samples) {
    const ids = tokenizer.encode(text);
    const pieces = groupPieces(ids, maskId, tokenizer);
    assert.equal(pieces.map((p) => p.text).join(''), text);
    for (const p of pieces) {
      assert.ok(!p.text.includes('\uFFFD'), `piece ${JSON.stringify(p.text)} of ${JSON.stringify(text)} is half a character`);
      assert.equal(p.text, tokenizer.decode(ids.slice(p.start, p.end)));
      if (p.end - p.start > 1) multiTokenPieces++;
    }
    // Pieces cover every token exactly once, in order.
    pieces.forEach((p, i) => assert.equal(p.start, i === 0 ? 0 : pieces[i - 1].end));
    assert.equal(pieces.at(-1)!.end, ids.length);
  }
  assert.ok(multiTokenPieces > 0, 'the samples must include characters split across tokens');
});

test('a mask inside a split character stays its own piece; the rest is whole or shown as U+FFFD', () => {
  const ids = tokenizer.encode('a😀b');
  const emoji = groupPieces(ids, maskId, tokenizer).find((p) => p.text === '😀')!;
  assert.ok(emoji.end - emoji.start > 1, 'this test needs the emoji split across tokens');
  const masked = ids.slice();
  masked[emoji.start + 1] = maskId;
  const pieces = groupPieces(masked, maskId, tokenizer);
  const mask = pieces.filter((p) => p.masked);
  assert.equal(mask.length, 1);
  assert.deepEqual([mask[0].start, mask[0].end, mask[0].text], [emoji.start + 1, emoji.start + 2, '']);
  assert.equal(pieces[0].text, 'a');
  assert.equal(pieces.at(-1)!.text, 'b');
});

test('endsInsideUtf8Char finds an unfinished lead byte', () => {
  assert.equal(endsInsideUtf8Char([0x61]), false);
  assert.equal(endsInsideUtf8Char([0xf0, 0x9f]), true);
  assert.equal(endsInsideUtf8Char([0xf0, 0x9f, 0x98, 0x80]), false);
  assert.equal(endsInsideUtf8Char([0xe4, 0xb8]), true);
  assert.equal(endsInsideUtf8Char([0xe4, 0xb8, 0xad]), false);
  assert.equal(endsInsideUtf8Char([0x80, 0x80]), false); // stray continuations: nothing to wait for
});
