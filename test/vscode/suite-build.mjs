// Builds what the VS Code test runs load (dist/extension.js, out/test/integration/*.js) when any
// source is newer than them, so a run never tests stale code and a warm run skips the ~20 s build.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './server.mjs';

const INPUTS = ['src', 'test', 'esbuild.mjs', 'package.json', 'tsconfig.json', 'tsconfig.test.json'];
const OUTPUTS = ['dist/extension.js', 'out/test/integration/index.js'];

function newestMtime(target) {
  let stat;
  try {
    stat = fs.statSync(target);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of fs.readdirSync(target)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const full = path.join(target, entry);
    if (entry.includes('.') && !/\.(ts|mjs|json)$/.test(entry)) continue;
    newest = Math.max(newest, newestMtime(full));
  }
  return newest;
}

function run(label, args) {
  const result = spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8', timeout: 600_000 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  if (result.status !== 0) {
    // tsc still emits on type errors; report them and let the run show what actually breaks.
    console.log(`[build] ${label} exited ${result.status ?? result.signal}:\n${output.split('\n').slice(0, 30).join('\n')}`);
  }
}

export function ensureBuilt({ force = false } = {}) {
  const inputs = Math.max(...INPUTS.map((p) => newestMtime(path.join(repoRoot, p))));
  const outputs = Math.min(...OUTPUTS.map((p) => newestMtime(path.join(repoRoot, p))));
  if (!force && outputs > inputs) return false;
  const started = Date.now();
  run('esbuild', ['esbuild.mjs']);
  run('tsc', [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.test.json']);
  console.log(`[build] extension bundle and tests compiled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const out of OUTPUTS) {
    if (!fs.existsSync(path.join(repoRoot, out))) console.log(`[build] missing after build: ${out}`);
  }
  return true;
}
