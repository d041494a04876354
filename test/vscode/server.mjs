// Starts code-server (a real VS Code 1.100.3 server) on a free loopback port for one test run, in a
// throwaway folder under .vscode-test/runs/, and kills its whole process tree at the end.
// Nothing it starts may reach the internet: telemetry, update checks and the gallery are off or
// pointed at a closed loopback port.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const toolsDir = path.join(repoRoot, '.vscode-test');
const codeServerEntry = path.join(toolsDir, 'code-server/node_modules/code-server/out/node/entry.js');
const runsDir = path.join(toolsDir, 'runs');
const KEEP_RUNS = 4; // older run folders are deleted so repeated runs do not fill the disk

export function codeServerInstalled() {
  return fs.existsSync(codeServerEntry);
}

/** A fresh folder for one run: user data, extensions, XDG dirs, TMPDIR, browser profile. */
export function makeRunDir(label) {
  fs.mkdirSync(runsDir, { recursive: true });
  // Names end with the runner's pid: a folder whose runner still lives (a parallel run) is kept.
  const old = fs.readdirSync(runsDir).sort();
  for (const name of old.slice(0, Math.max(0, old.length - KEEP_RUNS + 1))) {
    const owner = Number(name.split('-').pop());
    if (owner !== process.pid && alive(owner)) continue;
    removeRunDir(path.join(runsDir, name));
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const dir = path.join(runsDir, `${stamp}-${label}-${process.pid}`);
  for (const sub of ['home', 'data/User', 'ext', 'tmp', 'xdg/config', 'xdg/data', 'xdg/cache', 'xdg/state', 'browser']) {
    fs.mkdirSync(path.join(dir, sub), { recursive: true });
  }
  // VS Code puts its IPC sockets in XDG_RUNTIME_DIR, and a socket path must stay under 108 bytes:
  // the runtime dir is a short folder in /tmp, linked from the run folder and removed with it.
  const runtime = fs.mkdtempSync(path.join(fs.existsSync('/tmp') ? '/tmp' : os.tmpdir(), 'di-vsc-'));
  fs.chmodSync(runtime, 0o700);
  fs.symlinkSync(runtime, path.join(dir, 'xdg/runtime'));
  return dir;
}

function runtimeDir(runDir) {
  return fs.readlinkSync(path.join(runDir, 'xdg/runtime'));
}

/** Deletes a run folder and the short runtime folder it links to. */
export function removeRunDir(dir) {
  try {
    fs.rmSync(runtimeDir(dir), { recursive: true, force: true });
  } catch {
    // no runtime link
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A small workspace folder with a few files, for tests to open. */
export function makeWorkspace(runDir) {
  const ws = path.join(runDir, 'workspace');
  fs.mkdirSync(ws, { recursive: true });
  fs.writeFileSync(path.join(ws, 'notes.md'), '# Notes\n\nThe quick brown fox jumps over the lazy dog.\n');
  fs.writeFileSync(path.join(ws, 'story.txt'), 'Once upon a time, there was a small village by the sea.\n');
  fs.writeFileSync(path.join(ws, 'fib.py'), 'def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n');
  return ws;
}

/**
 * What a hostile repository would ship: a working model folder of its own (a copy of the embedded
 * one, so loading it would succeed and show) and workspace settings that point the extension at it
 * and at the CUDA provider (and one unrestricted setting, to show the file is read).
 * test/integration/untrusted/ checks neither restricted value is used.
 */
export function plantModelSettings(workspace) {
  const planted = path.join(workspace, '.models', 'planted');
  fs.cpSync(path.join(repoRoot, 'models', 'mdlm-code-small'), planted, { recursive: true });
  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  fs.writeFileSync(
    path.join(workspace, '.vscode', 'settings.json'),
    JSON.stringify({ 'diffusionInfill.modelPath': planted, 'diffusionInfill.executionProvider': 'cuda', 'diffusionInfill.candidates': 2 }, null, 2),
  );
}

/** User settings that turn workspace trust on without asking: a folder nobody trusted opens restricted. */
export const RESTRICTED_MODE_SETTINGS = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
};

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Environment for code-server and everything it starts: confined to the run folder. */
function runEnv(runDir, extraEnv) {
  const closed = 'http://127.0.0.1:9'; // discard port: connections are refused at once
  return {
    ...process.env,
    HOME: path.join(runDir, 'home'),
    TMPDIR: path.join(runDir, 'tmp'),
    XDG_CONFIG_HOME: path.join(runDir, 'xdg/config'),
    XDG_DATA_HOME: path.join(runDir, 'xdg/data'),
    XDG_CACHE_HOME: path.join(runDir, 'xdg/cache'),
    XDG_STATE_HOME: path.join(runDir, 'xdg/state'),
    XDG_RUNTIME_DIR: runtimeDir(runDir),
    EXTENSIONS_GALLERY: JSON.stringify({
      serviceUrl: `${closed}/gallery`,
      itemUrl: `${closed}/item`,
      resourceUrlTemplate: `${closed}/{publisher}/{name}/{version}/{path}`,
    }),
    VSCODE_PROXY_URI: '',
    ...extraEnv,
  };
}

function writeSettings(runDir, settings) {
  const all = {
    'telemetry.telemetryLevel': 'off',
    'workbench.startupEditor': 'none',
    'workbench.enableExperiments': false,
    'workbench.tips.enabled': false,
    'update.mode': 'none',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'extensions.ignoreRecommendations': true,
    'security.workspace.trust.enabled': false,
    'git.enabled': false,
    'npm.autoDetect': 'off',
    // UI tests read editor text from the DOM: drawn whitespace (·) would mix into it.
    'editor.renderWhitespace': 'none',
    'editor.minimap.enabled': false,
    // The suites were written for holes of the selection's exact token count; the model-picks-the-
    // length default has its own tests (test/core, test/worker, the CLI).
    'diffusionInfill.length.exactSelection': true,
    ...settings,
  };
  fs.writeFileSync(path.join(runDir, 'data/User/settings.json'), JSON.stringify(all, null, 2));
}

function commonArgs(runDir) {
  return ['--user-data-dir', path.join(runDir, 'data'), '--extensions-dir', path.join(runDir, 'ext')];
}

function codeServerCli(runDir, args) {
  const result = spawnSync(process.execPath, [codeServerEntry, ...commonArgs(runDir), ...args], {
    env: runEnv(runDir, {}),
    encoding: 'utf8',
    timeout: 180_000,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0) throw new Error(`code-server ${args.join(' ')} failed (${result.status ?? result.signal}):\n${output}`);
  return output.trim();
}

/**
 * `code-server --install-extension FILE.vsix` into this run's extensions folder, as a user would.
 * @returns the installed extensions as `publisher.name@version` lines
 */
export function installExtension(runDir, vsixPath) {
  codeServerCli(runDir, ['--install-extension', vsixPath]);
  return codeServerCli(runDir, ['--list-extensions', '--show-versions']);
}

/** All live descendants of pid (code-server forks extension hosts and file watchers). */
function descendants(pid) {
  const children = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  const found = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of children.get(queue.shift()) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function alive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killTree(pid, signal) {
  const pids = [pid, ...descendants(pid)];
  try {
    process.kill(-pid, signal); // the whole process group (started detached: it leads its group)
  } catch {
    // group already gone
  }
  for (const p of pids) {
    try {
      process.kill(p, signal);
    } catch {
      // already gone
    }
  }
  return pids;
}

/**
 * Starts code-server and waits for /healthz.
 * @returns {{ port, baseUrl, runDir, logFile, stop(): Promise<void> }}
 */
export async function startServer({ runDir, folder, settings = {}, env = {}, startTimeoutMs = 90_000, workspaceTrust = false }) {
  if (!codeServerInstalled()) throw new Error('code-server is not installed: run bash test/vscode/install.sh');
  writeSettings(runDir, { ...(workspaceTrust ? RESTRICTED_MODE_SETTINGS : {}), ...settings });
  const configFile = path.join(runDir, 'config.yaml');
  fs.writeFileSync(configFile, 'auth: none\ncert: false\n');
  const port = await freePort();
  const logFile = path.join(runDir, 'code-server.log');
  const logFd = fs.openSync(logFile, 'a');
  const args = [
    codeServerEntry,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    ...(workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--config', configFile,
    ...commonArgs(runDir),
    ...(folder ? [folder] : []),
  ];
  // detached = setsid: code-server leads a new process group that stop() kills as a whole.
  const child = spawn(process.execPath, args, { cwd: runDir, env: runEnv(runDir, env), detached: true, stdio: ['ignore', logFd, logFd] });
  fs.closeSync(logFd);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });

  let stopped = false;
  const killNow = () => {
    if (stopped) return;
    killTree(child.pid, 'SIGKILL');
    fs.rmSync(runtimeDir(runDir), { recursive: true, force: true });
  };
  // Last resort if the runner ends without calling stop(): on exit, or when CI interrupts it.
  const onSignal = (signal) => {
    killNow();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('exit', killNow);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const stop = async () => {
    if (stopped) return;
    const pids = killTree(child.pid, 'SIGTERM');
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && pids.some(alive)) await sleep(100);
    for (const p of pids.filter(alive)) killTree(p, 'SIGKILL');
    stopped = true;
    process.off('exit', killNow);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    fs.rmSync(runtimeDir(runDir), { recursive: true, force: true });
  };

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`code-server exited at start (${JSON.stringify(exited)}):\n${tail(logFile)}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer /healthz within ${startTimeoutMs} ms:\n${tail(logFile)}`);
    }
    try {
      const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  return { port, baseUrl, runDir, logFile, stop, pid: child.pid };
}

export function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
