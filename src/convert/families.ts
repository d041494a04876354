/**
 * The model families the converter knows, decided from config.json. Each maps the snapshot's own
 * config keys and weight names (read from the original modeling code: Dream's modeling_dream.py,
 * transformers' Qwen2, LLaDA's modeling_llada.py) onto one pre-norm decoder description.
 */
import path from 'node:path';
import { ConvertError } from './errors';

export type FamilyName = 'dream' | 'open-dcoder' | 'llada';

export interface LayerNames {
  attnNorm: string;
  q: string;
  k: string;
  v: string;
  o: string;
  /** Present when the q/k/v projections have biases (Qwen2 does). */
  qkvBias?: { q: string; k: string; v: string };
  mlpNorm: string;
  gate: string;
  up: string;
  down: string;
}

export interface Architecture {
  family: FamilyName;
  layers: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  intermediate: number;
  /** Rows of the embedding and output layer (may exceed the tokenizer: padding). */
  vocab: number;
  ropeTheta: number;
  rmsEps: number;
  embed: string;
  finalNorm: string;
  /** The output layer's weight [vocab, hidden]; undefined when tied to the embedding. */
  head?: string;
  layer(i: number): LayerNames;
  /** LLaDA options (false for the Qwen2 families). */
  scaleLogits: boolean;
  inputEmbNorm: boolean;
  /** Row i of the logits predicts token i + 1 (Dream, Open-dCoder); the runtime shifts, not the graph. */
  shiftLogits: boolean;
  /** Mask token: an id from config.json, or the token text to look up in tokenizer.json. */
  mask: { id?: number; token?: string };
  /** Tokens that end a hole's text (end of text, padding, end of turn), by their text. */
  endTokens: string[];
  endIds: number[];
  positions: number;
  /** What the family's own generation code does by default, in this runtime's terms. */
  recommendedSampler: Record<string, unknown>;
}

type Config = Record<string, unknown>;

