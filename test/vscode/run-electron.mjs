// The same integration suite in desktop (Electron) VS Code via @vscode/test-electron, for machines
// that can download VS Code (this one cannot: use code-server, the default of run-integration.mjs).
//   DI_VSCODE=electron node test/vscode/run-integration.mjs [--workspace DIR] [--timeout-ms N] [--untrusted]
// DI_VSCODE_VERSION picks the VS Code build (default: stable). Headless Linux needs a display:
// run it under `xvfb-run -a`.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runTests } from '@vscode/test-electron';
import { ensureBuilt } from './suite-build.mjs';
import { finish, readResult } from './suite-result.mjs';
import { makeRunDir, makeWorkspace, plantModelSettings, repoRoot, RESTRICTED_MODE_SETTINGS } from './server.mjs';

const { values: options } = parseArgs({
  options: {
    workspace: { type: 'string' },
    'timeout-ms': { type: 'string' },
    untrusted: { type: 'boolean', default: false },
  },
});
const timeoutMs = Number(options['timeout-ms'] ?? process.env.DI_INTEGRATION_TIMEOUT_MS ?? 15 * 60_000);
const SUITE_LINE_PREFIX = '[suite] '; // set by test/integration/index.ts; stripped from the output

ensureBuilt();
const runDir = makeRunDir('electron');
const workspace = path.resolve(options.workspace ?? makeWorkspace(runDir));
const resultFile = path.join(runDir, 'integration-result.json');
if (options.untrusted) {
  plantModelSettings(workspace);
  fs.mkdirSync(path.join(runDir, 'data', 'User'), { recursive: true });
  fs.writeFileSync(path.join(runDir, 'data', 'User', 'settings.json'), JSON.stringify(RESTRICTED_MODE_SETTINGS, null, 2));
}
console.log(`[integration] Electron VS Code ${process.env.DI_VSCODE_VERSION ?? 'stable'}, workspace ${workspace}`);

// VS Code's stdout is piped to ours: drop the suite's line marker so mocha's output reads plainly.
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => write(String(chunk).split(SUITE_LINE_PREFIX).join(''), ...rest);

let timer;
const timedOut = new Promise((resolve) => {
  timer = setTimeout(() => resolve({ problem: `timed out after ${timeoutMs} ms` }), timeoutMs);
});
const ran = runTests({
  version: process.env.DI_VSCODE_VERSION ?? 'stable',
  cachePath: path.join(repoRoot, '.vscode-test'),
  extensionDevelopmentPath: repoRoot,
  extensionTestsPath: path.join(repoRoot, 'out/test/integration/index.js'),
  extensionTestsEnv: { DI_INTEGRATION_RESULT: resultFile, ...(options.untrusted ? { DI_INTEGRATION_SUITE: 'untrusted' } : {}) },
  launchArgs: [
    workspace,
    '--disable-extensions', // only the extension under development
    ...(options.untrusted ? [] : ['--disable-workspace-trust']),
    '--disable-gpu',
    '--skip-welcome',
    `--user-data-dir=${path.join(runDir, 'data')}`,
    `--extensions-dir=${path.join(runDir, 'ext')}`,
  ],
}).then(
  (code) => ({ code }),
  (error) => ({ code: 1, problem: `VS Code run failed: ${error?.message ?? error}` }),
);

const outcome = await Promise.race([ran, timedOut]);
clearTimeout(timer);
process.stdout.write = write;
const exitCode = finish(readResult(resultFile), { exitCode: outcome.code ?? 1, problem: outcome.problem });
// On timeout VS Code may still run: exit now rather than wait on it (test-electron owns that child).
process.exit(exitCode);
