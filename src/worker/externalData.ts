/**
 * The external data files an ONNX graph names (`model.onnx_data` beside it), checked before ONNX
 * Runtime opens them, by the same rule as the folder's JSON files: a regular file (a FIFO would
 * block the load forever, a device never ends), within the model folder (a symlink may not lead
 * out of it), within a size cap. The graph is walked by its protobuf lengths with positional reads:
 * only the tensors' headers are read, never their data.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InfillError } from '../protocol/errors';
import { modelFileProblem } from '../protocol/modelFiles';

/** The largest external data file accepted (an 8B-parameter model in fp32 is ~32 GB). */
export const MAX_EXTERNAL_DATA_BYTES = 64 * 1024 ** 3;
/** Subgraphs nest (If / Loop bodies); a hostile graph may not nest without end. */
const MAX_DEPTH = 16;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

/** Reads a protobuf file by position, a small window at a time. */
class ProtoFile {
  private readonly window = Buffer.alloc(8 * 1024);
  private windowStart = 0;
  private windowLength = 0;

  constructor(private readonly fd: number, readonly size: number) {}

  byte(at: number): number {
    if (at < this.windowStart || at >= this.windowStart + this.windowLength) {
      this.windowStart = at;
      this.windowLength = fs.readSync(this.fd, this.window, 0, this.window.length, at);
      if (this.windowLength <= 0) throw new Error('the graph ends inside a field');
    }
    return this.window[at - this.windowStart];
  }

  /** A varint at `at`: its value and where the next field starts. */
  varint(at: number): [number, number] {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte(at + i);
      value += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) return [value, at + i + 1];
    }
    throw new Error('a varint longer than 10 bytes');
  }

  text(at: number, length: number): string {
    const bytes = Buffer.alloc(length);
    for (let i = 0; i < length; i++) bytes[i] = this.byte(at + i);
    return bytes.toString('utf8');
  }

  /** Each field of the message in [from, to): its number, wire type and (for bytes) the range of its payload. */
  *fields(from: number, to: number): Generator<{ field: number; start: number; end: number; wire: number }> {
    let at = from;
    while (at < to) {
      const [tag, next] = this.varint(at);
      const wire = tag & 7;
      const field = Math.floor(tag / 8);
      let start = next;
      let end: number;
      if (wire === WIRE_VARINT) end = this.varint(next)[1];
      else if (wire === WIRE_FIXED64) end = next + 8;
      else if (wire === WIRE_FIXED32) end = next + 4;
      else if (wire === WIRE_BYTES) {
        const [length, payload] = this.varint(next);
        start = payload;
        end = payload + length;
      } else throw new Error(`wire type ${wire} at byte ${at}`);
      if (end > to) throw new Error(`a field runs past its message at byte ${at}`);
      yield { field, start, end, wire };
      at = end;
    }
  }
}

// Field numbers from onnx/onnx.proto.
const MODEL_GRAPH = 7;
const MODEL_FUNCTIONS = 25;
const FUNCTION_NODES = 7;
const GRAPH_NODES = 1;
const GRAPH_INITIALIZERS = 5;
const GRAPH_SPARSE_INITIALIZERS = 15;
const NODE_ATTRIBUTES = 5;
const ATTRIBUTE_TENSOR = 5;
const ATTRIBUTE_GRAPH = 6;
const ATTRIBUTE_TENSORS = 10;
const ATTRIBUTE_GRAPHS = 11;
const ATTRIBUTE_SPARSE_TENSOR = 22;
const ATTRIBUTE_SPARSE_TENSORS = 23;
const SPARSE_VALUES = 1;
const SPARSE_INDICES = 2;
const TENSOR_EXTERNAL_DATA = 13;