function int(config: Config, file: string, key: string, fallback?: number): number {
  const v = config[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new ConvertError(`${file}: expected a positive integer "${key}"`);
  return v;
}

function num(config: Config, file: string, key: string, fallback?: number): number {
  const v = config[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ConvertError(`${file}: expected a positive number "${key}"`);
  return v;
}

function ids(...values: unknown[]): number[] {
  const out: number[] = [];
  for (const v of values.flat()) if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && !out.includes(v)) out.push(v);
  return out;
}

function requireValue(config: Config, file: string, key: string, allowed: unknown[], what: string): void {
  const v = config[key];
  if (v !== undefined && v !== null && !allowed.includes(v)) {
    throw new ConvertError(`${file}: "${key}": ${JSON.stringify(v)} is not supported (${what})`);
  }
}

/** Qwen2 layers (Dream and Open-dCoder): q/k/v biases, GQA, rotary, RMSNorm, SwiGLU. */
function qwen2(config: Config, file: string, family: FamilyName): Architecture {
  if (config.rope_scaling !== undefined && config.rope_scaling !== null) {
    throw new ConvertError(`${file}: "rope_scaling" ${JSON.stringify(config.rope_scaling)} is not supported (plain rotary only)`);
  }
  requireValue(config, file, 'hidden_act', ['silu'], 'SwiGLU with silu only');
  requireValue(config, file, 'use_sliding_window', [false], 'full attention only');
  const hidden = int(config, file, 'hidden_size');
  const heads = int(config, file, 'num_attention_heads');
  const kvHeads = int(config, file, 'num_key_value_heads', heads);
  if (hidden % heads !== 0 || heads % kvHeads !== 0) {
    throw new ConvertError(`${file}: hidden_size ${hidden}, num_attention_heads ${heads}, num_key_value_heads ${kvHeads} do not divide`);
  }
  const layer = (i: number): LayerNames => {
    const p = `model.layers.${i}.`;
    return {
      attnNorm: `${p}input_layernorm.weight`,
      q: `${p}self_attn.q_proj.weight`,
      k: `${p}self_attn.k_proj.weight`,
      v: `${p}self_attn.v_proj.weight`,
      o: `${p}self_attn.o_proj.weight`,
      qkvBias: { q: `${p}self_attn.q_proj.bias`, k: `${p}self_attn.k_proj.bias`, v: `${p}self_attn.v_proj.bias` },
      mlpNorm: `${p}post_attention_layernorm.weight`,
      gate: `${p}mlp.gate_proj.weight`,
      up: `${p}mlp.up_proj.weight`,
      down: `${p}mlp.down_proj.weight`,
    };
  };
  return {
    family,
    layers: int(config, file, 'num_hidden_layers'),
    hidden,
    heads,
    kvHeads,
    headDim: hidden / heads,
    intermediate: int(config, file, 'intermediate_size'),
    vocab: int(config, file, 'vocab_size'),
    ropeTheta: num(config, file, 'rope_theta', 10000),
    rmsEps: num(config, file, 'rms_norm_eps', 1e-6),
    embed: 'model.embed_tokens.weight',
    finalNorm: 'model.norm.weight',
    head: config.tie_word_embeddings === true ? undefined : 'lm_head.weight',
    layer,
    scaleLogits: false,
    inputEmbNorm: false,
    shiftLogits: true,
    mask: family === 'dream' ? { id: config.mask_token_id as number | undefined, token: '<|mask|>' } : { id: config.mask_token_id as number | undefined },
    endTokens: ['<|endoftext|>', '<|im_end|>', '<|dlm_pad|>'],
    endIds: ids(config.eos_token_id, config.pad_token_id),
    positions: int(config, file, 'max_position_embeddings'),
    // Dream's and Open-dCoder's own samplers: confidence ordering (Dream's "entropy"/"maskgit_plus"),
    // low temperature for code.
    recommendedSampler: { strategy: 'topk-confidence', temperature: 0.2 },
  };
}

/** LLaDA (modeling_llada.py, block_type "llama"): its own block names, not shifted, padded output layer. */
function llada(config: Config, file: string): Architecture {
  requireValue(config, file, 'block_type', ['llama'], 'only LLaDALlamaBlock');
  requireValue(config, file, 'layer_norm_type', ['rms'], 'RMS norm only');
  requireValue(config, file, 'activation_type', ['silu'], 'silu gate times up_proj only');
  requireValue(config, file, 'include_bias', [false], 'no biases');
  requireValue(config, file, 'attention_layer_norm', [false], 'no q/k norms');
  requireValue(config, file, 'alibi', [false], 'rotary only');
  requireValue(config, file, 'rope', [true], 'rotary only');
  const hidden = int(config, file, 'd_model');
  const heads = int(config, file, 'n_heads');
  const kvHeads = config.multi_query_attention === true ? 1 : int(config, file, 'n_kv_heads', heads);
  if (hidden % heads !== 0 || heads % kvHeads !== 0) throw new ConvertError(`${file}: d_model ${hidden}, n_heads ${heads}, n_kv_heads ${kvHeads} do not divide`);
  const intermediate = config.mlp_hidden_size ?? (typeof config.mlp_ratio === 'number' ? config.mlp_ratio * hidden : undefined);
  const qkvBias = config.include_qkv_bias === true;
  const layer = (i: number): LayerNames => {
    const p = `model.transformer.blocks.${i}.`;
    return {
      attnNorm: `${p}attn_norm.weight`,
      q: `${p}q_proj.weight`,
      k: `${p}k_proj.weight`,
      v: `${p}v_proj.weight`,
      o: `${p}attn_out.weight`,
      ...(qkvBias ? { qkvBias: { q: `${p}q_proj.bias`, k: `${p}k_proj.bias`, v: `${p}v_proj.bias` } } : {}),
      mlpNorm: `${p}ff_norm.weight`,
      // act(ff_proj(x)) * up_proj(x): ff_proj is the gate.
      gate: `${p}ff_proj.weight`,
      up: `${p}up_proj.weight`,
      down: `${p}ff_out.weight`,
    };
  };
  return {
    family: 'llada',
    layers: int(config, file, 'n_layers'),
    hidden,
    heads,
    kvHeads,
    headDim: hidden / heads,
    intermediate: int({ intermediate }, file, 'intermediate'),
    vocab: int(config, file, 'embedding_size', config.vocab_size as number),
    ropeTheta: num(config, file, 'rope_theta', 10000),
    rmsEps: num(config, file, 'rms_norm_eps', 1e-5),
    embed: 'model.transformer.wte.weight',
    finalNorm: 'model.transformer.ln_f.weight',
    head: config.weight_tying === true ? undefined : 'model.transformer.ff_out.weight',
    layer,
    scaleLogits: config.scale_logits === true,
    inputEmbNorm: config.input_emb_norm === true,
    shiftLogits: false,
    mask: { id: config.mask_token_id as number | undefined, token: '<|mdm_mask|>' },
    endTokens: ['<|endoftext|>', '<|eot_id|>'],
    endIds: ids(config.eos_token_id, config.pad_token_id),
    positions: int(config, file, 'max_sequence_length', config.max_position_embeddings as number),
    // LLaDA's generate(): semi-autoregressive blocks of 32, low-confidence remasking.
    recommendedSampler: { strategy: 'topk-confidence', blockLength: 32 },
  };
}

/** The family of a snapshot's config.json, or a one-line error naming what was found. */
export function architectureOf(config: Config, dir: string): Architecture {
  const file = path.join(dir, 'config.json');
  const type = config.model_type;
  const archs = Array.isArray(config.architectures) ? config.architectures.join(', ') : '';
  if (type === 'Dream' || type === 'dream') return qwen2(config, file, 'dream');
  if (type === 'qwen2') return qwen2(config, file, 'open-dcoder');
  if (type === 'llada' || type === 'LLaDA') return llada(config, file);
  throw new ConvertError(
    `${file}: model_type ${JSON.stringify(type)}${archs ? ` (${archs})` : ''} is not a supported diffusion LLM; supported: Dream (Dream, Dream-Coder, DiffuCoder, DreamOn), qwen2 (Open-dCoder), llada (LLaDA)`,
  );
}

/** Every weight the graph reads, with the shape config.json implies. */
export function expectedWeights(a: Architecture): [string, number[]][] {
  const kv = a.kvHeads * a.headDim;
  const out: [string, number[]][] = [[a.embed, [a.vocab, a.hidden]]];
  for (let i = 0; i < a.layers; i++) {
    const n = a.layer(i);
    out.push([n.attnNorm, [a.hidden]], [n.q, [a.hidden, a.hidden]], [n.k, [kv, a.hidden]], [n.v, [kv, a.hidden]]);
    if (n.qkvBias) out.push([n.qkvBias.q, [a.hidden]], [n.qkvBias.k, [kv]], [n.qkvBias.v, [kv]]);
    out.push([n.o, [a.hidden, a.hidden]], [n.mlpNorm, [a.hidden]], [n.gate, [a.intermediate, a.hidden]], [n.up, [a.intermediate, a.hidden]], [n.down, [a.hidden, a.intermediate]]);
  }
  out.push([a.finalNorm, [a.hidden]]);
  if (a.head) out.push([a.head, [a.vocab, a.hidden]]);
  return out;
}
