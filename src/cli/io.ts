/**
 * The CLI's standard streams: input read as bytes that must be UTF-8 (pipes, files and terminals
 * alike), output written with every error handled (a closed pipe ends quietly, a full disk is one
 * line and exit 1).
 */
import tty from 'node:tty';
import { invalidUtf8At } from '../core/utf8';
import { UsageError } from './args';

/** Most bytes read from standard input (the text the worker gets is bounded by the same). */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/**
 * Standard input as text. Read as a stream: `fs.readFileSync(0)` fails with EAGAIN on a pipe whose
 * producer is slower than start-up (fd 0 can be non-blocking). A terminal is read until Ctrl-D.
 */
export async function readStdin(): Promise<string> {
  if (tty.isatty(0)) process.stderr.write('diffusion-infill: reading TEXT from the terminal; end it with Ctrl-D\n');
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > MAX_INPUT_BYTES) throw new UsageError(`standard input: more than ${MAX_INPUT_BYTES} bytes`);
    chunks.push(chunk);
  }
  return decodeUtf8(Buffer.concat(chunks), 'standard input');
}

/** Bytes as text, refusing what is not UTF-8 instead of rewriting it to U+FFFD. */
export function decodeUtf8(bytes: Buffer, what: string): string {
  const bad = invalidUtf8At(bytes);
  if (bad >= 0) throw new UsageError(`${what}: not UTF-8: byte 0x${bytes[bad].toString(16).padStart(2, '0')} at offset ${bad} does not start a whole character`);
  return bytes.toString('utf8');
}

/** Thrown when standard output was closed by its reader (`| head`): the run ends quietly. */
export class OutputClosed extends Error {}

/** Writes to standard output; resolves once written, rejects with one line on a write error. */
export function writeOut(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (err) => {
      if (!err) resolve();
      else if ((err as NodeJS.ErrnoException).code === 'EPIPE') reject(new OutputClosed());
      else reject(new Error(`standard output: ${err.message}`));
    });
  });
}

/** Errors on the streams are answered by writeOut's callback; without a listener they would crash the process. */
export function guardStreams(): void {
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
}
