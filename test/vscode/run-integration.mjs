// Runs the mocha suite (out/test/integration/index.js) inside a real VS Code extension host.
//   node test/vscode/run-integration.mjs [--workspace DIR] [--timeout-ms N] [--untrusted]
// --untrusted: workspace trust on, a workspace that is not trusted and whose .vscode/settings.json
//   points the model path and provider elsewhere; runs only test/integration/untrusted/.
// --os mac|windows: the workbench runs as on that OS (that browser's user agent: its keybindings,
//   Cmd for Ctrl on macOS); runs only the keybinding tests (test/integration/keybindings.test.ts).
// DI_VSCODE=code-server (default when installed by install.sh): code-server + headless Chromium,
//   the suite passed through the workbench URL payload (code-server refuses --extensionTestsPath).
// DI_VSCODE=electron: @vscode/test-electron downloads VS Code (where the internet is reachable).
// DI_INTEGRATION_TIMEOUT_MS bounds the whole run (default 15 min). Ends with the line
// `integration: N passed, N failed`; exits non-zero on any failure or timeout.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { launchBrowser, USER_AGENTS } from './browser.mjs';
import { ensureBuilt } from './suite-build.mjs';
import { finish, readResult } from './suite-result.mjs';
import { codeServerInstalled, makeRunDir, makeWorkspace, plantModelSettings, repoRoot, sleep, startServer, tail } from './server.mjs';

/** Same marker as test/integration/index.ts puts on the reporter's lines. */
const SUITE_LINE_PREFIX = '[suite] ';

const { values: options } = parseArgs({
  options: {
    workspace: { type: 'string' },
    'timeout-ms': { type: 'string' },
    untrusted: { type: 'boolean', default: false },
    os: { type: 'string' },
  },
});
const timeoutMs = Number(options['timeout-ms'] ?? process.env.DI_INTEGRATION_TIMEOUT_MS ?? 15 * 60_000);
const mode = process.env.DI_VSCODE ?? (codeServerInstalled() ? 'code-server' : 'electron');
const deadline = Date.now() + timeoutMs;

if (mode === 'electron') {
  const args = [path.join(repoRoot, 'test/vscode/run-electron.mjs'), ...process.argv.slice(2)];
  const child = spawn(process.execPath, args, { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 1));
} else if (mode === 'code-server') {
  // Backstop for a hang outside the bounded steps: the exit hook in server.mjs kills code-server.
  const watchdog = setTimeout(() => {
    console.log(`[integration] watchdog: still running ${timeoutMs / 1000 + 60} s after start`);
    console.log('integration: 0 passed, 1 failed');
    process.exit(1);
  }, timeoutMs + 60_000);
  process.exitCode = await runInCodeServer();
  clearTimeout(watchdog);
} else {
  console.log(`[integration] unknown DI_VSCODE=${mode} (use code-server or electron)`);
  process.exitCode = finish(undefined, { exitCode: 1, problem: 'bad DI_VSCODE' });
}

