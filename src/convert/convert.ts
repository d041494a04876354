/**
 * `convert`: a Hugging Face snapshot folder (config.json, safetensors weights, tokenizer files) to a
 * model folder the runtime loads (config.json, tokenizer files, onnx/model.onnx + external data).
 * Everything is checked before anything is written; the output is built in a temporary sibling
 * folder and renamed into place at the end, so OUT is either absent or complete.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConvertCancelled, ConvertError } from './errors';
import { architectureOf, expectedWeights, type Architecture } from './families';
import { GraphBuilder, type Precision } from './graphBuilder';
import { DataType } from './onnx';
import { SnapshotWeights } from './safetensors';
import { buildTopKHead, TOPK_HEAD_MIN_VOCAB } from './topKHead';
import { buildTransformer, INPUT_IDS, LOGITS, OPSET } from './transformer';
import { LOGIT_POSITIONS } from '../protocol/graph';

export type Quantize = 'none' | 'int8' | 'int4';
export type StoreDtype = 'fp32' | 'fp16';

export interface ConvertProgress {
  tensors: number;
  totalTensors: number;
  bytes: number;
  totalBytes: number;
}

export interface ConvertOptions {
  quantize?: Quantize;
  dtype?: StoreDtype;
  /** Add the top-k head (topKHead.ts); default: for vocabularies above TOPK_HEAD_MIN_VOCAB. */
  topKHead?: boolean;
  onProgress?: (p: ConvertProgress) => void;
  /** Checked between tensors; when aborted the conversion stops and OUT stays absent. */
  signal?: AbortSignal;
}

export interface ConvertResult {
  family: Architecture['family'];
  outDir: string;
  onnxFile: string;
  maskId: number;
  shiftLogits: boolean;
  endIds: number[];
  window: number;
}

/**
 * Windows beyond this are not offered by default: attention is quadratic and these models were
 * trained on 2k-4k contexts (Dream 2048, LLaDA 4096). The source's own limit still caps it.
 */
export const WINDOW_CAP = 2048;

/** Files copied from the snapshot as they are (tokenizer.json and tokenizer_config.json are required). */
const COPIED = ['tokenizer.json', 'tokenizer_config.json', 'generation_config.json', 'special_tokens_map.json', 'chat_template.jinja'];

