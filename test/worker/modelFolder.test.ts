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

test('config.json "diffusion_infill.context_bias" is the model\'s context bias; a bad one is model-invalid naming the field', () => {
  const ours = (context_bias: unknown) => ({ vocab_size: 10, max_position_embeddings: 64, diffusion_infill: { context_bias } });
  assert.equal(parseModelConfig(ours(2.5), 'config.json').contextBias, 2.5);
  assert.equal(parseModelConfig(ours(0), 'config.json').contextBias, undefined);
  assert.equal(parseModelConfig({ vocab_size: 10, max_position_embeddings: 64 }, 'config.json').contextBias, undefined);
  for (const bad of [-1, 21, '2', null, Number.NaN]) {
    assert.throws(
      () => parseModelConfig(ours(bad), '/m/config.json'),
      (err: InfillError) => err.code === 'model-invalid' && err.message === '/m/config.json: "diffusion_infill.context_bias" must be a number from 0 to 20',
      String(bad),
    );
  }
});

test('the context bias raises the context\'s tokens in the logits sampling reads by exactly its amount; a bad override is refused before loading', async () => {
  const plain = await LoadedModel.load({ ...settings(embeddedModel), contextBias: 0 });
  const biased = await LoadedModel.load({ ...settings(embeddedModel), contextBias: 3 });
  try {
    assert.equal(plain.info.contextBias, undefined);
    assert.equal(biased.info.contextBias, 3);
    const { tokenizer, info } = plain;
    const context = tokenizer.encode('def add(a, b):\n    return');
    const ids = Int32Array.from([...context, info.maskId, info.maskId]);
    const at = Int32Array.of(context.length, context.length + 1);
    const a = await plain.denoiser.forwardAt!(ids, 1, ids.length, at);
    assert.equal(plain.contextBias, undefined);
    assert.deepEqual(await biased.denoiser.forwardAt!(ids, 1, ids.length, at), a, 'the model\'s own logits stay as they are');
    const b = await biased.contextBias!.over(biased.denoiser).forwardAt!(ids, 1, ids.length, at);
    const raised = new Set<string>();
    for (let id = 0; id < info.vocabSize; id++) {
      const [d0, d1] = [b[id] - a[id], b[info.vocabSize + id] - a[info.vocabSize + id]];
      assert.ok(Math.abs(d0 - d1) < 1e-5, `id ${id}: both rows are raised alike (${d0}, ${d1})`);
      if (Math.abs(d0 - 3) < 1e-5) raised.add(tokenizer.decode([id]));
      else assert.equal(d0, 0, `id ${id} is raised by ${d0}`);
    }
    for (const t of ['def', ' def', 'add', 'a', ' a', 'b', ' b', ' return', 'return', '(', ',', '):']) assert.ok(raised.has(t), `${JSON.stringify(t)} is raised`);
    assert.ok(!raised.has(' c') && !raised.has('[MASK]'), 'nothing else is');
  } finally {
    await plain.dispose();
    await biased.dispose();
  }
  const err = await LoadedModel.load({ ...settings('/nonexistent'), contextBias: -1 }).catch((e: InfillError) => e);
  assert.ok(err instanceof InfillError && err.code === 'bad-request' && /context bias must be a number from 0 to 20, got -1/.test(err.message), String(err));
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
