/**
 * Reads a model folder's JSON file off the extension host's thread, by the rule in
 * protocol/modelFiles.ts: opened without blocking (a FIFO), checked on the opened file, read up to
 * its cap. Undefined when the file is absent.
 */
import { constants, promises as fsp } from 'node:fs';
import path from 'node:path';
import { maxBytesOf, modelFileProblem } from '../protocol/modelFiles';

export class ModelFileError extends Error {}

export async function readModelJson(dir: string, fileName: string): Promise<unknown | undefined> {
  const file = path.join(dir, fileName);
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ModelFileError(`${file}: ${(err as Error).message}`);
  }
  try {
    const stat = await handle.stat();
    const problem = modelFileProblem(file, stat, maxBytesOf(fileName));
    if (problem) throw new ModelFileError(problem);
    const buffer = Buffer.alloc(stat.size + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > stat.size) throw new ModelFileError(`${file} changed while it was read`);
    try {
      return JSON.parse(buffer.toString('utf8', 0, bytesRead));
    } catch (err) {
      throw new ModelFileError(`${file} is not valid JSON: ${(err as Error).message}`);
    }
  } finally {
    await handle.close();
  }
}