function readJsonObject(file: string): Record<string, unknown> {
  if (!fs.existsSync(file)) throw new ConvertError(`${file}: missing`);
  let v: unknown;
  try {
    v = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConvertError(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConvertError(`${file}: expected a JSON object`);
  return v as Record<string, unknown>;
}

/** A token's id in tokenizer.json (added tokens first, then the model's vocabulary). */
export function tokenIdIn(tokenizer: Record<string, unknown>, text: string): number | undefined {
  const added = Array.isArray(tokenizer.added_tokens) ? (tokenizer.added_tokens as { id?: unknown; content?: unknown }[]) : [];
  const hit = added.find((t) => t.content === text);
  if (hit && typeof hit.id === 'number') return hit.id;
  const vocab = (tokenizer.model as { vocab?: unknown } | undefined)?.vocab;
  if (vocab && typeof vocab === 'object' && !Array.isArray(vocab)) {
    const id = (vocab as Record<string, unknown>)[text];
    if (typeof id === 'number') return id;
  }
  return undefined;
}

function tokenText(field: unknown): string | undefined {
  return typeof field === 'string' ? field : typeof (field as { content?: unknown } | null)?.content === 'string' ? (field as { content: string }).content : undefined;
}

function resolveMaskId(a: Architecture, tokenizer: Record<string, unknown>, tokenizerConfig: Record<string, unknown>, dir: string): number {
  const byToken = a.mask.token ? tokenIdIn(tokenizer, a.mask.token) : undefined;
  const configured = tokenText(tokenizerConfig.mask_token);
  const byConfigToken = configured ? tokenIdIn(tokenizer, configured) : undefined;
  const id = a.mask.id ?? byToken ?? byConfigToken;
  if (id === undefined) {
    throw new ConvertError(
      `${path.join(dir, 'config.json')}: no mask token: expected "mask_token_id"${a.mask.token ? `, the token ${a.mask.token} in tokenizer.json` : ''} or "mask_token" in tokenizer_config.json (is this a diffusion model?)`,
    );
  }
  if (id >= a.vocab) throw new ConvertError(`${path.join(dir, 'config.json')}: mask token id ${id} is outside the vocabulary (${a.vocab})`);
  return id;
}

function endIdsOf(a: Architecture, tokenizer: Record<string, unknown>, generation: Record<string, unknown> | undefined, maskId: number): number[] {
  const out = [...a.endIds];
  const add = (v: unknown) => {
    for (const x of [v].flat()) if (typeof x === 'number' && Number.isInteger(x) && x >= 0 && !out.includes(x)) out.push(x);
  };
  if (generation) {
    add(generation.eos_token_id);
    add(generation.pad_token_id);
  }
  for (const t of a.endTokens) add(tokenIdIn(tokenizer, t));
  return out.filter((id) => id !== maskId && id < a.vocab).sort((x, y) => x - y);
}

/**
 * DreamOn's expand and delete tokens, when the snapshot has them: `expand_token_id` in config.json
 * or `<|expand|>` in tokenizer.json; delete is `delete_token_id` or `<|delete|>` if given, else the
 * EOS (DreamOn's generation config deletes with eos_token_id). Undefined without an expand token.
 */
function resizeIdsOf(a: Architecture, config: Record<string, unknown>, tokenizer: Record<string, unknown>, endIds: number[], maskId: number): { expandId: number; deleteId: number } | undefined {
  const id = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < a.vocab && v !== maskId ? v : undefined);
  const expandId = id(config.expand_token_id) ?? id(tokenIdIn(tokenizer, '<|expand|>'));
  if (expandId === undefined) return undefined;
  const eos = [config.eos_token_id].flat()[0];
  const deleteId = id(config.delete_token_id) ?? id(tokenIdIn(tokenizer, '<|delete|>')) ?? id(eos) ?? endIds[0];
  return deleteId === undefined || deleteId === expandId ? undefined : { expandId, deleteId };
}

/** Everything checked, nothing written: the architecture, weights, tokenizer and ids. */
function plan(src: string) {
  const dir = path.resolve(src);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new ConvertError(`${dir}: not a folder`);
  const config = readJsonObject(path.join(dir, 'config.json'));
  const arch = architectureOf(config, dir);
  const weights = SnapshotWeights.open(dir);
  const expected = expectedWeights(arch);
  for (const [name, shape] of expected) weights.entry(name, shape);
  const tokenizer = readJsonObject(path.join(dir, 'tokenizer.json'));
  const tokenizerConfig = readJsonObject(path.join(dir, 'tokenizer_config.json'));
  const generationFile = path.join(dir, 'generation_config.json');
  const generation = fs.existsSync(generationFile) ? readJsonObject(generationFile) : undefined;
  const maskId = resolveMaskId(arch, tokenizer, tokenizerConfig, dir);
  const endIds = endIdsOf(arch, tokenizer, generation, maskId);
  const resize = resizeIdsOf(arch, config, tokenizer, endIds, maskId);
  return { dir, config, arch, weights, expected, maskId, endIds, resize };
}

function outConfig(p: ReturnType<typeof plan>, precision: Precision, window: number): Record<string, unknown> {
  const { config, arch, maskId, endIds } = p;
  return {
    ...config,
    vocab_size: arch.vocab,
    max_position_embeddings: window,
    mask_token_id: maskId,
    shift_logits: arch.shiftLogits,
    end_token_ids: endIds,
    ...(p.resize ? { expand_token_id: p.resize.expandId, delete_token_id: p.resize.deleteId } : {}),
    diffusion_infill: {
      family: arch.family,
      converted_from: path.basename(p.dir),
      precision,
      recommended_sampler: arch.recommendedSampler,
    },
  };
}

function precisionOf(quantize: Quantize, dtype: StoreDtype): Precision {
  return quantize === 'none' ? dtype : quantize;
}

export async function convertSnapshot(src: string, out: string, options: ConvertOptions = {}): Promise<ConvertResult> {
  const quantize = options.quantize ?? 'none';
  const precision = precisionOf(quantize, options.dtype ?? 'fp32');
  const p = plan(src);
  const outDir = path.resolve(out);
  if (fs.existsSync(outDir)) throw new ConvertError(`${outDir}: already exists; choose a new folder`);
  const parent = path.dirname(outDir);
  if (!fs.existsSync(parent)) throw new ConvertError(`${parent}: folder missing`);

  const graphName = quantize === 'none' ? 'model.onnx' : 'model_quantized.onnx';
  const dataName = `${graphName}_data`;
  const tmp = fs.mkdtempSync(path.join(parent, `.${path.basename(outDir)}.partial-`));
  let builder: GraphBuilder | undefined;
  try {
    fs.mkdirSync(path.join(tmp, 'onnx'));
    builder = new GraphBuilder(path.join(tmp, 'onnx', dataName), dataName);
    const totalTensors = p.expected.length;
    const totalBytes = p.weights.bytes(p.expected.map(([n]) => n));
    let tensors = 0;
    let bytes = 0;
    const read = async (name: string, shape: number[]) => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (options.signal?.aborted) throw new ConvertCancelled();
      const data = p.weights.read(name, shape);
      tensors++;
      bytes += p.weights.bytes([name]);
      options.onProgress?.({ tensors, totalTensors, bytes, totalBytes });
      return data;
    };
    await buildTransformer(builder, p.arch, read, precision);
    const head = options.topKHead ?? p.arch.vocab > TOPK_HEAD_MIN_VOCAB ? buildTopKHead(builder, LOGITS, p.arch.vocab) : { inputs: [], outputs: [] };
    const model = builder.finish({
      graphName: `${p.arch.family} (${precision})`,
      opset: OPSET,
      inputs: [
        { name: INPUT_IDS, elemType: DataType.INT64, shape: ['batch', 'sequence'] },
        { name: LOGIT_POSITIONS, elemType: DataType.INT64, shape: ['batch', 'positions'] },
        ...head.inputs,
      ],
      outputs: [{ name: LOGITS, elemType: DataType.FLOAT, shape: ['batch', 'positions', p.arch.vocab] }, ...head.outputs],
    });
    fs.writeFileSync(path.join(tmp, 'onnx', graphName), model);
    const window = Math.min(p.arch.positions, WINDOW_CAP);
    fs.writeFileSync(path.join(tmp, 'config.json'), JSON.stringify(outConfig(p, precision, window), null, 2) + '\n');
    for (const f of COPIED) if (fs.existsSync(path.join(p.dir, f))) fs.copyFileSync(path.join(p.dir, f), path.join(tmp, f));
    if (options.signal?.aborted) throw new ConvertCancelled();
    fs.chmodSync(tmp, 0o755); // mkdtemp made it private
    fs.renameSync(tmp, outDir);
    return {
      family: p.arch.family,
      outDir,
      onnxFile: path.join(outDir, 'onnx', graphName),
      maskId: p.maskId,
      shiftLogits: p.arch.shiftLogits,
      endIds: p.endIds,
      window,
    };
  } catch (err) {
    builder?.abort();
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
