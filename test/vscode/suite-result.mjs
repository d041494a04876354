// The integration suite (test/integration/index.ts) reports mocha's counts two ways: a JSON file at
// $DI_INTEGRATION_RESULT, and a log line `integration-result {...}`. Both launchers read them here
// and print the one closing line CI reads.
import fs from 'node:fs';

const RESULT_LINE = /integration-result (\{[^}]*\})/;

/** Counts from the result file, else from a logged result line, else undefined. */
export function readResult(resultFile, loggedText = '') {
  try {
    return JSON.parse(fs.readFileSync(resultFile, 'utf8'));
  } catch {
    const match = loggedText.match(RESULT_LINE);
    return match ? JSON.parse(match[1]) : undefined;
  }
}

/**
 * Prints `integration: N passed, N failed` and returns the process exit code. A run that ended
 * badly (non-zero exit, timeout, no counts) is never reported as clean: it adds one failure.
 */
export function finish(counts, { exitCode, problem }) {
  const passed = counts?.passed ?? 0;
  let failed = counts?.failed ?? 0;
  if (!counts) console.log('[integration] the suite reported no counts');
  if (problem) console.log(`[integration] ${problem}`);
  if ((exitCode !== 0 || problem || !counts) && failed === 0) failed = 1;
  console.log(`integration: ${passed} passed, ${failed} failed`);
  return failed === 0 && exitCode === 0 ? 0 : 1;
}
