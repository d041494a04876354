/** Typed failures of the engine, so callers can branch on `code` instead of parsing messages. */

export type DiffusionErrorCode = 'bad-options' | 'hole-too-long' | 'bad-input';

export class DiffusionError extends Error {
  readonly code: DiffusionErrorCode;
  constructor(code: DiffusionErrorCode, message: string) {
    super(message);
    this.name = 'DiffusionError';
    this.code = code;
  }
}

/** Thrown by `sample` when `control.isCancelled()` turns true before a model call. */
export class CancelledError extends Error {
  readonly code = 'cancelled' as const;
  constructor(message = 'Sampling was cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}
