import type { ErrorCode } from './protocol';

/** An error that knows which protocol code it travels under (host and worker side alike). */
export class InfillError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'InfillError';
  }
}

/** The protocol code for anything thrown: our own errors keep theirs, core errors map by code. */
export function errorCodeOf(err: unknown): ErrorCode {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'cancelled':
    case 'model-missing':
    case 'model-invalid':
    case 'tokenizer-mismatch':
    case 'bad-request':
    case 'hole-too-long':
    case 'runtime':
    case 'not-loaded':
    case 'worker-crashed':
      return code;
    // Core's DiffusionError codes.
    case 'bad-options':
    case 'bad-input':
      return 'bad-request';
    default:
      return 'runtime';
  }
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
