/**
 * The worker thread's entry (bundled to dist/worker.js). Owns the model; talks to the host only
 * through the protocol in protocol.ts. Nothing thrown here is lost: it becomes an `error` message.
 */
import { isMainThread, parentPort } from 'node:worker_threads';
import type { HostToWorker } from '../protocol/protocol';
import { WorkerService } from './service';

if (isMainThread || !parentPort) throw new Error('dist/worker.js runs only as a worker thread');
const port = parentPort;
const service = new WorkerService(
  (message) => port.postMessage(message),
  () => process.exit(1), // ends this thread only; the host sees an abnormal exit, as for a crash
);

// An error no request caught still answers every request in flight (id -1 when there is none).
const reportUncaught = (err: unknown) => {
  const ids = service.pendingIds();
  for (const id of ids.length > 0 ? ids : [-1]) service.fail(id, err);
};
process.on('uncaughtException', reportUncaught);
process.on('unhandledRejection', reportUncaught);

port.on('message', (message: HostToWorker) => {
  service.handle(message).then(
    () => {
      if (message?.type === 'dispose') process.exit(0); // ends this thread only
    },
    (err) => service.fail(typeof message?.id === 'number' ? message.id : -1, err),
  );
});
