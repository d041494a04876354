/**
 * Builds an ONNX graph node by node, writing each weight to the external data file as it is added
 * (so memory holds one weight at a time), and lowers a linear layer to the chosen precision.
 */
import fs from 'node:fs';
import { DataType, encodeModel, type AttributeValue, type DataTypeCode, type InitializerDef, type ModelDef, type NodeDef, type ValueInfoDef } from './onnx';
import { toFloat16Bits } from './safetensors';

export type Precision = 'fp32' | 'fp16' | 'int8' | 'int4';

export const CONTRIB_DOMAIN = 'com.microsoft';
/** Weights at least this large start on a 64 KiB boundary, so ONNX Runtime can memory-map them. */
const ALIGN_LARGE = 65536;
const ALIGN_SMALL = 16;
/** int4 block along the input dimension (MatMulNBits' block_size: a power of two >= 16). */
export const INT4_BLOCK = 32;

function bytesOf(a: Float32Array | Int32Array | Uint16Array | Int8Array | Uint8Array | BigInt64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** [rows, cols] -> [cols, rows] */
export function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = w[base + c];
  }
  return out;
}

/**
 * The largest int8 weight: 7 bits, as ONNX Runtime's `reduce_range`. x86 CPUs without VNNI (AVX2
 * only: many AMD EPYC / Ryzen, older Intel) multiply the uint8 activations by the int8 weights with
 * VPMADDUBSW, which adds two products into int16 with saturation: 255 * 127 * 2 overflows it,
 * 255 * 63 * 2 does not. With 127 a tiny Dream's int8 argmax agreement was 59% on such a CPU
 * (AMD EPYC Milan), with 63 95.5%.
 */
export const INT8_WEIGHT_MAX = 63;

/** Symmetric int8 per output column of a [K, N] weight: w ~= q * scale[n], |q| <= INT8_WEIGHT_MAX (as training/quantize.py). */
export function quantizeInt8PerColumn(w: Float32Array, k: number, n: number): { q: Int8Array; scale: Float32Array } {
  const scale = new Float32Array(n);
  for (let r = 0; r < k; r++) for (let c = 0; c < n; c++) scale[c] = Math.max(scale[c], Math.abs(w[r * n + c]));
  for (let c = 0; c < n; c++) scale[c] = scale[c] > 0 ? scale[c] / INT8_WEIGHT_MAX : 1;
  const q = new Int8Array(w.length);
  for (let r = 0; r < k; r++) for (let c = 0; c < n; c++) q[r * n + c] = Math.max(-INT8_WEIGHT_MAX, Math.min(INT8_WEIGHT_MAX, Math.round(w[r * n + c] / scale[c])));
  return { q, scale };
}

/**
 * MatMulNBits' 4-bit layout of an [N, K] weight (nn.Linear's own [out, in]): per output row,
 * blocks of INT4_BLOCK along K, two values a byte (low nibble first), stored as q + 8 with the
 * default zero point 8; one scale per block (symmetric: max |w| / 7).
 */
export function quantizeInt4Blocks(w: Float32Array, n: number, k: number): { packed: Uint8Array; scales: Float32Array; blocks: number } {
  const blocks = Math.ceil(k / INT4_BLOCK);
  const blob = INT4_BLOCK / 2;
  const packed = new Uint8Array(n * blocks * blob);
  const scales = new Float32Array(n * blocks);
  for (let r = 0; r < n; r++) {
    for (let b = 0; b < blocks; b++) {
      const start = b * INT4_BLOCK;
      const end = Math.min(k, start + INT4_BLOCK);
      let max = 0;
      for (let i = start; i < end; i++) max = Math.max(max, Math.abs(w[r * k + i]));
      const scale = max > 0 ? max / 7 : 1;
      scales[r * blocks + b] = scale;
      for (let i = start; i < start + INT4_BLOCK; i++) {
        const q = i < end ? Math.max(-8, Math.min(7, Math.round(w[r * k + i] / scale))) + 8 : 8;
        const byte = (r * blocks + b) * blob + ((i - start) >> 1);
        packed[byte] |= (i - start) & 1 ? q << 4 : q;
      }
    }
  }
  return { packed, scales, blocks };
}

export class GraphBuilder {
  readonly nodes: NodeDef[] = [];
  readonly initializers: InitializerDef[] = [];
  private readonly constants = new Map<string, string>();
  private fd: number;
  private offset = 0;
  private count = 0;
  usesContrib = false;

  /** @param location the external data file's name as written in the graph (relative to it) */
  constructor(
    dataFile: string,
    private readonly location: string,
  ) {
    this.fd = fs.openSync(dataFile, 'w');
  }

  /** A fresh value name. */
  private fresh(hint: string): string {
    return `${hint}_${this.count++}`;
  }

  op(op: string, inputs: string[], attributes?: Record<string, AttributeValue>, opts: { outputs?: number; name?: string; domain?: string } = {}): string[] {
    const name = opts.name ?? this.fresh(op);
    const outputs = Array.from({ length: opts.outputs ?? 1 }, (_, i) => (opts.outputs ? `${name}_out${i}` : name));
    this.nodes.push({ op, inputs, outputs, name, attributes, domain: opts.domain });
    if (opts.domain === CONTRIB_DOMAIN) this.usesContrib = true;
    return outputs;
  }

