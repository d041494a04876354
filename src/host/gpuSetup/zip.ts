/**
 * Reads zip archives (a NuGet package, a .vsix) without unpacking them whole: the central
 * directory lists the entries, one entry streams out through inflate and is checked by its CRC-32.
 * Node built-ins only, so it works in the extension host, the CLI and tests alike.
 */
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import zlib from 'node:zlib';

export interface ZipEntry {
  name: string;
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_EOCD_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX32 = 0xffffffff;

async function readAt(handle: fs.promises.FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/** The entries of the zip at `file`, in central-directory order. Throws when it is not a zip. */
export async function listZip(file: string): Promise<ZipEntry[]> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const tailLength = Math.min(size, 22 + 0xffff);
    const tail = await readAt(handle, size - tailLength, tailLength);
    let at = tail.length - 22;
    while (at >= 0 && tail.readUInt32LE(at) !== EOCD) at--;
    if (at < 0) throw new Error(`${file}: not a zip archive (no end of central directory)`);
    let count = tail.readUInt16LE(at + 10);
    let directorySize = tail.readUInt32LE(at + 12);
    let directoryOffset = tail.readUInt32LE(at + 16);
    if (at >= 20 && tail.readUInt32LE(at - 20) === ZIP64_EOCD_LOCATOR) {
      const record = await readAt(handle, Number(tail.readBigUInt64LE(at - 20 + 8)), 56);
      count = Number(record.readBigUInt64LE(32));
      directorySize = Number(record.readBigUInt64LE(40));
      directoryOffset = Number(record.readBigUInt64LE(48));
    }
    const directory = await readAt(handle, directoryOffset, directorySize);
    const entries: ZipEntry[] = [];
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (directory.readUInt32LE(p) !== CENTRAL) throw new Error(`${file}: damaged central directory at entry ${i}`);
      const nameLength = directory.readUInt16LE(p + 28);
      const extraLength = directory.readUInt16LE(p + 30);
      const commentLength = directory.readUInt16LE(p + 32);
      const entry: ZipEntry = {
        name: directory.toString('utf8', p + 46, p + 46 + nameLength),
        method: directory.readUInt16LE(p + 10),
        crc32: directory.readUInt32LE(p + 16),
        compressedSize: directory.readUInt32LE(p + 20),
        size: directory.readUInt32LE(p + 24),
        localHeaderOffset: directory.readUInt32LE(p + 42),
      };
      readZip64Extra(entry, directory.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength));
      entries.push(entry);
      p += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
  } finally {
    await handle.close();
  }
}

/** Sizes and offsets past 4 GiB live in the zip64 extra field, in this order, only where saturated. */
function readZip64Extra(entry: ZipEntry, extra: Buffer): void {
  for (let p = 0; p + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(p);
    const length = extra.readUInt16LE(p + 2);
    if (id === 0x0001) {
      let q = p + 4;
      for (const field of ['size', 'compressedSize', 'localHeaderOffset'] as const) {
        if (entry[field] === MAX32) {
          entry[field] = Number(extra.readBigUInt64LE(q));
          q += 8;
        }
      }
    }
    p += 4 + length;
  }
}

/** Writes one entry's bytes to `destination`, checking its CRC-32; a bad entry leaves no file. */
export async function extractEntry(file: string, entry: ZipEntry, destination: string): Promise<void> {
  if (entry.method !== 0 && entry.method !== 8) throw new Error(`${entry.name}: unsupported zip compression method ${entry.method}`);
  const handle = await fs.promises.open(file, 'r');
  let dataStart: number;
  try {
    const header = await readAt(handle, entry.localHeaderOffset, 30);
    if (header.length < 30 || header.readUInt32LE(0) !== LOCAL) throw new Error(`${entry.name}: damaged local header`);
    dataStart = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  } finally {
    await handle.close();
  }
  let crc = 0;
  let written = 0;
  const check = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      crc = zlib.crc32(chunk, crc);
      written += chunk.length;
      done(null, chunk);
    },
  });
  const source = entry.compressedSize > 0 ? fs.createReadStream(file, { start: dataStart, end: dataStart + entry.compressedSize - 1 }) : Readable.from([]);
  try {
    const stages = entry.method === 8 ? [source, zlib.createInflateRaw(), check] : [source, check];
    await pipeline([...stages, fs.createWriteStream(destination)]);
    if (written !== entry.size || crc >>> 0 !== entry.crc32) throw new Error(`${entry.name}: damaged in the archive (size or CRC-32 does not match)`);
  } catch (error) {
    await fs.promises.rm(destination, { force: true });
    throw error;
  }
}
