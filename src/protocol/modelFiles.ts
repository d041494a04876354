/**
 * What a model folder's JSON files may be, checked before any of them is read: a regular file
 * (a FIFO would block the reader forever, `/dev/zero` would fill memory) no larger than its cap.
 * The one rule for the worker (which reads the folder to load it) and the editor and CLI (which
 * read the tokenizer and the recommended sampler without loading a model).
 */

const MIB = 1024 * 1024;

/** Largest accepted size of each JSON file (tokenizers of 150k-token vocabularies are ~10 MB). */
export const MODEL_JSON_MAX_BYTES: Readonly<Record<string, number>> = {
  'config.json': 1 * MIB,
  'tokenizer_config.json': 1 * MIB,
  'tokenizer.json': 64 * MIB,
};

/** For a file with another name (a graph, checked only for being a regular file). */
export const DEFAULT_MODEL_JSON_MAX_BYTES = 1 * MIB;

export function maxBytesOf(fileName: string): number {
  return MODEL_JSON_MAX_BYTES[fileName] ?? DEFAULT_MODEL_JSON_MAX_BYTES;
}

/** Why a file with this stat may not be read (one line, naming the file), or undefined. */
export function modelFileProblem(file: string, stat: { isFile(): boolean; size: number }, maxBytes: number): string | undefined {
  if (!stat.isFile()) return `${file} is not a regular file`;
  if (stat.size > maxBytes) return `${file} is ${stat.size} bytes, more than the ${maxBytes} a model file of this kind may have`;
  return undefined;
}