/** The `location` of every tensor's external data in the graph (each once). */
export function externalDataLocations(onnxFile: string): string[] {
  const fd = fs.openSync(onnxFile, 'r');
  try {
    const file = new ProtoFile(fd, fs.fstatSync(fd).size);
    const found = new Set<string>();
    const tensor = (from: number, to: number) => {
      for (const f of file.fields(from, to)) {
        if (f.field !== TENSOR_EXTERNAL_DATA || f.wire !== WIRE_BYTES) continue;
        let key = '';
        let value = '';
        for (const e of file.fields(f.start, f.end)) {
          if (e.wire !== WIRE_BYTES) continue;
          if (e.field === 1) key = file.text(e.start, e.end - e.start);
          if (e.field === 2) value = file.text(e.start, e.end - e.start);
        }
        if (key === 'location') found.add(value);
      }
    };
    const sparse = (from: number, to: number) => {
      for (const f of file.fields(from, to)) if ((f.field === SPARSE_VALUES || f.field === SPARSE_INDICES) && f.wire === WIRE_BYTES) tensor(f.start, f.end);
    };
    const nodes = (from: number, to: number, field: number, depth: number) => {
      for (const n of file.fields(from, to)) {
        if (n.field !== field || n.wire !== WIRE_BYTES) continue;
        for (const a of file.fields(n.start, n.end)) {
          if (a.field !== NODE_ATTRIBUTES || a.wire !== WIRE_BYTES) continue;
          for (const v of file.fields(a.start, a.end)) {
            if (v.wire !== WIRE_BYTES) continue;
            if (v.field === ATTRIBUTE_TENSOR || v.field === ATTRIBUTE_TENSORS) tensor(v.start, v.end);
            else if (v.field === ATTRIBUTE_SPARSE_TENSOR || v.field === ATTRIBUTE_SPARSE_TENSORS) sparse(v.start, v.end);
            else if (v.field === ATTRIBUTE_GRAPH || v.field === ATTRIBUTE_GRAPHS) graph(v.start, v.end, depth + 1);
          }
        }
      }
    };
    const graph = (from: number, to: number, depth: number): void => {
      if (depth > MAX_DEPTH) throw new Error(`subgraphs nested deeper than ${MAX_DEPTH}`);
      nodes(from, to, GRAPH_NODES, depth);
      for (const f of file.fields(from, to)) {
        if (f.wire !== WIRE_BYTES) continue;
        if (f.field === GRAPH_INITIALIZERS) tensor(f.start, f.end);
        else if (f.field === GRAPH_SPARSE_INITIALIZERS) sparse(f.start, f.end);
      }
    };
    for (const f of file.fields(0, file.size)) {
      if (f.wire !== WIRE_BYTES) continue;
      if (f.field === MODEL_GRAPH) graph(f.start, f.end, 0);
      else if (f.field === MODEL_FUNCTIONS) nodes(f.start, f.end, FUNCTION_NODES, 0);
    }
    return [...found];
  } finally {
    fs.closeSync(fd);
  }
}

/** Refuses (one line, naming the file) external data that is not a regular file inside `modelDir` within the cap. */
export function checkExternalData(onnxFile: string, modelDir: string): void {
  let locations: string[];
  try {
    locations = externalDataLocations(onnxFile);
  } catch {
    return; // not a well-formed graph: ONNX Runtime refuses it with its own message before it reads any data
  }
  const root = fs.realpathSync(modelDir);
  const inside = (p: string) => {
    const rel = path.relative(root, p);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  };
  for (const location of locations) {
    const file = path.resolve(path.dirname(onnxFile), location);
    let real: string;
    try {
      real = fs.realpathSync(file);
    } catch {
      throw new InfillError('model-missing', `Model file missing: ${file} (external data of ${onnxFile})`);
    }
    if (!inside(real)) throw new InfillError('model-invalid', `${file}: external data of ${onnxFile} lies outside the model folder ${root}`);
    const problem = modelFileProblem(file, fs.statSync(real), MAX_EXTERNAL_DATA_BYTES);
    if (problem) throw new InfillError('model-invalid', problem);
  }
}
