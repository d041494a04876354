/**
 * Reads and checks a model folder in the Hugging Face / transformers.js layout:
 *   config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx (+ onnx/model_quantized.onnx).
 * Every problem is an InfillError that names the file and what was expected.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InfillError } from '../protocol/errors';
import { maxBytesOf, modelFileProblem } from '../protocol/modelFiles';
import { CONTEXT_BIAS_RANGE, isContextBias } from '../protocol/protocol';
import { checkExternalData } from './externalData';

export interface ModelConfig {
  /** From config.json `mask_token_id`; undefined when the tokenizer config's `mask_token` decides. */
  maskTokenId?: number;
  vocabSize: number;
  maxLength: number;
  usesTime: boolean;
  /**
   * config.json `shift_logits` (Dream, Open-dCoder): the model's row p-1 predicts position p, so
   * the runtime reads row p-1 for position p and never generates position 0.
   */
  shiftLogits: boolean;
  /** config.json `bos_token_id`: put before a hole at the very start of a shifted model's canvas. */
  bosId?: number;
  /**
   * config.json `expand_token_id` (DreamOn's `<|expand|>`) and `delete_token_id` (DreamOn deletes
   * with its EOS: `eos_token_id` when absent): holes of unknown length grow and shrink as they are
   * denoised (src/worker/resizeHoles.ts). Absent without an expand token.
   */
  resizeTokens?: { expandId: number; deleteId: number };
  /**
   * config.json `diffusion_infill.context_bias`: what the canvas' own tokens add to their logits while sampling
   * (src/core/contextBias.ts), measured for this model; absent or 0: none.
   */
  contextBias?: number;
}

export interface ModelFolder {
  dir: string;
  name: string;
  config: ModelConfig;
  /** config.json as read (fields other parts of the loader look up, e.g. end tokens). */
  rawConfig: Record<string, unknown>;
  tokenizerJson: object;
  tokenizerConfig: Record<string, unknown>;
  onnxFile: string;
  /** The chat template (chat_template.jinja, else tokenizer_config.json `chat_template`), if any. */
  chatTemplate?: ChatTemplateSource;
}

export interface ChatTemplateSource {
  template: string;
  /** The file it came from, for messages. */
  file: string;
}

/**
 * A model folder's text file, read by the rule in protocol/modelFiles.ts: opened without blocking
 * (a FIFO), checked on the opened file (a regular file within its cap), then read.
 */
function readText(file: string): string {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new InfillError('model-missing', `Model file missing: ${file}`);
    throw new InfillError('model-invalid', `${file}: ${(err as Error).message}`);
  }
  try {
    const stat = fs.fstatSync(fd);
    const problem = modelFileProblem(file, stat, maxBytesOf(path.basename(file)));
    if (problem) throw new InfillError('model-invalid', problem);
    const buffer = Buffer.alloc(stat.size + 1);
    const bytesRead = fs.readSync(fd, buffer, 0, buffer.length, 0);
    if (bytesRead > stat.size) throw new InfillError('model-invalid', `${file} changed while it was read`);
    return buffer.toString('utf8', 0, bytesRead);
  } finally {
    fs.closeSync(fd);
  }
}

function readJson(file: string): unknown {
  const text = readText(file);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InfillError('model-invalid', `${file} is not valid JSON: ${(err as Error).message}`);
  }
}

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** Hugging Face writes int(1e30) as `model_max_length` when the tokenizer sets no limit. */
const NO_TOKENIZER_LIMIT = 1e9;

/**
 * @param tokenizerMaxLength tokenizer_config.json `model_max_length`: the usable length can be
 * shorter than the position table (RoBERTa: 514 positions, 512 tokens), so the smaller one wins.
 */
