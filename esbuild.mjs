// Bundles the extension, the worker thread and the CLI into dist/ (one build context each).
// `node esbuild.mjs [--production] [--watch]`
import * as esbuild from 'esbuild';
import fs from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const entries = [
  { in: 'src/editor/extension.ts', out: 'extension' },
  { in: 'src/worker/worker.ts', out: 'worker' },
  { in: 'src/cli/main.ts', out: 'cli', banner: '#!/usr/bin/env node' },
  { in: 'src/convert/thread.ts', out: 'convert' },
  { in: 'bench/bench.ts', out: 'bench' },
  { in: 'bench/infill-quality.ts', out: 'infill-quality' },
  { in: 'bench/gpu.ts', out: 'gpu' },
  { in: 'bench/large-vocab.ts', out: 'large-vocab' },
].filter((entry) => fs.existsSync(entry.in));

const contexts = await Promise.all(
  entries.map((entry) =>
    esbuild.context({
      entryPoints: { [entry.out]: entry.in },
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      outdir: 'dist',
      // The native runtime and VS Code itself are provided at run time, never bundled.
      external: ['vscode', 'onnxruntime-node'],
      sourcemap: !production,
      minify: production,
      banner: entry.banner ? { js: entry.banner } : undefined,
      logLevel: 'warning',
    }),
  ),
);

if (watch) {
  await Promise.all(contexts.map((ctx) => ctx.watch()));
} else {
  await Promise.all(contexts.map((ctx) => ctx.rebuild()));
  await Promise.all(contexts.map((ctx) => ctx.dispose()));
  if (fs.existsSync('dist/cli.js')) fs.chmodSync('dist/cli.js', 0o755);
}
