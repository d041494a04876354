/**
 * What the worker thread does with each host message, independent of the thread plumbing:
 * one model at a time, one infill at a time (a new infill cancels the running one), and every
 * failure answered with an `error` message carrying a code.
 */
import { errorCodeOf, InfillError, messageOf } from '../protocol/errors';
import { LoadedModel } from './model';
import type { HostToWorker, InfillMessage, LoadMessage, WorkerToHost } from '../protocol/protocol';
import { runInfill } from './runner';

interface ActiveRun {
  id: number;
  cancelled: boolean;
  finished: Promise<void>;
}

export class WorkerService {
  private model: LoadedModel | undefined;
  /** Loads run one after another; infills wait for the load before them. */
  private loading: Promise<void> = Promise.resolve();
  private active: ActiveRun | undefined;
  private disposed = false;
  private exitRequested = false;

  /**
   * @param exitThread ends the thread at once (process.exit in a worker); only called between
   *   native calls, never while a session is loading or running.
   */
  constructor(
    private readonly post: (message: WorkerToHost) => void,
    private readonly exitThread: () => void,
  ) {}

  /** Ids of requests still in progress (to answer if the thread hits an uncaught error). */
  pendingIds(): number[] {
    return this.active ? [this.active.id] : [];
  }

  handle(message: HostToWorker): Promise<void> {
    switch (message?.type) {
      case 'load':
        return this.load(message);
      case 'infill':
        return this.infill(message);
      case 'cancel':
        if (this.active?.id === message.id) this.active.cancelled = true;
        return Promise.resolve();
      case 'dispose':
        return this.dispose();
      case 'exit':
        return this.exit();
      default: {
        const id = typeof (message as { id?: unknown })?.id === 'number' ? (message as { id: number }).id : -1;
        this.fail(id, new InfillError('bad-request', `unknown message type ${JSON.stringify((message as { type?: unknown })?.type)}`));
        return Promise.resolve();
      }
    }
  }

  fail(id: number, err: unknown): void {
    this.post({
      type: 'error',
      id,
      code: errorCodeOf(err),
      message: messageOf(err),
      ...(err instanceof Error && err.stack ? { stack: err.stack } : {}),
    });
  }

  private load(message: LoadMessage): Promise<void> {
    // Cancel what runs now (not infills sent after this load: they wait for it and use the new model).
    const running = this.active;
    if (running) running.cancelled = true;
    const run = async () => {
      try {
        await running?.finished;
        const old = this.model;
        this.model = undefined;
        await old?.dispose();
        this.model = await LoadedModel.load(message);
        this.post({ type: 'ready', id: message.id, model: this.model.info });
      } catch (err) {
        this.fail(message.id, err);
      }
    };
    this.loading = this.loading.then(run);
    return this.loading;
  }

  private async infill(message: InfillMessage): Promise<void> {
    const previous = this.active;
    if (previous) previous.cancelled = true;
    let finish!: () => void;
    const run: ActiveRun = { id: message.id, cancelled: false, finished: new Promise((resolve) => (finish = resolve)) };
    this.active = run;
    try {
      await previous?.finished;
      await this.loading;
      if (this.exitRequested) this.exitThread();
      if (run.cancelled) throw new InfillError('cancelled', 'cancelled before it started');
      if (!this.model) throw new InfillError('not-loaded', 'no model is loaded; send load first');
      const done = await runInfill(this.model, message.id, message.request, {
        isCancelled: () => {
          if (this.exitRequested) this.exitThread(); // before the model call, so no native run is in flight
          return run.cancelled || this.disposed;
        },
        postFrame: (frame) => this.post(frame),
        exitThread: this.exitThread,
      });
      this.post(done);
    } catch (err) {
      this.fail(message.id, err);
    } finally {
      if (this.active === run) this.active = undefined;
      finish();
    }
  }

  private async exit(): Promise<void> {
    this.exitRequested = true;
    await this.loading; // a session being created is native work too
    // A running infill exits from its next cancellation check (before its next model call).
    if (!this.active) this.exitThread();
  }

  private async dispose(): Promise<void> {
    this.disposed = true;
    if (this.active) this.active.cancelled = true;
    await this.active?.finished;
    await this.loading;
    const model = this.model;
    this.model = undefined;
    await model?.dispose();
  }
}
