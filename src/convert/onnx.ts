/**
 * The subset of ONNX's ModelProto the converter writes (field numbers from onnx/onnx.proto), with
 * initializers either inline (small constants) or in external data beside the graph.
 */
import { ProtoWriter } from './protobuf';

/** onnx.TensorProto.DataType */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, FLOAT16: 10 } as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

export type AttributeValue = number | string | number[] | { float: number } | { floats: number[] };

export interface NodeDef {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  domain?: string;
  attributes?: Record<string, AttributeValue>;
}

export interface InitializerDef {
  name: string;
  dataType: DataTypeCode;
  dims: number[];
  /** Inline bytes (small constants) ... */
  raw?: Uint8Array;
  /** ... or a range of the external data file. */
  external?: { location: string; offset: number; length: number };
}

export interface ValueInfoDef {
  name: string;
  elemType: DataTypeCode;
  /** A number is a fixed size, a string a named symbolic dimension. */
  shape: (number | string)[];
}

export interface ModelDef {
  opsets: { domain: string; version: number }[];
  graphName: string;
  nodes: NodeDef[];
  initializers: InitializerDef[];
  inputs: ValueInfoDef[];
  outputs: ValueInfoDef[];
  producer: string;
  metadata?: Record<string, string>;
}

/** ONNX IR version 8 goes with opset 17..18 (onnx 1.13+); ONNX Runtime 1.14+ reads it. */
const IR_VERSION = 8;

// AttributeProto.AttributeType
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_FLOATS = 6;
const ATTR_INTS = 7;

function attribute(name: string, value: AttributeValue): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if (typeof value === 'number') {
    w.int(3, value).int(20, ATTR_INT);
  } else if (typeof value === 'string') {
    w.string(4, value).int(20, ATTR_STRING);
  } else if (Array.isArray(value)) {
    for (const v of value) w.int(8, v);
    w.int(20, ATTR_INTS);
  } else if ('float' in value) {
    w.float(2, value.float).int(20, ATTR_FLOAT);
  } else {
    for (const v of value.floats) w.float(7, v);
    w.int(20, ATTR_FLOATS);
  }
  return w;
}

function node(n: NodeDef): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.op);
  for (const [k, v] of Object.entries(n.attributes ?? {})) w.message(5, attribute(k, v));
  if (n.domain) w.string(7, n.domain);
  return w;
}

function tensor(t: InitializerDef): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.dataType).string(8, t.name);
  if (t.raw) w.bytes(9, t.raw);
  if (t.external) {
    const entry = (k: string, v: string) => new ProtoWriter().string(1, k).string(2, v);
    w.message(13, entry('location', t.external.location));
    w.message(13, entry('offset', String(t.external.offset)));
    w.message(13, entry('length', String(t.external.length)));
    w.int(14, 1); // DataLocation.EXTERNAL
  }
  return w;
}

function valueInfo(v: ValueInfoDef): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.shape) shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().int(1, v.elemType).message(2, shape);
  return new ProtoWriter().string(1, v.name).message(2, new ProtoWriter().message(1, tensorType));
}

export function encodeModel(m: ModelDef): Uint8Array {
  const graph = new ProtoWriter();
  for (const n of m.nodes) graph.message(1, node(n));
  graph.string(2, m.graphName);
  for (const t of m.initializers) graph.message(5, tensor(t));
  for (const i of m.inputs) graph.message(11, valueInfo(i));
  for (const o of m.outputs) graph.message(12, valueInfo(o));
  const model = new ProtoWriter().int(1, IR_VERSION).string(2, m.producer);
  model.message(7, graph);
  for (const o of m.opsets) model.message(8, new ProtoWriter().string(1, o.domain).int(2, o.version));
  for (const [k, v] of Object.entries(m.metadata ?? {})) model.message(14, new ProtoWriter().string(1, k).string(2, v));
  return model.finish();
}
