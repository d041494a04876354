// `npm run package`: one .vsix per platform onnxruntime-node ships native binaries for
// (node_modules/onnxruntime-node/bin/napi-v6/<os>/<arch>), each carrying only its own runtime.
//   node scripts/package.mjs [--target linux-x64 ...] [--force]
// A .vsix newer than every shipped input is kept (the UI and packaging tests reuse it).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BINARIES = 'node_modules/onnxruntime-node/bin/napi-v6';
const SHIPPED_INPUTS = ['src', 'models', 'media', 'package.json', 'esbuild.mjs', '.vscodeignore', 'LICENSE', 'THIRD_PARTY_NOTICES.md', 'CHANGELOG.md', 'README.md', BINARIES];

/** The targets onnxruntime-node has binaries for, e.g. ['darwin-arm64', 'linux-arm64', 'linux-x64', ...]. */
export function vsixTargets() {
  const root = path.join(repoRoot, BINARIES);
  return fs.readdirSync(root).flatMap((platform) => fs.readdirSync(path.join(root, platform)).map((arch) => `${platform}-${arch}`)).sort();
}

/** The folder inside the package holding a target's native runtime, e.g. .../napi-v6/linux/x64/. */
export const binaryFolder = (target) => `${BINARIES}/${target.replace('-', '/')}/`;

/**
 * The files of a target's runtime that ship: all, less byte-identical copies under a longer name
 * (macOS has libonnxruntime.1.30.0.dylib beside libonnxruntime.1.dylib, the one the binding links).
 */
export function shippedBinaries(target) {
  const folder = path.join(repoRoot, binaryFolder(target));
  const files = fs.readdirSync(folder).sort((a, b) => a.length - b.length || a.localeCompare(b));
  const kept = [];
  for (const file of files) {
    const bytes = fs.readFileSync(path.join(folder, file));
    if (!kept.some((k) => k.bytes.length === bytes.length && k.bytes.equals(bytes))) kept.push({ file, bytes });
  }
  return kept.map((k) => k.file).sort();
}

export function vsixPath(target) {
  const { name, version } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  return path.join(repoRoot, `${name}-${target}-${version}.vsix`);
}

function newestMtime(target) {
  if (!fs.existsSync(target)) return 0;
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...fs.readdirSync(target).map((entry) => newestMtime(path.join(target, entry))));
}

/** Builds the .vsix for `target` (unless one newer than its inputs exists) and returns its path. */
export function packageTarget(target, { force = false } = {}) {
  const vsix = vsixPath(target);
  const newestInput = Math.max(...SHIPPED_INPUTS.map((p) => newestMtime(path.join(repoRoot, p))));
  if (!force && fs.existsSync(vsix) && fs.statSync(vsix).mtimeMs > newestInput) return vsix;
  // .vscodeignore is the allowlist common to all targets; this target's binaries are added to a copy.
  const ignoreFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'di-package-')), '.vscodeignore');
  const allow = shippedBinaries(target).map((file) => `!${binaryFolder(target)}${file}\n`).join('');
  fs.writeFileSync(ignoreFile, `${fs.readFileSync(path.join(repoRoot, '.vscodeignore'), 'utf8')}${allow}`);
  const started = Date.now();
  const vsce = path.join(repoRoot, 'node_modules/@vscode/vsce/vsce');
  const result = spawnSync(process.execPath, [vsce, 'package', '--target', target, '--ignoreFile', ignoreFile, '--out', vsix,
    '--allow-missing-repository', '--no-rewrite-relative-links'], { cwd: repoRoot, encoding: 'utf8', timeout: 600_000 });
  fs.rmSync(path.dirname(ignoreFile), { recursive: true, force: true });
  if (result.status !== 0 || !fs.existsSync(vsix)) {
    throw new Error(`vsce package --target ${target} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  }
  console.log(`[package] ${path.basename(vsix)}: ${(fs.statSync(vsix).size / 1e6).toFixed(1)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return vsix;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const wanted = args.flatMap((a, i) => (args[i - 1] === '--target' ? [a] : []));
  const known = vsixTargets();
  for (const target of wanted) if (!known.includes(target)) throw new Error(`--target ${target}: onnxruntime-node has binaries for ${known.join(', ')}`);
  for (const target of wanted.length ? wanted : known) packageTarget(target, { force: args.includes('--force') });
}
