// Loading the real model, and each broken copy of it giving a clear error that names the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { InfillError } from '../../src/protocol/errors';
import { LoadedModel } from '../../src/worker/model';
import type { LoadSettings } from '../../src/protocol/protocol';
import { parseModelConfig } from '../../src/worker/modelFolder';
import { checkGraph } from '../../src/worker/onnxDenoiser';
import { copyModel, editJson, embeddedModel, removeDir, renameGraphName } from './fixtures';

const settings = (modelDir: string): LoadSettings => ({ modelDir, executionProvider: 'cpu', quantized: false, threads: 1 });

async function loadError(modelDir: string): Promise<InfillError> {
  try {
    const model = await LoadedModel.load(settings(modelDir));
    await model.dispose();
  } catch (err) {
    assert.ok(err instanceof InfillError, `expected an InfillError, got ${String(err)}`);
    return err;
  }
  assert.fail(`loading ${modelDir} should have failed`);
}

/** Runs `check` on a fresh copy of the model broken by `breakIt`, then removes the copy. */
async function withBrokenCopy(breakIt: (dir: string) => void, check: (err: InfillError, dir: string) => void) {
  const dir = copyModel();
  try {
    breakIt(dir);
    check(await loadError(dir), dir);
  } finally {
    removeDir(dir);
  }
}

test('the embedded model loads, agrees with its tokenizer, and gives logits of the right shape', async () => {
  const model = await LoadedModel.load(settings(embeddedModel));
  try {
    const { info } = model;
    assert.equal(info.name, 'mdlm-code-small');
    assert.equal(info.vocabSize, model.tokenizer.vocabSize);
    assert.equal(info.maskId, model.tokenizer.tokenId('[MASK]'));
    assert.equal(info.maxLength, 512);
    assert.equal(info.usesTime, false);
    assert.equal(info.executionProvider, 'cpu');
    assert.equal(info.providerNotice, undefined);
    const ids = new Int32Array(2 * 16).fill(info.maskId);
    ids.set(model.tokenizer.encode('def add(a, b):').slice(0, 16));
    const logits = await model.denoiser.forward(ids, 2, 16);
    assert.equal(logits.length, 2 * 16 * info.vocabSize);
    assert.ok(logits.every(Number.isFinite));
    // Same input, same logits: the runtime is deterministic on CPU.
    assert.deepEqual(await model.denoiser.forward(ids, 2, 16), logits);
  } finally {
    await model.dispose();
  }
});

test('the quantized graph is chosen when asked for', async () => {
  const model = await LoadedModel.load({ ...settings(embeddedModel), quantized: true });
  try {
    assert.equal(path.basename(model.info.onnxFile), 'model_quantized.onnx');
  } finally {
    await model.dispose();
  }
});

test('asking for CUDA where it cannot load falls back to CPU with a notice', async () => {
  const model = await LoadedModel.load({ ...settings(embeddedModel), executionProvider: 'cuda' });
  try {
    assert.equal(model.info.executionProvider, 'cpu');
    assert.match(model.info.providerNotice ?? '', /CUDA|cuda/);
  } finally {
    await model.dispose();
  }
});

test('a missing folder or file is model-missing, naming the path', async () => {
  const gone = await loadError(path.join(embeddedModel, 'no-such-model'));
  assert.equal(gone.code, 'model-missing');
  assert.match(gone.message, /no-such-model/);
  await withBrokenCopy(
    (dir) => fs.rmSync(path.join(dir, 'onnx', 'model.onnx')),
    (err) => {
      assert.equal(err.code, 'model-missing');
      assert.match(err.message, /onnx[/\\]model\.onnx/);
    },
  );
  await withBrokenCopy(
    (dir) => fs.rmSync(path.join(dir, 'tokenizer.json')),
    (err) => {
      assert.equal(err.code, 'model-missing');
      assert.match(err.message, /tokenizer\.json/);
    },
  );
});

