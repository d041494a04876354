// Entry of the integration suite, with @vscode/test-electron's contract: VS Code loads this module in
// the extension host (extensionTestsPath) and awaits run(). The same file serves code-server
// (test/vscode/run-integration.mjs) and Electron VS Code (test/vscode/run-electron.mjs).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as util from 'node:util';
import Mocha from 'mocha';

/** Marks the reporter's lines so the code-server runner can tell them from the workbench's own logs. */
export const SUITE_LINE_PREFIX = '[suite] ';

export interface SuiteCounts {
  passed: number;
  failed: number;
  pending: number;
}

/** Every compiled *.test.js under this folder, in a stable order. */
function testFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...testFiles(full));
    else if (entry.name.endsWith('.test.js')) found.push(full);
  }
  return found.sort();
}

function runMocha(mocha: Mocha): Promise<SuiteCounts> {
  return new Promise((resolve) => {
    const runner = mocha.run(() => {
      const stats = runner.stats;
      // Failures include failing hooks, so a broken before() is never a silent pass.
      resolve({ passed: stats?.passes ?? 0, failed: stats?.failures ?? 0, pending: stats?.pending ?? 0 });
    });
  });
}

/** The launchers read the counts from $DI_INTEGRATION_RESULT, or from this log line. */
function report(counts: SuiteCounts): void {
  console.log(`integration-result ${JSON.stringify(counts)}`);
  const resultFile = process.env.DI_INTEGRATION_RESULT;
  if (resultFile) fs.writeFileSync(resultFile, JSON.stringify(counts));
}

/**
 * code-server forwards the extension host's console without applying printf formats, so the
 * reporter's lines are formatted here, one console.log per line.
 */
function formatReporterOutput(): void {
  Mocha.reporters.Base.consoleLog = (...args: unknown[]) => {
    for (const line of util.format(...args).split('\n')) console.log(SUITE_LINE_PREFIX + line);
  };
}

export async function run(): Promise<void> {
  formatReporterOutput();
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    reporter: 'spec',
    // The machine is shared with a training job: model loads and sampling can be slow.
    timeout: Number(process.env.DI_INTEGRATION_TEST_TIMEOUT_MS ?? 120_000),
    grep: process.env.DI_INTEGRATION_GREP,
  });
  // The untrusted-workspace suite needs its own window (workspace trust on, a planted model path):
  // run-integration.mjs --untrusted selects it; the main run leaves it out.
  const untrusted = path.join(__dirname, 'untrusted');
  const files = testFiles(__dirname).filter((file) => file.startsWith(untrusted + path.sep) === (process.env.DI_INTEGRATION_SUITE === 'untrusted'));
  for (const file of files) mocha.addFile(file);
  let counts: SuiteCounts;
  try {
    await mocha.loadFilesAsync();
    counts = await runMocha(mocha);
  } catch (error) {
    console.log(SUITE_LINE_PREFIX + util.format('integration suite failed to load:', error));
    counts = { passed: 0, failed: 1, pending: 0 };
  }
  if (files.length === 0) counts = { ...counts, failed: counts.failed + 1 };
  report(counts);
  if (counts.failed > 0) throw new Error(`${counts.failed} integration test(s) failed`);
}