export function parseModelConfig(raw: unknown, file: string, tokenizerMaxLength?: unknown): ModelConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InfillError('model-invalid', `${file}: expected a JSON object`);
  }
  const c = raw as Record<string, unknown>;
  const vocabSize = positiveInt(c.vocab_size);
  if (vocabSize === undefined) throw new InfillError('model-invalid', `${file}: expected a positive integer "vocab_size"`);
  const positions =
    positiveInt(c.max_position_embeddings) ?? positiveInt(c.max_length) ?? positiveInt(c.n_positions) ?? positiveInt(c.max_sequence_length);
  const tokenizerLimit = positiveInt(tokenizerMaxLength);
  const limits = [positions, tokenizerLimit !== undefined && tokenizerLimit < NO_TOKENIZER_LIMIT ? tokenizerLimit : undefined];
  const known = limits.filter((n): n is number => n !== undefined);
  if (known.length === 0) {
    throw new InfillError(
      'model-invalid',
      `${file}: expected the maximum length as a positive integer "max_position_embeddings", "max_length", "n_positions" or "max_sequence_length" (or "model_max_length" in tokenizer_config.json)`,
    );
  }
  const maxLength = Math.min(...known);
  let maskTokenId: number | undefined;
  if (c.mask_token_id !== undefined && c.mask_token_id !== null) {
    if (typeof c.mask_token_id !== 'number' || !Number.isInteger(c.mask_token_id) || c.mask_token_id < 0 || c.mask_token_id >= vocabSize) {
      throw new InfillError('model-invalid', `${file}: "mask_token_id" must be an integer in [0, ${vocabSize})`);
    }
    maskTokenId = c.mask_token_id;
  }
  if (c.time_conditioning !== undefined && typeof c.time_conditioning !== 'boolean') {
    throw new InfillError('model-invalid', `${file}: "time_conditioning" must be true or false`);
  }
  if (c.shift_logits !== undefined && typeof c.shift_logits !== 'boolean') {
    throw new InfillError('model-invalid', `${file}: "shift_logits" must be true or false`);
  }
  const tokenIds = (key: string): number[] => {
    const v = c[key];
    if (v === undefined || v === null) return [];
    const list = Array.isArray(v) ? v : [v];
    if (!list.every((x) => Number.isInteger(x) && x >= 0 && x < vocabSize)) {
      throw new InfillError('model-invalid', `${file}: "${key}" must be a token id (or a list of them) in [0, ${vocabSize})`);
    }
    return list as number[];
  };
  const bos = tokenIds('bos_token_id')[0];
  const expandId = tokenIds('expand_token_id')[0];
  const deleteId = tokenIds('delete_token_id')[0] ?? tokenIds('eos_token_id')[0];
  if (expandId !== undefined && (deleteId === undefined || deleteId === expandId || expandId === maskTokenId || deleteId === maskTokenId)) {
    throw new InfillError('model-invalid', `${file}: "expand_token_id" needs a different "delete_token_id" (or "eos_token_id"), neither the mask`);
  }
  const ours = c.diffusion_infill;
  const contextBias = ours !== null && typeof ours === 'object' ? (ours as Record<string, unknown>).context_bias : undefined;
  if (contextBias !== undefined && !isContextBias(contextBias)) {
    throw new InfillError('model-invalid', `${file}: "diffusion_infill.context_bias" ${CONTEXT_BIAS_RANGE}`);
  }
  return {
    maskTokenId,
    vocabSize,
    maxLength,
    usesTime: c.time_conditioning === true,
    shiftLogits: c.shift_logits === true,
    ...(bos !== undefined ? { bosId: bos } : {}),
    ...(expandId !== undefined ? { resizeTokens: { expandId, deleteId: deleteId! } } : {}),
    ...(contextBias ? { contextBias } : {}),
  };
}

/** Which ONNX file to load: the quantized one when asked for and present, else onnx/model.onnx. */
export function chooseOnnxFile(dir: string, quantized: boolean): string {
  const quantizedFile = path.join(dir, 'onnx', 'model_quantized.onnx');
  const plain = path.join(dir, 'onnx', 'model.onnx');
  const file = [...(quantized ? [quantizedFile] : []), plain, quantizedFile].find((f) => fs.existsSync(f));
  if (file === undefined) throw new InfillError('model-missing', `Model file missing: ${plain}`);
  // ONNX Runtime would block on a FIFO and read a device without end.
  if (!fs.statSync(file).isFile()) throw new InfillError('model-invalid', `${file} is not a regular file`);
  return file;
}

export function readModelFolder(dir: string, quantized: boolean): ModelFolder {
  const resolved = path.resolve(dir);
  if (!fs.existsSync(resolved) || !fs.statSync(resolved).isDirectory()) {
    throw new InfillError('model-missing', `Model folder not found: ${resolved}`);
  }
  const configFile = path.join(resolved, 'config.json');
  const rawConfig = readJson(configFile);
  const tokenizerFile = path.join(resolved, 'tokenizer.json');
  const tokenizerJson = readJson(tokenizerFile);
  if (typeof tokenizerJson !== 'object' || tokenizerJson === null || !('model' in tokenizerJson)) {
    throw new InfillError('model-invalid', `${tokenizerFile}: expected a tokenizer object with a "model"`);
  }
  const tokenizerConfigFile = path.join(resolved, 'tokenizer_config.json');
  const tokenizerConfig = readJson(tokenizerConfigFile);
  if (typeof tokenizerConfig !== 'object' || tokenizerConfig === null || Array.isArray(tokenizerConfig)) {
    throw new InfillError('model-invalid', `${tokenizerConfigFile}: expected a JSON object`);
  }
  const config = parseModelConfig(rawConfig, configFile, (tokenizerConfig as Record<string, unknown>).model_max_length);
  const onnxFile = chooseOnnxFile(resolved, quantized);
  checkExternalData(onnxFile, resolved);
  return {
    dir: resolved,
    name: path.basename(resolved),
    config,
    rawConfig: rawConfig as Record<string, unknown>,
    tokenizerJson,
    tokenizerConfig: tokenizerConfig as Record<string, unknown>,
    onnxFile,
    chatTemplate: readChatTemplate(resolved, tokenizerConfig as Record<string, unknown>, tokenizerConfigFile),
  };
}

/**
 * transformers' order: a chat_template.jinja file, else tokenizer_config.json `chat_template`, a
 * string or a list of named templates (the one named "default").
 */
function readChatTemplate(dir: string, tokenizerConfig: Record<string, unknown>, tokenizerConfigFile: string): ChatTemplateSource | undefined {
  const jinja = path.join(dir, 'chat_template.jinja');
  if (fs.existsSync(jinja)) return { template: readText(jinja), file: jinja };
  const field = tokenizerConfig.chat_template;
  if (typeof field === 'string') return { template: field, file: tokenizerConfigFile };
  if (Array.isArray(field)) {
    const named = field.find((t) => (t as { name?: unknown })?.name === 'default') as { template?: unknown } | undefined;
    if (typeof named?.template === 'string') return { template: named.template, file: tokenizerConfigFile };
  }
  return undefined;
}