  /** One-output node; returns its output name. */
  node(op: string, inputs: string[], attributes?: Record<string, AttributeValue>, name?: string, domain?: string): string {
    return this.op(op, inputs, attributes, { name, domain })[0];
  }

  private inline(name: string, dataType: DataTypeCode, dims: number[], raw: Uint8Array): string {
    this.initializers.push({ name, dataType, dims, raw });
    return name;
  }

  int64s(values: number[], dims = [values.length]): string {
    const key = `i64:${dims.join('x')}:${values.join(',')}`;
    const known = this.constants.get(key);
    if (known) return known;
    const name = this.inline(this.fresh('const_i64'), DataType.INT64, dims, bytesOf(BigInt64Array.from(values, (v) => BigInt(v))));
    this.constants.set(key, name);
    return name;
  }

  floats(values: number[], dims = [values.length]): string {
    const key = `f32:${dims.join('x')}:${values.join(',')}`;
    const known = this.constants.get(key);
    if (known) return known;
    const name = this.inline(this.fresh('const_f32'), DataType.FLOAT, dims, bytesOf(Float32Array.from(values)));
    this.constants.set(key, name);
    return name;
  }

  /** A weight written to the external data file. */
  weight(name: string, dataType: DataTypeCode, dims: number[], data: Float32Array | Uint16Array | Int8Array | Uint8Array): string {
    const bytes = bytesOf(data);
    const align = bytes.length >= ALIGN_LARGE ? ALIGN_LARGE : ALIGN_SMALL;
    const pad = (align - (this.offset % align)) % align;
    if (pad > 0) fs.writeSync(this.fd, new Uint8Array(pad));
    this.offset += pad;
    let at = 0;
    while (at < bytes.length) at += fs.writeSync(this.fd, bytes, at, Math.min(bytes.length - at, 1 << 30));
    this.initializers.push({ name, dataType, dims, external: { location: this.location, offset: this.offset, length: bytes.length } });
    this.offset += bytes.length;
    return name;
  }

  /** A float tensor stored as fp32, or as fp16 widened by a Cast node (ONNX Runtime folds it at load). */
  floatWeight(name: string, data: Float32Array, dims: number[], store: 'fp32' | 'fp16'): string {
    if (store === 'fp32') return this.weight(name, DataType.FLOAT, dims, data);
    const half = this.weight(`${name}.fp16`, DataType.FLOAT16, dims, toFloat16Bits(data));
    return this.node('Cast', [half], { to: DataType.FLOAT }, `${name}.cast`);
  }

  /**
   * y = x W^T (+ b) for an nn.Linear weight `w` [out, in], at `precision`:
   * fp32/fp16 MatMul on the transpose, int8 DynamicQuantizeMatMul (per output column), int4 MatMulNBits.
   */
  linear(x: string, name: string, w: Float32Array, outDim: number, inDim: number, precision: Precision, bias?: Float32Array): string {
    let y: string;
    if (precision === 'int4') {
      const { packed, scales, blocks } = quantizeInt4Blocks(w, outDim, inDim);
      const b = this.weight(`${name}.q4`, DataType.UINT8, [outDim, blocks, INT4_BLOCK / 2], packed);
      const s = this.weight(`${name}.q4_scales`, DataType.FLOAT, [outDim * blocks], scales);
      y = this.node('MatMulNBits', [x, b, s], { K: inDim, N: outDim, bits: 4, block_size: INT4_BLOCK, accuracy_level: 4 }, name, CONTRIB_DOMAIN);
    } else if (precision === 'int8') {
      const { q, scale } = quantizeInt8PerColumn(transpose(w, outDim, inDim), inDim, outDim);
      const inputs = [
        x,
        this.weight(`${name}.q8`, DataType.INT8, [inDim, outDim], q),
        this.weight(`${name}.q8_scale`, DataType.FLOAT, [outDim], scale),
        this.weight(`${name}.q8_zero_point`, DataType.INT8, [outDim], new Int8Array(outDim)),
      ];
      if (bias) inputs.push(this.weight(`${name}.bias`, DataType.FLOAT, [outDim], bias));
      return this.node('DynamicQuantizeMatMul', inputs, undefined, name, CONTRIB_DOMAIN);
    } else {
      const wt = this.floatWeight(`${name}.weight_t`, transpose(w, outDim, inDim), [inDim, outDim], precision);
      y = this.node('MatMul', [x, wt], undefined, name);
    }
    return bias ? this.node('Add', [y, this.weight(`${name}.bias`, DataType.FLOAT, [outDim], bias)]) : y;
  }

  /** Closes the data file and returns the encoded graph. */
  finish(def: { inputs: ValueInfoDef[]; outputs: ValueInfoDef[]; graphName: string; opset: number; metadata?: Record<string, string> }): Uint8Array {
    fs.closeSync(this.fd);
    const model: ModelDef = {
      opsets: [{ domain: '', version: def.opset }, ...(this.usesContrib ? [{ domain: CONTRIB_DOMAIN, version: 1 }] : [])],
      graphName: def.graphName,
      nodes: this.nodes,
      initializers: this.initializers,
      inputs: def.inputs,
      outputs: def.outputs,
      producer: 'diffusion-infill convert',
      metadata: def.metadata,
    };
    return encodeModel(model);
  }

  /** Closes the data file without encoding (on failure). */
  abort(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}