async function runInCodeServer() {
  const started = Date.now();
  if (!codeServerInstalled()) {
    return finish(undefined, { exitCode: 1, problem: 'code-server missing: run bash test/vscode/install.sh' });
  }
  ensureBuilt();
  if (options.os && !USER_AGENTS[options.os]) return finish(undefined, { exitCode: 1, problem: `--os ${options.os}: use ${Object.keys(USER_AGENTS).join(' or ')}` });
  const runDir = makeRunDir(options.untrusted ? 'integration-untrusted' : options.os ? `integration-${options.os}` : 'integration');
  const workspace = path.resolve(options.workspace ?? makeWorkspace(runDir));
  if (options.untrusted) plantModelSettings(workspace);
  const resultFile = path.join(runDir, 'integration-result.json');
  console.log(`[integration] code-server, run folder ${path.relative(repoRoot, runDir)}, workspace ${workspace}`);

  let logged = '';
  let server;
  let browser;
  let timer;
  let hostWatch;
  let hostExitSeen = false;
  let hostExitTimer;
  let closeLog = async () => {};
  try {
    // The extension host inherits the server's environment: that is how the suite finds resultFile.
    server = await startServer({
      runDir,
      folder: workspace,
      env: {
        DI_INTEGRATION_RESULT: resultFile,
        ...(options.untrusted ? { DI_INTEGRATION_SUITE: 'untrusted' } : {}),
        ...(options.os ? { DI_INTEGRATION_GREP: 'keybindings' } : {}),
      },
      workspaceTrust: options.untrusted,
    });
    browser = await launchBrowser(runDir, { userAgent: USER_AGENTS[options.os] });
    const { page } = browser;

    let onExit;
    const exited = new Promise((resolve) => (onExit = resolve));
    // Hooks the workbench calls (the ones @vscode/test-web uses); exposed before the page loads.
    await page.exposeFunction('codeAutomationExit', (code) => onExit({ code: Number(code) }));
    // Every workbench log line goes to workbench.log; the suite's own lines (marked) to stdout.
    const workbenchLog = fs.createWriteStream(path.join(runDir, 'workbench.log'));
    closeLog = () => new Promise((resolve) => workbenchLog.end(resolve));
    await page.exposeFunction('codeAutomationLog', (level, message) => {
      const text = String(message);
      workbenchLog.write(`[${level}] ${text}\n`);
      if (text.startsWith(SUITE_LINE_PREFIX)) {
        const line = text.slice(SUITE_LINE_PREFIX.length);
        logged += `${line}\n`;
        console.log(line);
      }
    });
    page.on('crash', () => onExit({ problem: 'the browser page crashed' }));
    const timedOut = new Promise((resolve) => {
      timer = setTimeout(() => resolve({ problem: `timed out after ${timeoutMs} ms` }), Math.max(0, deadline - Date.now()));
    });
    // A crashed extension host (a native addon can take it down) never calls codeAutomationExit:
    // notice its exit in the server log instead of waiting for the overall timeout.
    hostWatch = setInterval(() => {
      const exit = fs.readFileSync(server.logFile, 'utf8').match(/Extension Host Process exited with code: (\S+), signal: (\S+)\./);
      if (exit && !hostExitSeen) {
        hostExitSeen = true;
        hostExitTimer = setTimeout(() => onExit({ problem: `the extension host exited (code ${exit[1]}, signal ${exit[2]}) before the suite reported` }), 10_000);
      }
    }, 1_000);

    const authority = `127.0.0.1:${server.port}`;
    const payload = [
      ['extensionDevelopmentPath', `vscode-remote://${authority}${repoRoot}`],
      ['extensionTestsPath', `vscode-remote://${authority}${path.join(repoRoot, 'out/test/integration/index.js')}`],
    ];
    const url = `${server.baseUrl}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await page.goto(url, { timeout: 120_000 });

    const outcome = await Promise.race([exited, timedOut]);
    await sleep(500); // let the last forwarded log lines arrive
    const counts = readResult(resultFile, logged);
    console.log(`[integration] finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (outcome.problem || outcome.code !== 0) {
      console.log(`[integration] workbench.log tail:\n${tail(path.join(runDir, 'workbench.log'), 20)}`);
      console.log(`[integration] code-server log tail:\n${tail(server.logFile, 20)}`);
    }
    return finish(counts, { exitCode: outcome.code ?? 1, problem: outcome.problem });
  } catch (error) {
    if (server) console.log(`[integration] code-server log tail:\n${tail(server.logFile, 20)}`);
    return finish(readResult(resultFile, logged), { exitCode: 1, problem: `harness error: ${error?.stack ?? error}` });
  } finally {
    clearTimeout(timer);
    clearInterval(hostWatch);
    clearTimeout(hostExitTimer);
    await closeLog();
    await browser?.close();
    await server?.stop();
  }
}

