/**
 * Reads a Hugging Face snapshot's weights: one `model.safetensors`, or shards listed by
 * `model.safetensors.index.json`. Only headers are read up front; each tensor is read and widened
 * to float32 on its own, so memory holds one tensor at a time.
 *
 * The format: an 8-byte little-endian header length N, N bytes of JSON
 * {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?}, then the tensor bytes
 * (offsets relative to the end of the header).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConvertError } from './errors';

const ELEMENT_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };
const MAX_HEADER_BYTES = 100_000_000;

export interface TensorEntry {
  name: string;
  file: string;
  dtype: string;
  shape: number[];
  /** Absolute byte range in `file`. */
  begin: number;
  end: number;
}

function readHeader(file: string): TensorEntry[] {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    throw new ConvertError(`${file}: weight file missing`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const lengthBytes = Buffer.alloc(8);
    if (fs.readSync(fd, lengthBytes, 0, 8, 0) !== 8) throw new ConvertError(`${file}: not a safetensors file (shorter than 8 bytes)`);
    const n = Number(lengthBytes.readBigUInt64LE(0));
    if (n <= 0 || n > MAX_HEADER_BYTES || 8 + n > size) throw new ConvertError(`${file}: not a safetensors file (header length ${n})`);
    const headerBytes = Buffer.alloc(n);
    fs.readSync(fd, headerBytes, 0, n, 8);
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(headerBytes.toString('utf8'));
    } catch (err) {
      throw new ConvertError(`${file}: the safetensors header is not valid JSON: ${(err as Error).message}`);
    }
    const entries: TensorEntry[] = [];
    for (const [name, raw] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      const shape = info.shape;
      const offsets = info.data_offsets;
      if (
        typeof info.dtype !== 'string' ||
        !Array.isArray(shape) ||
        !shape.every((d) => Number.isInteger(d) && d >= 0) ||
        !Array.isArray(offsets) ||
        offsets.length !== 2 ||
        !offsets.every((o) => Number.isInteger(o) && o >= 0)
      ) {
        throw new ConvertError(`${file}: tensor ${name}: malformed header entry`);
      }
      const [b, e] = offsets as number[];
      const begin = 8 + n + b;
      const end = 8 + n + e;
      if (e < b || end > size) throw new ConvertError(`${file}: tensor ${name}: data [${b}, ${e}) lies outside the file (truncated download?)`);
      const bytes = ELEMENT_BYTES[info.dtype];
      const count = (shape as number[]).reduce((a, d) => a * d, 1);
      if (bytes !== undefined && count * bytes !== e - b) {
        throw new ConvertError(`${file}: tensor ${name}: ${e - b} bytes for ${info.dtype} [${shape.join(', ')}]; expected ${count * bytes}`);
      }
      entries.push({ name, file, dtype: info.dtype, shape: shape as number[], begin, end });
    }
    return entries;
  } finally {
    fs.closeSync(fd);
  }
}

const F16_TABLE = (() => {
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    t[h] = exp === 0 ? sign * frac * 2 ** -24 : exp === 31 ? (frac ? NaN : sign * Infinity) : sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return t;
})();

/** float32 -> IEEE half bits, round to nearest even (for fp16 storage of converted weights). */
export function toFloat16Bits(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < values.length; i++) {
    f[0] = values[i];
    const x = u[0];
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 31) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mant |= 0x800000;
      const shift = 14 - e;
      let half = mant >>> shift;
      const rest = mant & ((1 << shift) - 1);
      const halfway = 1 << (shift - 1);
      if (rest > halfway || (rest === halfway && half & 1)) half++;
      out[i] = sign | half;
      continue;
    }
    // Rounding up may carry into the exponent, which is still the right encoding.
    let half = (e << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
    out[i] = sign | half;
  }
  return out;
}

/** The weights of one snapshot folder. */
export class SnapshotWeights {
  private constructor(
    readonly dir: string,
    private readonly entries: Map<string, TensorEntry>,
    readonly files: string[],
  ) {}

