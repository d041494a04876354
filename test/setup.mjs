// What `npm test` installs before it runs anything, idempotently (about a second when all is there):
//   - Debian's PyTorch, onnx and OpenBLAS for the training, exporter and positions-head tests;
//   - the project's npm packages (npm ci when node_modules differs from package-lock.json), and
//     training/byo's (GPT-2's vocabulary files for the bring-your-own-model tests);
//   - a real VS Code (code-server) and headless Chromium: test/vscode/install.sh.
// Uses only Node's built-ins: it runs on a fresh clone before `npm ci`.
// Returns the steps that could not be done, each with its reason, so run.mjs reports the suites
// that need them instead of leaving them out.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const APT_PACKAGES = ['python3-torch', 'python3-onnx', 'libopenblas0-pthread'];

const sh = (command, args, options = {}) => spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });

function missingAptPackages(packages) {
  const result = sh('dpkg-query', ['-W', '-f=${Package} ${Status}\n', ...packages]);
  if (result.error) return packages; // not Debian: nothing is installed the Debian way
  const installed = new Set(result.stdout.split('\n').filter((l) => l.endsWith('install ok installed')).map((l) => l.split(' ')[0]));
  return packages.filter((p) => !installed.has(p));
}

function installApt(packages) {
  const missing = missingAptPackages(packages);
  if (missing.length === 0) return undefined;
  if (process.getuid?.() !== 0) return `apt packages ${missing.join(', ')} missing and not root to install them`;
  console.log(`[setup] apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => sh('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env, stdio: 'inherit' });
  if (install().status !== 0) {
    sh('apt-get', ['update', '-qq'], { env, stdio: 'inherit' });
    if (install().status !== 0) return `apt-get install ${missing.join(' ')} failed`;
  }
  return undefined;
}

/** The first package whose installed version differs from package-lock.json (undefined: all match). */
export function lockMismatch(dir) {
  const lockFile = path.join(dir, 'package-lock.json');
  if (!fs.existsSync(lockFile)) return undefined;
  const lock = JSON.parse(fs.readFileSync(lockFile, 'utf8'));
  for (const [where, entry] of Object.entries(lock.packages ?? {})) {
    if (!where.startsWith('node_modules/') || entry.link) continue;
    const manifest = path.join(dir, where, 'package.json');
    if (!fs.existsSync(manifest)) {
      if (entry.optional) continue; // an optional package for another platform
      return `${where} missing`;
    }
    const { version } = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    if (version !== entry.version) return `${where} is ${version}, lock says ${entry.version}`;
  }
  return undefined;
}

function installNpm(dir) {
  const mismatch = lockMismatch(dir);
  if (!mismatch) return undefined;
  const modules = path.join(dir, 'node_modules');
  // A symlinked node_modules is another checkout's copy: never install through it.
  if (fs.existsSync(modules) && fs.lstatSync(modules).isSymbolicLink()) return `${path.relative('.', modules) || modules} is a symlink and out of date (${mismatch})`;
  console.log(`[setup] npm ci in ${dir} (${mismatch})`);
  // onnxruntime-node's postinstall would download CUDA files from outside the npm registry.
  const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' };
  const result = sh('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, env, stdio: 'inherit' });
  return result.status === 0 ? undefined : `npm ci in ${dir} failed (exit ${result.status})`;
}

function installVsCode() {
  const result = sh('bash', ['test/vscode/install.sh']);
  if (result.status === 0) return undefined;
  process.stdout.write(result.stdout + result.stderr);
  return `test/vscode/install.sh failed (exit ${result.status})`;
}

/**
 * Installs what the suites need. Returns { python, npm, byo, vscode }: undefined where ready,
 * otherwise why not. `vscode: false` skips the VS Code tools (DI_SKIP_VSCODE).
 */
export function setUp({ vscode = true } = {}) {
  const started = Date.now();
  const problems = {
    python: installApt(APT_PACKAGES),
    npm: installNpm('.'),
    byo: installNpm('training/byo'),
  };
  problems.vscode = !vscode ? undefined : problems.npm ? `needs the npm packages (${problems.npm})` : installVsCode();
  console.log(`[setup] ${Object.values(problems).every((p) => !p) ? 'everything installed' : 'incomplete'} (${Date.now() - started} ms)`);
  for (const [what, why] of Object.entries(problems)) if (why) console.log(`[setup] ${what}: ${why}`);
  return problems;
}