test('a truncated ONNX file is model-invalid, naming the file', async () => {
  await withBrokenCopy(
    (dir) => {
      const file = path.join(dir, 'onnx', 'model.onnx');
      fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
    },
    (err) => {
      assert.equal(err.code, 'model-invalid');
      assert.match(err.message, /model\.onnx: ONNX Runtime could not load the model/);
    },
  );
  await withBrokenCopy(
    (dir) => fs.writeFileSync(path.join(dir, 'onnx', 'model.onnx'), 'not a protobuf at all'),
    (err) => assert.equal(err.code, 'model-invalid'),
  );
});

test('a graph with unexpected input names is model-invalid, listing what it has and what is expected', async () => {
  await withBrokenCopy(
    (dir) => renameGraphName(path.join(dir, 'onnx', 'model.onnx'), 'input_ids', 'token_ids'),
    (err) => {
      assert.equal(err.code, 'model-invalid');
      assert.match(err.message, /model\.onnx: the graph has inputs \[token_ids(, logit_positions)?\]; expected inputs input_ids/);
    },
  );
  await withBrokenCopy(
    (dir) => renameGraphName(path.join(dir, 'onnx', 'model.onnx'), 'logits', 'scores'),
    (err) => {
      assert.equal(err.code, 'model-invalid');
      assert.match(err.message, /outputs \[scores\]/);
    },
  );
});

