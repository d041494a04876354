import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenState, type Frame } from '../../src/core/types';
import { resolveEndTokenIds } from '../../src/worker/endTokens';
import { sampleHoles } from '../../src/worker/frames';
import { readModelFolder } from '../../src/worker/modelFolder';
import { TextTokenizer } from '../../src/protocol/tokenizer';
import { embeddedModel } from './fixtures';

const folder = readModelFolder(embeddedModel, false);
const tokenizer = new TextTokenizer(folder.tokenizerJson, folder.tokenizerConfig);
const maskId = folder.config.maskTokenId!;
const tokens: Record<string, number> = { '<eos>': 5, '<pad>': 6, '<|im_end|>': 7, '[MASK]': 9 };
const lookup = (t: string) => tokens[t];

test('end tokens: config.json ids (number or list) and tokenizer_config.json tokens, mask excluded', () => {
  assert.deepEqual(resolveEndTokenIds({ eos_token_id: 5 }, {}, lookup, 9, 100), [5]);
  assert.deepEqual(resolveEndTokenIds({ eos_token_id: [7, 5], pad_token_id: 6 }, {}, lookup, 9, 100), [5, 6, 7]);
  assert.deepEqual(resolveEndTokenIds({}, { eos_token: '<|im_end|>', pad_token: { content: '<pad>' } }, lookup, 9, 100), [6, 7]);
  assert.deepEqual(resolveEndTokenIds({ pad_token_id: 9 }, { pad_token: '[MASK]' }, lookup, 9, 100), [], 'padding with the mask token never ends text');
  assert.deepEqual(resolveEndTokenIds({ eos_token_id: null, pad_token_id: 500 }, { eos_token: 'unknown' }, lookup, 9, 100), [], 'absent, unknown and out-of-vocabulary ids are ignored');
});

test("the embedded model's end token is <|endoftext|>, id 0", () => {
  const ids = resolveEndTokenIds(folder.rawConfig, folder.tokenizerConfig, (t) => tokenizer.tokenId(t), maskId, tokenizer.vocabSize);
  assert.deepEqual(ids, [0]);
  assert.equal(tokenizer.decode([0]), '<|endoftext|>');
});

test('the preview drops everything from the first end token on, so the hole shrinks as end tokens settle', () => {
  const word = tokenizer.encode(' value');
  const a = word[0];
  const frameOf = (hole: number[]): Frame => {
    const ids = Int32Array.from([...tokenizer.encode('x ='), ...hole]);
    const state = new Uint8Array(ids.length).map((_, i) => (ids[i] === maskId ? TokenState.Masked : TokenState.Settled));
    return { step: 1, totalSteps: 2, t: 0.5, batch: 1, length: ids.length, ids, state, confidence: new Float32Array(ids.length).fill(0.5), modelCalled: true };
  };
  const start = tokenizer.encode('x =').length;
  const holes = [{ start, length: 4 }];
  const ends = new Set([0]);
  const text = (hole: number[]) => sampleHoles(frameOf(hole), 0, holes, maskId, tokenizer, ends)[0];
  assert.equal(text([a, maskId, maskId, maskId]).length, 4, 'no end token yet: all four positions drawn');
  assert.equal(text([a, maskId, 0, maskId]).length, 2, 'an end token at position 2: two left');
  assert.deepEqual(text([a, 0, 0, 0]).map((v) => v.text), [tokenizer.decode([a])]);
  assert.equal(text([0, a, a, a]).length, 0, 'an end token first: the hole is empty');
  assert.equal(sampleHoles(frameOf([a, 0, a, a]), 0, holes, maskId, tokenizer)[0].length, 4, 'no end ids: nothing is cut');
});
