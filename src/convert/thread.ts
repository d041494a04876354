/**
 * The converter on its own thread (dist/convert.js), so the editor's extension host never blocks
 * on reading and quantizing gigabytes. Messages: in, `{ type: 'cancel' }`; out, `progress` (at
 * most one per tensor), then exactly one `done` or `error` (see inThread.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { convertSnapshot } from './convert';
import { ConvertCancelled } from './errors';
import type { ThreadJob, ThreadMessage } from './inThread';

const job = workerData as ThreadJob;
const abort = new AbortController();
const post = (message: ThreadMessage) => parentPort!.postMessage(message);
parentPort!.on('message', (m: { type?: string }) => m?.type === 'cancel' && abort.abort());

convertSnapshot(job.src, job.out, { quantize: job.quantize, dtype: job.dtype, signal: abort.signal, onProgress: (progress) => post({ type: 'progress', progress }) }).then(
  (result) => post({ type: 'done', result }),
  (err: unknown) => post({ type: 'error', message: (err as Error).message ?? String(err), cancelled: err instanceof ConvertCancelled }),
);
