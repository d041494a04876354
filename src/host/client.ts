/**
 * The host side of the worker (used by the CLI and the VS Code extension; no vscode import).
 * Requests get ids; replies settle them. A worker that dies rejects everything pending with
 * 'worker-crashed', is reported through `onDidCrash`, and the next request starts a fresh worker
 * that first reloads the last model.
 */
import { Worker } from 'node:worker_threads';
import { InfillError } from '../protocol/errors';
import type { DoneMessage, FrameMessage, HostToWorker, InfillRequest, LoadSettings, ModelInfo, WorkerToHost } from '../protocol/protocol';

/** How long dispose() waits for the worker to exit by itself. */
const DISPOSE_TIMEOUT_MS = 30_000;

export interface WorkerClientOptions {
  /** The worker died (crash, or terminateWorker()); pending requests were already rejected. */
  onDidCrash?: (error: InfillError) => void;
  /** An error the worker reported outside any request (id -1). */
  onStrayError?: (error: InfillError) => void;
}

interface Pending {
  resolve(value: WorkerToHost): void;
  reject(error: InfillError): void;
  onFrame?: (frame: FrameMessage) => void;
}

export interface InfillHandle {
  id: number;
  /** Resolves with `done`; rejects with an InfillError whose `code` is the protocol ErrorCode. */
  result: Promise<DoneMessage>;
}

export class WorkerClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private lastLoad: LoadSettings | undefined;
  private disposed = false;
  /** Why the automatic reload in a restarted worker failed, if it did. */
  private reloadError: InfillError | undefined;
  private threadsAlive = 0;

  constructor(
    private readonly workerScriptPath: string,
    private readonly options: WorkerClientOptions = {},
  ) {}

  /** Loads (or replaces) the model; remembered so a restarted worker reloads it. */
  load(settings: LoadSettings): Promise<ModelInfo> {
    this.lastLoad = { ...settings };
    this.reloadError = undefined;
    return this.request({ type: 'load', id: this.nextId++, ...settings }, undefined, false).then((m) => (m as { model: ModelInfo }).model);
  }

  infill(request: InfillRequest, onFrame?: (frame: FrameMessage) => void): InfillHandle {
    const id = this.nextId++;
    const result = this.request({ type: 'infill', id, request }, onFrame, true) as Promise<DoneMessage>;
    return { id, result };
  }

  /** Asks the worker to stop request `id` before its next model call; its promise rejects with 'cancelled'. */
  cancel(id: number): void {
    if (this.pending.has(id)) this.worker?.postMessage({ type: 'cancel', id } satisfies HostToWorker);
  }

  /**
   * Ends the worker thread as a crash would: pending requests reject with 'worker-crashed',
   * `onDidCrash` fires, and the next request starts a fresh worker. The thread exits itself before
   * its next model call rather than being terminated: `Worker.terminate()` while onnxruntime-node
   * is inside session.run aborts the whole process.
   */
  async terminateWorker(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'exit', id: this.nextId++ } satisfies HostToWorker);
    await exited;
  }

  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Worker threads started by this client that have not exited yet (more than 1 is an orphan). */
  get liveThreads(): number {
    return this.threadsAlive;
  }

  /** Requests still waiting for their answer (for leak checks). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Releases the model and ends the worker; pending requests are rejected with 'cancelled'. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.rejectAll(new InfillError('cancelled', 'the worker client was disposed'));
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'dispose', id: this.nextId++ } satisfies HostToWorker);
    // The worker cancels its run before the next model call, releases the session and exits. Only
    // a worker stuck far longer than any model call is terminated (which, mid-run, would take the
    // process down with it: onnxruntime-node cannot be interrupted inside session.run).
    const timer = setTimeout(() => void worker.terminate(), DISPOSE_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  private request(message: HostToWorker, onFrame: ((frame: FrameMessage) => void) | undefined, reloadIfFresh: boolean): Promise<WorkerToHost> {
    if (this.disposed) return Promise.reject(new InfillError('not-loaded', 'the worker client was disposed'));
    const fresh = this.worker === undefined;
    const worker = this.ensureWorker();
    if (fresh && reloadIfFresh && this.lastLoad) {
      // The worker restarted (first use or after a crash): reload the last model before this request.
      const reloadId = this.nextId++;
      this.reloadError = undefined;
      this.pending.set(reloadId, { resolve: () => undefined, reject: (err) => (this.reloadError = err) });
      worker.postMessage({ type: 'load', id: reloadId, ...this.lastLoad } satisfies HostToWorker);
    }
    return new Promise<WorkerToHost>((resolve, reject) => {
      this.pending.set(message.id, { resolve, reject, onFrame });
      worker.postMessage(message);
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerScriptPath);
    this.threadsAlive++;
    worker.once('exit', () => this.threadsAlive--);
    let crashError: Error | undefined;
    worker.on('message', (message: WorkerToHost) => this.onMessage(message));
    worker.on('error', (err) => (crashError = err));
    worker.on('exit', (code) => {
      if (this.worker !== worker) return; // disposed or already replaced
      this.worker = undefined;
      const why = crashError ? `: ${crashError.message}` : '';
      const error = new InfillError('worker-crashed', `the model worker exited (code ${code})${why}`);
      this.rejectAll(error);
      this.options.onDidCrash?.(error);
    });
    this.worker = worker;
    return worker;
  }

  private onMessage(message: WorkerToHost): void {
    const pending = this.pending.get(message.id);
    if (message.type === 'frame') {
      pending?.onFrame?.(message);
      return;
    }
    if (message.type === 'error') {
      // After a failed automatic reload, say why there is no model rather than just 'not-loaded'.
      let error = message.code === 'not-loaded' ? this.reloadError : undefined;
      if (!error) {
        error = new InfillError(message.code, message.message);
        if (message.stack) error.stack = message.stack; // the worker's stack says where it failed
      }
      if (pending) {
        this.pending.delete(message.id);
        pending.reject(error);
      } else {
        this.options.onStrayError?.(error);
      }
      return;
    }
    if (pending) {
      this.pending.delete(message.id);
      pending.resolve(message);
    }
  }

  private rejectAll(error: InfillError): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(error);
  }
}
