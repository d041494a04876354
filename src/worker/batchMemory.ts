/**
 * The batch-memory limit: one model call's logits ([samples, rows, vocab] float32) must fit
 * MAX_LOGITS_BYTES. The rows are what the graph returns: the hole positions when it gathers before
 * its head (Denoiser.forwardAt), the whole window otherwise; then the context is cropped to fit
 * rather than the request refused. A refusal names what would fit.
 */
import type { SpanPlan } from '../core/span';
import { InfillError } from '../protocol/errors';

/**
 * Most bytes of logits one model call may return. The process peaks at about five times this
 * (64 samples x 512 tokens x 8192 vocab = 1 GiB of logits took 5.3 GB RSS), and the worker shares
 * its process with the editor: past this, refuse with a message rather than let the extension host
 * be killed for memory.
 */
export const MAX_LOGITS_BYTES = 256 * 1024 * 1024;

/** Bytes of one row of logits: float32 over the vocabulary. */
export const logitRowBytes = (vocab: number) => vocab * Float32Array.BYTES_PER_ELEMENT;

const mib = (n: number) => `${Math.round(n / (1024 * 1024))} MiB`;

export interface BatchShape {
  /** The model's window (tokens, sequence specials included). */
  window: number;
  /** Tokens of the window that are sequence specials around the plan (never cropped). */
  reserved: number;
  samples: number;
  vocab: number;
  /** Whether the graph returns only the hole positions' rows (forwardAt). */
  gathers: boolean;
}

/** `plan(window)` at the full window, or with its context cropped to a window whose logits fit. */
export function planWithinMemory(plan: (window: number) => SpanPlan, shape: BatchShape, limit = MAX_LOGITS_BYTES): SpanPlan {
  const { window, reserved, samples, vocab, gathers } = shape;
  const rowBytes = logitRowBytes(vocab);
  const full = plan(window);
  const holeTokens = full.holes.reduce((n, h) => n + h.length, 0);
  if (samples * (gathers ? holeTokens : full.ids.length) * rowBytes <= limit) return full;
  const first = full.holes[0];
  const last = full.holes[full.holes.length - 1];
  // The fewest rows this request can return: its holes, or the window cropped to the holes' span.
  const minRows = gathers ? holeTokens : last.start + last.length - first.start + reserved;
  const fitRows = Math.floor(limit / (samples * rowBytes));
  if (!gathers && fitRows >= minRows) return plan(fitRows);
  const fits = Math.floor(limit / (minRows * rowBytes));
  const what = gathers ? `${holeTokens} hole tokens` : `${minRows} tokens (the holes and the text between them)`;
  const advice =
    fits >= 1
      ? `Ask for at most ${fits} samples at this length.`
      : gathers
        ? `Even one sample is too many: make the holes at most ${Math.floor(limit / rowBytes)} tokens in all.`
        : `Even one sample is too many: make the holes and the text between them at most ${Math.floor(limit / rowBytes) - reserved} tokens.`;
  throw new InfillError(
    'bad-request',
    `${samples} sample${samples === 1 ? '' : 's'} of ${what} need ${mib(samples * minRows * rowBytes)} for the model's output alone (vocabulary ${vocab}); the limit is ${mib(limit)} so the editor is not run out of memory. ${advice}`,
  );
}
