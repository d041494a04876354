/**
 * The one message the user sees when a run fails: what happened, that the document was not
 * touched, and what to do next. Pure (no `vscode`), keyed on the worker's error code.
 */

export function failureMessage(error: Error & { code?: string }): string {
  const reason = error.message.trim().replace(/[.\s]+$/, '');
  switch (error.code) {
    case 'worker-crashed':
      return `The model worker stopped (${reason}). Nothing was written; the next request restarts it.`;
    case 'runtime':
      return `The model failed while sampling: ${reason}. Nothing was written; try again (the log has details).`;
    case 'bad-request':
      return `${reason}. Nothing was written.`;
    case 'hole-too-long':
      return `${reason}. Nothing was written; select less text or ask for fewer tokens.`;
    default:
      return error.message;
  }
}

/** Failures that are the user's input or setup, not a bug: the log gets their message, no stack. */
const EXPECTED_CODES = new Set(['cancelled', 'model-missing', 'model-invalid', 'tokenizer-mismatch', 'bad-request', 'hole-too-long', 'not-loaded']);

/** What the log records for a failure: the message for an expected one, the stack for anything else. */
export function logText(error: Error & { code?: string }): string {
  const expected = EXPECTED_CODES.has(error.code ?? '') || error.name === 'UserFacingError';
  return expected ? error.message : (error.stack ?? error.message);
}
