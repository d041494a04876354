/**
 * Test-only fault injection, so the integration tests can make the real model fail mid-run the way
 * ONNX Runtime would. Off unless DIFFUSION_INFILL_TEST_FAULT is set in the worker's environment
 * (a worker copies its host's environment when it starts; only the test host sets it, then restarts
 * the worker). Without the variable the denoiser is returned as is: nothing on the production path.
 *
 *   throw@N     the Nth model call of a run throws, as session.run does on a failed kernel
 *   oom@N       the Nth model call throws ONNX Runtime's allocation failure
 *   exit@N      the thread ends right before the Nth model call (a crashed worker)
 *   uncaught@N  an exception escapes the thread's event loop at the Nth call (nobody catches it)
 *
 * Each fires once per worker thread, on the first run that reaches the Nth call.
 */
import type { Denoiser } from '../core/types';

export const FAULT_ENV = 'DIFFUSION_INFILL_TEST_FAULT';

export interface Fault {
  kind: 'throw' | 'oom' | 'exit' | 'uncaught';
  atCall: number;
}

export function parseFault(spec: string | undefined): Fault | undefined {
  const m = /^(throw|oom|exit|uncaught)@(\d+)$/.exec(spec?.trim() ?? '');
  return m ? { kind: m[1] as Fault['kind'], atCall: Math.max(1, Number(m[2])) } : undefined;
}

/** A fault fires once per worker thread: the next request shows whether the worker survived it. */
let fired = false;

/** The denoiser, or (only with the variable set) one that fails at the configured call of this run. */
export function withInjectedFault(denoiser: Denoiser, exitThread: () => void, spec = process.env[FAULT_ENV]): Denoiser {
  const fault = parseFault(spec);
  if (!fault || fired) return denoiser;
  let calls = 0;
  return {
    vocabSize: denoiser.vocabSize,
    drawableVocabSize: denoiser.drawableVocabSize,
    maskId: denoiser.maskId,
    usesTime: denoiser.usesTime,
    forward(ids, batch, length, t) {
      calls++;
      if (calls === fault.atCall && !fired) {
        fired = true;
        switch (fault.kind) {
          case 'throw':
            return Promise.reject(new Error('[test fault] Non-zero status code returned while running MatMul node. Name:\'/layers.0/MatMul\''));
          case 'oom':
            return Promise.reject(new Error('[test fault] Failed to allocate memory for requested buffer of size 1073741824'));
          case 'exit':
            exitThread();
            break;
          case 'uncaught':
            setImmediate(() => {
              throw new Error('[test fault] uncaught exception in the worker thread');
            });
            break;
        }
      }
      return denoiser.forward(ids, batch, length, t);
    },
  };
}
