import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { TextTokenizer } from '../../src/protocol/tokenizer';
import { embeddedModel } from './fixtures';

const read = (dir: string, file: string) => JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
const embedded = () => new TextTokenizer(read(embeddedModel, 'tokenizer.json'), read(embeddedModel, 'tokenizer_config.json'));

test('text that spells a special token is encoded as ordinary characters', () => {
  const tokenizer = embedded();
  const maskId = tokenizer.tokenId('[MASK]')!;
  const separatorId = tokenizer.tokenId('<|endoftext|>')!;
  for (const text of ['x = "[MASK]"', 'a <|endoftext|> b', '[MASK][MASK]']) {
    const ids = tokenizer.encode(text);
    assert.ok(!ids.includes(maskId) && !ids.includes(separatorId), `${text} → ${ids}`);
    assert.equal(tokenizer.decode(ids), text);
  }
});

test('plain text round-trips and gets no sequence specials from a tokenizer without a post-processor', () => {
  const tokenizer = embedded();
  const text = 'def add(a, b):\n    return a + b  # ünïcode 😀 中文';
  assert.equal(tokenizer.decode(tokenizer.encode(text)), text);
  assert.deepEqual([tokenizer.sequencePrefix, tokenizer.sequenceSuffix], [[], []]);
});

test("a BERT-style post-processor's [CLS] … [SEP] are found once, not added to every piece", () => {
  const vocab = { '[PAD]': 0, '[UNK]': 1, '[CLS]': 2, '[SEP]': 3, '[MASK]': 4, a: 5, b: 6 };
  const special = (content: string) => ({ id: vocab[content as keyof typeof vocab], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const tokenizerJson = {
    version: '1.0',
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map(special),
    normalizer: null,
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] } },
    },
    decoder: null,
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
  const tokenizer = new TextTokenizer(tokenizerJson, { mask_token: '[MASK]' });
  assert.deepEqual(tokenizer.sequencePrefix, [2]);
  assert.deepEqual(tokenizer.sequenceSuffix, [3]);
  assert.deepEqual(tokenizer.encode('a b'), [5, 6]);
});

test('a text of ~1.5 MB around a special token encodes without overflowing the call stack', () => {
  const tokenizer = embedded();
  const text = 'x = 1\n'.repeat(250_000) + '[MASK]';
  const ids = tokenizer.encode(text);
  assert.ok(ids.length > 250_000, `${ids.length} ids`);
});

test('special ids and token bytes: byte-level tokens, byte-fallback tokens (<0xE4>), unused ids', () => {
  const tokenizer = embedded();
  assert.deepEqual(tokenizer.specialIds, [0, 8191], '<|endoftext|> and [MASK]');
  // A byte-level token that is the first two bytes of 中 (E4 B8 AD).
  const firstTwo = tokenizer.encode('中').map((id) => [...tokenizer.tokenBytes(id)]);
  assert.deepEqual(firstTwo.flat(), [0xe4, 0xb8, 0xad]);
  const vocab = { '<unk>': 0, '<0xE4>': 1, '<0xB8>': 2, a: 3 };
  const fallback = new TextTokenizer(
    {
      version: '1.0',
      added_tokens: [{ id: 0, content: '<unk>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
      normalizer: null,
      pre_tokenizer: null,
      post_processor: null,
      decoder: { type: 'Sequence', decoders: [{ type: 'ByteFallback' }, { type: 'Fuse' }] },
      model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, vocab, merges: [] },
    },
    {},
  );
  assert.deepEqual([...fallback.tokenBytes(1)], [0xe4]);
  assert.deepEqual([...fallback.tokenBytes(2)], [0xb8]);
  assert.deepEqual([...fallback.tokenBytes(3)], [0x61]);
  assert.equal(fallback.hasToken(3), true);
  assert.equal(fallback.hasToken(9), false);
});
