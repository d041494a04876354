/**
 * The ONNX graph of a pre-norm decoder-style transformer run as a bidirectional denoiser:
 * embedding, per layer RMSNorm -> q/k/v (+bias) -> rotary -> full attention (plain MatMul/Softmax,
 * no mask at all: every position attends to every other) -> output projection, RMSNorm -> SwiGLU,
 * then the final norm, the `logit_positions` gather and the output layer.
 *
 * Attention stays MatMul/Softmax on purpose: ONNX Runtime's GroupQueryAttention is causal-only.
 * GQA needs no copies: queries are viewed as [batch, kv_heads, group, seq, dim] and broadcast
 * against keys/values of [batch, kv_heads, 1, seq, dim].
 */
import { DataType } from './onnx';
import type { Architecture } from './families';
import { transpose, type GraphBuilder, type Precision } from './graphBuilder';
import { LOGIT_POSITIONS } from '../protocol/graph';

export const OPSET = 17;
export const INPUT_IDS = 'input_ids';
export const LOGITS = 'logits';

/** Reads one weight as float32 with the shape config.json implies (progress and cancel live there). */
export type ReadWeight = (name: string, shape: number[]) => Promise<Float32Array>;

export async function buildTransformer(g: GraphBuilder, a: Architecture, read: ReadWeight, precision: Precision): Promise<void> {
  const { hidden, heads, kvHeads, headDim } = a;
  const kvDim = kvHeads * headDim;
  const group = heads / kvHeads;
  const floatStore = precision === 'fp32' ? 'fp32' : 'fp16';

  // Embedding. A tied fp32 table is stored once, as the head's [hidden, vocab], and gathered along axis 1.
  const tiedFp32 = a.head === undefined && precision === 'fp32';
  let table: Float32Array | undefined = await read(a.embed, [a.vocab, hidden]);
  let x: string;
  let headT: string | undefined;
  if (tiedFp32) {
    headT = g.weight('lm_head.weight_t', DataType.FLOAT, [hidden, a.vocab], transpose(table, a.vocab, hidden));
    x = g.node('Transpose', [g.node('Gather', [headT, INPUT_IDS], { axis: 1 })], { perm: [1, 2, 0] });
  } else {
    x = g.node('Gather', [g.floatWeight('embed_tokens', table, [a.vocab, hidden], floatStore), INPUT_IDS], { axis: 0 });
  }
  if (a.head !== undefined || tiedFp32) table = undefined; // kept only while a tied quantized head still needs it
  if (a.inputEmbNorm) x = g.node('Mul', [x, g.floats([Math.sqrt(hidden)], [])]);

  // Rotary tables for positions 0..S-1: angle = position * theta^(-2i/dim), duplicated halves.
  const seqLen = g.node('Squeeze', [g.node('Shape', [INPUT_IDS], { start: 1, end: 2 }), g.int64s([0])]);
  const positions = g.node('Cast', [g.node('Range', [g.int64s([0], []), seqLen, g.int64s([1], [])])], { to: DataType.FLOAT });
  const invFreq = Array.from({ length: headDim / 2 }, (_, i) => 1 / Math.pow(a.ropeTheta, (2 * i) / headDim));
  const freqs = g.node('Mul', [g.node('Unsqueeze', [positions, g.int64s([1])]), g.floats(invFreq, [1, headDim / 2])]);
  const angles = g.node('Concat', [freqs, freqs], { axis: -1 });
  const cos = g.node('Cos', [angles]);
  const sin = g.node('Sin', [angles]);
  const halves = g.int64s([headDim / 2, headDim / 2]);
  const rope = (t: string): string => {
    const [t1, t2] = g.op('Split', [t, halves], { axis: -1 }, { outputs: 2 });
    const rotated = g.node('Concat', [g.node('Neg', [t2]), t1], { axis: -1 });
    return g.node('Add', [g.node('Mul', [t, cos]), g.node('Mul', [rotated, sin])]);
  };
  const rmsNorm = async (t: string, weightName: string, name: string): Promise<string> => {
    const variance = g.node('ReduceMean', [g.node('Pow', [t, g.floats([2], [])])], { axes: [-1], keepdims: 1 });
    const normed = g.node('Div', [t, g.node('Sqrt', [g.node('Add', [variance, g.floats([a.rmsEps], [])])])]);
    return g.node('Mul', [normed, g.weight(`${name}.weight`, DataType.FLOAT, [hidden], await read(weightName, [hidden]))]);
  };
  const heads4 = (t: string, n: number) => g.node('Transpose', [g.node('Reshape', [t, g.int64s([0, 0, n, headDim])])], { perm: [0, 2, 1, 3] });
  const scale = g.floats([1 / Math.sqrt(headDim)], []);

  for (let i = 0; i < a.layers; i++) {
    const n = a.layer(i);
    const p = `layers.${i}`;
    const h = await rmsNorm(x, n.attnNorm, `${p}.input_layernorm`);
    const bias = async (name: string | undefined, size: number) => (name ? await read(name, [size]) : undefined);
    const q = g.linear(h, `${p}.q_proj`, await read(n.q, [hidden, hidden]), hidden, hidden, precision, await bias(n.qkvBias?.q, hidden));
    const k = g.linear(h, `${p}.k_proj`, await read(n.k, [kvDim, hidden]), kvDim, hidden, precision, await bias(n.qkvBias?.k, kvDim));
    const v = g.linear(h, `${p}.v_proj`, await read(n.v, [kvDim, hidden]), kvDim, hidden, precision, await bias(n.qkvBias?.v, kvDim));
    const qh = g.node('Mul', [rope(heads4(q, heads)), scale]); // [B, H, S, D]
    const kh = rope(heads4(k, kvHeads)); // [B, KV, S, D]
    const vh = heads4(v, kvHeads);
    let context: string;
    if (group === 1) {
      const probs = g.node('Softmax', [g.node('MatMul', [qh, g.node('Transpose', [kh], { perm: [0, 1, 3, 2] })])], { axis: -1 });
      context = g.node('MatMul', [probs, vh]);
    } else {
      const qg = g.node('Reshape', [qh, g.int64s([0, kvHeads, group, -1, headDim])]);
      const kg = g.node('Unsqueeze', [g.node('Transpose', [kh], { perm: [0, 1, 3, 2] }), g.int64s([2])]);
      const probs = g.node('Softmax', [g.node('MatMul', [qg, kg])], { axis: -1 });
      context = g.node('Reshape', [g.node('MatMul', [probs, g.node('Unsqueeze', [vh, g.int64s([2])])]), g.int64s([0, heads, -1, headDim])]);
    }
    const merged = g.node('Reshape', [g.node('Transpose', [context], { perm: [0, 2, 1, 3] }), g.int64s([0, 0, hidden])]);
    x = g.node('Add', [x, g.linear(merged, `${p}.o_proj`, await read(n.o, [hidden, hidden]), hidden, hidden, precision)]);

    const m = await rmsNorm(x, n.mlpNorm, `${p}.post_attention_layernorm`);
    const gate = g.linear(m, `${p}.gate_proj`, await read(n.gate, [a.intermediate, hidden]), a.intermediate, hidden, precision);
    const up = g.linear(m, `${p}.up_proj`, await read(n.up, [a.intermediate, hidden]), a.intermediate, hidden, precision);
    const act = g.node('Mul', [g.node('Mul', [gate, g.node('Sigmoid', [gate])]), up]);
    x = g.node('Add', [x, g.linear(act, `${p}.down_proj`, await read(n.down, [hidden, a.intermediate]), hidden, a.intermediate, precision)]);
  }

  const final = await rmsNorm(x, a.finalNorm, 'norm');
  const at = g.node('Unsqueeze', [LOGIT_POSITIONS, g.int64s([-1])]);
  const gathered = g.node('GatherND', [final, at], { batch_dims: 1 }, 'logit_positions_gather');
  let logits: string;
  const scaled = a.scaleLogits;
  const outName = scaled ? 'logits_unscaled' : LOGITS;
  if (headT) {
    logits = g.node('MatMul', [gathered, headT], undefined, outName);
  } else {
    const w = table ?? await read(a.head as string, [a.vocab, hidden]);
    logits = g.linear(gathered, outName, w, a.vocab, hidden, precision);
  }
  if (scaled) g.node('Mul', [logits, g.floats([1 / Math.sqrt(hidden)], [])], undefined, LOGITS);
}