  static open(dir: string): SnapshotWeights {
    const indexFile = path.join(dir, 'model.safetensors.index.json');
    const single = path.join(dir, 'model.safetensors');
    const entries = new Map<string, TensorEntry>();
    if (fs.existsSync(indexFile)) {
      let index: { weight_map?: unknown };
      try {
        index = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
      } catch (err) {
        throw new ConvertError(`${indexFile}: not valid JSON: ${(err as Error).message}`);
      }
      const map = index.weight_map;
      if (typeof map !== 'object' || map === null) throw new ConvertError(`${indexFile}: expected a "weight_map" object`);
      const byFile = new Map<string, string[]>();
      for (const [name, shard] of Object.entries(map as Record<string, unknown>)) {
        if (typeof shard !== 'string' || shard.includes('/') || shard.includes('\\')) throw new ConvertError(`${indexFile}: tensor ${name}: shard must be a file name`);
        byFile.set(shard, [...(byFile.get(shard) ?? []), name]);
      }
      for (const [shard, names] of byFile) {
        const file = path.join(dir, shard);
        if (!fs.existsSync(file)) throw new ConvertError(`${file}: shard missing (named by ${path.basename(indexFile)} for tensor ${names[0]})`);
        const inFile = new Map(readHeader(file).map((e) => [e.name, e]));
        for (const name of names) {
          const entry = inFile.get(name);
          if (!entry) throw new ConvertError(`${file}: tensor ${name} missing (${path.basename(indexFile)} says it is in this shard)`);
          entries.set(name, entry);
        }
      }
      return new SnapshotWeights(dir, entries, [...byFile.keys()].map((f) => path.join(dir, f)));
    }
    if (!fs.existsSync(single)) throw new ConvertError(`${dir}: no weights: expected model.safetensors or model.safetensors.index.json`);
    for (const e of readHeader(single)) entries.set(e.name, e);
    return new SnapshotWeights(dir, entries, [single]);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** The entry, its shape checked against `shape` when given. */
  entry(name: string, shape?: number[]): TensorEntry {
    const e = this.entries.get(name);
    if (!e) throw new ConvertError(`${this.dir}: tensor ${name} missing from the weights`);
    if (shape && (e.shape.length !== shape.length || e.shape.some((d, i) => d !== shape[i]))) {
      throw new ConvertError(`${e.file}: tensor ${name} has shape [${e.shape.join(', ')}]; expected [${shape.join(', ')}] from config.json`);
    }
    if (ELEMENT_BYTES[e.dtype] === undefined) {
      throw new ConvertError(`${e.file}: tensor ${name} has dtype ${e.dtype}; supported: BF16, F16, F32`);
    }
    return e;
  }

  /** Total bytes of the tensors (for progress). */
  bytes(names: string[]): number {
    return names.reduce((sum, n) => sum + (this.entries.get(n)?.end ?? 0) - (this.entries.get(n)?.begin ?? 0), 0);
  }

  /** One tensor, widened to float32. */
  read(name: string, shape?: number[]): Float32Array {
    const e = this.entry(name, shape);
    const raw = Buffer.alloc(e.end - e.begin);
    const fd = fs.openSync(e.file, 'r');
    try {
      let at = 0;
      while (at < raw.length) {
        const n = fs.readSync(fd, raw, at, Math.min(raw.length - at, 1 << 30), e.begin + at);
        if (n <= 0) throw new ConvertError(`${e.file}: tensor ${name}: unexpected end of file`);
        at += n;
      }
    } finally {
      fs.closeSync(fd);
    }
    const count = raw.length / ELEMENT_BYTES[e.dtype];
    if (e.dtype === 'F32') return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
    const halves = new Uint16Array(raw.buffer, raw.byteOffset, count);
    const out = new Float32Array(count);
    if (e.dtype === 'BF16') {
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = halves[i] << 16;
    } else {
      for (let i = 0; i < count; i++) out[i] = F16_TABLE[halves[i]];
    }
    return out;
  }
}
