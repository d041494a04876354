/**
 * Runs a conversion on a worker thread (thread.ts, bundled as dist/convert.js) with progress and
 * cancel: what the editor uses, where a conversion on the extension host's own thread would freeze
 * every extension for minutes.
 */
import { Worker } from 'node:worker_threads';
import type { ConvertProgress, ConvertResult, Quantize, StoreDtype } from './convert';
import { ConvertCancelled } from './errors';

/** What the thread is given (its workerData). */
export interface ThreadJob {
  src: string;
  out: string;
  quantize: Quantize;
  dtype: StoreDtype;
}

export type ThreadMessage =
  | { type: 'progress'; progress: ConvertProgress }
  | { type: 'done'; result: ConvertResult }
  | { type: 'error'; message: string; cancelled: boolean };

export interface InThreadOptions {
  onProgress?: (p: ConvertProgress) => void;
  /** Aborting asks the thread to stop between tensors; OUT is then left absent. */
  signal?: AbortSignal;
}

export function convertInThread(script: string, job: ThreadJob, options: InThreadOptions = {}): Promise<ConvertResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: job });
    const onAbort = () => worker.postMessage({ type: 'cancel' });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    worker.on('message', (m: ThreadMessage) => {
      if (m.type === 'progress') options.onProgress?.(m.progress);
      else if (m.type === 'done') settle(() => resolve(m.result));
      else settle(() => reject(m.cancelled ? new ConvertCancelled() : new Error(m.message)));
    });
    worker.on('error', (err) => settle(() => reject(err)));
    worker.on('exit', (code) => settle(() => reject(new Error(`the converter thread stopped (exit code ${code})`))));
    if (options.signal?.aborted) onAbort();
  });
}