test('a tokenizer whose vocabulary does not match the logits is tokenizer-mismatch', async () => {
  const addToken = (dir: string, id: number) =>
    editJson(path.join(dir, 'tokenizer.json'), (t) => {
      t.added_tokens.push({ id, content: '<|extra|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
      t.model.vocab['<|extra|>'] = id;
    });
  // config.json agrees with the bigger tokenizer, the graph's logits do not.
  await withBrokenCopy(
    (dir) => {
      addToken(dir, 8192);
      editJson(path.join(dir, 'config.json'), (c) => (c.vocab_size = 8193));
    },
    (err) => {
      assert.equal(err.code, 'tokenizer-mismatch');
      assert.match(err.message, /tokenizer\.json: the tokenizer has 8193 tokens but the logits of .*model\.onnx have 8192/);
    },
  );
  // config.json itself disagrees with the tokenizer.
  await withBrokenCopy(
    (dir) => addToken(dir, 8192),
    (err) => {
      assert.equal(err.code, 'tokenizer-mismatch');
      assert.match(err.message, /8193 tokens but config\.json "vocab_size" is 8192/);
    },
  );
});

test('the mask token must exist in the tokenizer and agree with config.json', async () => {
  await withBrokenCopy(
    (dir) => {
      editJson(path.join(dir, 'config.json'), (c) => delete c.mask_token_id);
      editJson(path.join(dir, 'tokenizer_config.json'), (c) => (c.mask_token = '<mask>'));
    },
    (err) => {
      assert.equal(err.code, 'tokenizer-mismatch');
      assert.match(err.message, /mask token "<mask>" from tokenizer_config\.json is not in the vocabulary/);
    },
  );
  await withBrokenCopy(
    (dir) => editJson(path.join(dir, 'config.json'), (c) => (c.mask_token_id = 5)),
    (err) => {
      assert.equal(err.code, 'tokenizer-mismatch');
      assert.match(err.message, /"mask_token_id" is 5 but the tokenizer's mask token "\[MASK\]" is id 8191/);
    },
  );
  await withBrokenCopy(
    (dir) => {
      editJson(path.join(dir, 'config.json'), (c) => delete c.mask_token_id);
      editJson(path.join(dir, 'tokenizer_config.json'), (c) => delete c.mask_token);
    },
    (err) => {
      assert.equal(err.code, 'model-invalid');
      assert.match(err.message, /no mask token: expected "mask_token_id" in config\.json or "mask_token" in tokenizer_config\.json/);
    },
  );
});

test('the maximum length is the smaller of config.json\'s position limit and tokenizer_config.json\'s model_max_length', () => {
  const config = { vocab_size: 10, max_position_embeddings: 514 };
  assert.equal(parseModelConfig(config, 'config.json', 512).maxLength, 512); // RoBERTa: two positions are offsets
  assert.equal(parseModelConfig(config, 'config.json', 1e30).maxLength, 514); // Hugging Face's "no limit"
  assert.equal(parseModelConfig({ vocab_size: 10 }, 'config.json', 256).maxLength, 256);
  assert.equal(parseModelConfig({ vocab_size: 10, max_sequence_length: 4096 }, 'config.json').maxLength, 4096); // LLaDA
});

test('config.json without a maximum length, or not JSON, is model-invalid naming config.json', async () => {
  await withBrokenCopy(
    (dir) => {
      editJson(path.join(dir, 'config.json'), (c) => delete c.max_position_embeddings);
      editJson(path.join(dir, 'tokenizer_config.json'), (c) => delete c.model_max_length);
    },
    (err) => {
      assert.equal(err.code, 'model-invalid');
      assert.match(err.message, /config\.json: expected the maximum length/);
    },
  );
  await withBrokenCopy(
    (dir) => fs.writeFileSync(path.join(dir, 'config.json'), '{ broken'),
    (err) => {
      assert.equal(err.code, 'model-invalid');
      assert.match(err.message, /config\.json is not valid JSON/);
    },
  );
});

test('checkGraph accepts attention_mask, token_type_ids and one time input, rejects the rest', () => {
  assert.deepEqual(checkGraph('m.onnx', ['input_ids', 'attention_mask', 'token_type_ids', 'timesteps'], ['logits']), {
    hasAttentionMask: true,
    hasTokenTypeIds: true,
    timeInput: 'timesteps',
    vocabSize: undefined,
  });
  assert.throws(() => checkGraph('m.onnx', ['input_ids', 'pixel_values'], ['logits']), /m\.onnx: unexpected graph inputs \[pixel_values\]/);
  assert.throws(() => checkGraph('m.onnx', ['input_ids', 't', 'sigma'], ['logits']), /unexpected graph inputs \[sigma\]/);
  assert.throws(
    () => checkGraph('m.onnx', ['input_ids'], ['logits'], [{ name: 'input_ids', isTensor: true, type: 'float32', shape: ['b', 's'] }]),
    /input_ids is float32 \[b, s\]; expected int64/,
  );
});

test('a hostile model folder: FIFOs, /dev/zero and oversized files are refused before reading, naming the file', async () => {
  const replace = (file: string, make: (file: string) => void) => (dir: string) => {
    const target = path.join(dir, file);
    fs.rmSync(target);
    make(target);
  };
  const fifo = (file: string) => execFileSync('mkfifo', [file]);
  const zero = (file: string) => fs.symlinkSync('/dev/zero', file);
  const cases: [string, (dir: string) => void, RegExp][] = [
    ['config.json → /dev/zero', replace('config.json', zero), /config\.json is not a regular file/],
    ['tokenizer.json as a FIFO', replace('tokenizer.json', fifo), /tokenizer\.json is not a regular file/],
    ['tokenizer_config.json as a FIFO', replace('tokenizer_config.json', fifo), /tokenizer_config\.json is not a regular file/],
    ['onnx/model.onnx as a FIFO', replace('onnx/model.onnx', fifo), /model\.onnx is not a regular file/],
    ['config.json of 2 MB', (dir) => fs.writeFileSync(path.join(dir, 'config.json'), ' '.repeat(2 * 1024 * 1024) + '{}'), /config\.json is 2097154 bytes, more than the 1048576/],
  ];
  for (const [what, breakIt, message] of cases) {
    await withBrokenCopy(breakIt, (err) => {
      assert.equal(err.code, 'model-invalid', what);
      assert.match(err.message, message, what);
    });
  }
});
