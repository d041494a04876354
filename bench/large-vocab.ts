/**
 * `npm run bench:large-vocab -- [--keep DIR] [--threads N]`: a real diffusion LLM's shape on this
 * machine (issue 18). Open-dCoder-0.5B's shape with random weights (hidden 896, 24 layers, 14 heads,
 * 2 KV heads, vocabulary 151,936, tied embeddings: training/byo/make_tiny_snapshot.py --shape 0.5b),
 * converted by `diffusion-infill convert` at int8 and int4 (time and peak memory of each), then per
 * model: ms per model call at windows 256 and 1024 with 16 and 64 rows, full rows against the top-k
 * head; the sampler's ms per step over 64 rows (full rows in JavaScript against the top-k form); and
 * step/forward. Needs /usr/bin/python3 with torch and ~6 GB of disk. Not part of CI.
 *
 * `--dream-7b` instead: Dream-7B's shape (hidden 3584, 28 layers, 28 heads, 4 KV heads, vocabulary
 * 152,064; make_tiny_snapshot.py --shape 7b writes it layer by layer, 15 GB), converted at int4
 * only: time, peak memory, size, load time and one call at window 256 with 16 rows. ~25 GB of disk.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRng, LogitsProcessor, type TopKRows } from '../src/core';
import { LoadedModel } from '../src/worker/model';

const REPO = path.resolve(__dirname, '..');
const CLI = path.join(REPO, 'dist', 'cli.js');
const HEAD_K = 64;
const TOP_P = 0.9;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

/** Runs a command under /usr/bin/time: wall seconds and peak resident memory (MB). */
function timed(command: string, args: string[]): { seconds: number; peakMb: number } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', command, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${path.basename(args[0] ?? command)} failed (exit ${r.status}): ${r.stderr.slice(-400)}`);
  const [seconds, kb] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { seconds, peakMb: kb / 1024 };
}

function folderMb(dir: string): number {
  let bytes = 0;
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const s = fs.statSync(path.join(dir, f));
    if (s.isFile()) bytes += s.size;
  }
  return bytes / 2 ** 20;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeCalls(call: () => Promise<unknown>, repeats = 3): Promise<number> {
  await call();
  const ms: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await call();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

/** Sharper rows in the top-k form: the random model's rows are nearly flat, a trained model's are not. */
function sharpened(rows: TopKRows, factor: number): TopKRows {
  return { ...rows, values: rows.values.map((v) => v * factor), partial: rows.partial.map((v) => v * factor), tailLogMass: rows.tailLogMass.map((v) => v * factor) };
}

async function measure(modelDir: string, threads: number) {
  const model = await LoadedModel.load({ modelDir, executionProvider: 'cpu', quantized: true, threads });
  const { denoiser, drawRules } = model;
  const vocab = denoiser.vocabSize;
  const calls: { window: number; rows: number; fullMs: number; topKMs: number }[] = [];
  const rng = createRng(1);
  let sampler = { fullMs: 0, topKMs: 0, topKAnswered: 0 };
  try {
    for (const window of [256, 1024]) {
      const ids = Int32Array.from({ length: window }, () => 300 + Math.floor(rng.next() * 20000));
      for (const rows of [16, 64]) {
        const positions = Int32Array.from({ length: rows }, (_, i) => 8 + i);
        for (const p of positions) ids[p] = model.info.maskId;
        const fullMs = await timeCalls(() => denoiser.forwardAt!(ids, 1, window, positions));
        const topKMs = await timeCalls(() => denoiser.forwardTopK!(ids, 1, window, positions, HEAD_K, 1));
        calls.push({ window, rows, fullMs, topKMs });
        console.error(`${path.basename(modelDir)} window ${window}, ${rows} rows: ${fullMs.toFixed(1)} ms full rows, ${topKMs.toFixed(1)} ms top-k head`);
        if (window === 256 && rows === 64) {
          // The sampler's arithmetic for one step that draws at all 64 rows (nucleus 0.9).
          const full = await denoiser.forwardAt!(ids, 1, window, positions);
          const head = sharpened(await denoiser.forwardTopK!(ids, 1, window, positions, HEAD_K, 1), 40);
          const processor = new LogitsProcessor(vocab, model.info.maskId, 1, 0, TOP_P, false, denoiser.drawableVocabSize ?? vocab);
          const drawAll = (logits: Float32Array | TopKRows) => {
            let answered = 0;
            for (let r = 0; r < rows; r++) {
              try {
                processor.draw(logits, r * vocab, drawRules.drawable, rng.next());
                answered++;
              } catch {
                // FullRowsNeeded: counted as not answered
              }
            }
            return answered;
          };
          // Best of 30: the first few runs of a path include its compilation.
          const best = (f: () => number) => {
            const ms: number[] = [];
            let answered = 0;
            for (let i = 0; i < 30; i++) {
              const t0 = performance.now();
              answered = f();
              ms.push(performance.now() - t0);
            }
            return { ms: Math.min(...ms), answered };
          };
          const dense = best(() => drawAll(full));
          const sparse = best(() => drawAll(head));
          sampler = { fullMs: dense.ms, topKMs: sparse.ms, topKAnswered: sparse.answered };
          console.error(`sampler, 64 rows: ${dense.ms.toFixed(2)} ms over full rows, ${sparse.ms.toFixed(3)} ms over the top-k form (${sparse.answered}/64 answered)`);
        }
      }
    }
  } finally {
    await model.dispose();
  }
  return { calls, sampler, loadMs: model.info.loadMs };
}

/** Dream-7B's shape at int4: can this machine convert it, and how long is one call. */
async function dream7b(work: string, threads: number): Promise<void> {
  const snapshot = path.join(work, 'snapshot-7b');
  if (!fs.existsSync(snapshot)) {
    const made = timed('/usr/bin/python3', [path.join(REPO, 'training', 'byo', 'make_tiny_snapshot.py'), 'dream', snapshot, '--shape', '7b']);
    console.error(`snapshot: ${made.seconds.toFixed(0)} s, peak ${made.peakMb.toFixed(0)} MB, ${folderMb(snapshot).toFixed(0)} MB`);
  }
  const out = path.join(work, 'int4-7b');
  fs.rmSync(out, { recursive: true, force: true });
  const conversion = timed(process.execPath, [CLI, 'convert', snapshot, out, '--quantize', 'int4']);
  const sizeMb = folderMb(path.join(out, 'onnx'));
  console.log(`Dream-7B shape, int4: convert ${conversion.seconds.toFixed(0)} s, peak ${conversion.peakMb.toFixed(0)} MB, graph + data ${sizeMb.toFixed(0)} MB`);
  fs.rmSync(snapshot, { recursive: true, force: true });
  const model = await LoadedModel.load({ modelDir: out, executionProvider: 'cpu', quantized: true, threads });
  try {
    const ids = Int32Array.from({ length: 256 }, (_, i) => 300 + ((i * 7919) % 20000));
    const positions = Int32Array.from({ length: 16 }, (_, i) => 8 + i);
    for (const p of positions) ids[p] = model.info.maskId;
    const fullMs = await timeCalls(() => model.denoiser.forwardAt!(ids, 1, 256, positions), 1);
    const topKMs = await timeCalls(() => model.denoiser.forwardTopK!(ids, 1, 256, positions, HEAD_K, 1), 1);
    console.log(`Dream-7B shape, int4: load ${model.info.loadMs} ms; one call at window 256, 16 rows: ${fullMs.toFixed(0)} ms full rows, ${topKMs.toFixed(0)} ms top-k head`);
  } finally {
    await model.dispose();
  }
}

async function main(): Promise<void> {
  const threads = Number(arg('--threads') ?? 2);
  if (process.argv.includes('--dream-7b')) {
    const work = arg('--keep') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'di-dream-7b-'));
    try {
      return await dream7b(work, threads);
    } finally {
      if (!arg('--keep')) fs.rmSync(work, { recursive: true, force: true });
    }
  }
  const work = arg('--keep') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'di-large-vocab-'));
  const snapshot = path.join(work, 'snapshot');
  try {
    if (!fs.existsSync(snapshot)) {
      console.error('building the snapshot (open-dcoder, --shape 0.5b)');
      const made = timed('/usr/bin/python3', [path.join(REPO, 'training', 'byo', 'make_tiny_snapshot.py'), 'open-dcoder', snapshot, '--shape', '0.5b']);
      console.error(`snapshot: ${made.seconds.toFixed(0)} s, ${folderMb(snapshot).toFixed(0)} MB`);
    }
    const results: Record<string, unknown>[] = [];
    for (const quantize of ['int8', 'int4']) {
      const out = path.join(work, quantize);
      fs.rmSync(out, { recursive: true, force: true });
      const conversion = timed(process.execPath, [CLI, 'convert', snapshot, out, '--quantize', quantize]);
      const sizeMb = folderMb(path.join(out, 'onnx'));
      console.error(`convert ${quantize}: ${conversion.seconds.toFixed(0)} s, peak ${conversion.peakMb.toFixed(0)} MB, graph + data ${sizeMb.toFixed(0)} MB`);
      const m = await measure(out, threads);
      results.push({ quantize, conversion, sizeMb, ...m });
    }
    const date = new Date().toISOString().slice(0, 16);
    const outFile = path.join(REPO, 'bench', 'out', `large-vocab-${date.slice(0, 10)}.json`);
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    fs.writeFileSync(outFile, JSON.stringify({ date, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, threads, results }, null, 2));
    console.log(`| model | convert s | peak MB | size MB | window | rows | full rows ms/call | top-k head ms/call |`);
    console.log(`|---|---|---|---|---|---|---|---|`);
    for (const r of results as { quantize: string; conversion: { seconds: number; peakMb: number }; sizeMb: number; calls: { window: number; rows: number; fullMs: number; topKMs: number }[] }[]) {
      for (const c of r.calls) console.log(`| ${r.quantize} | ${r.conversion.seconds.toFixed(0)} | ${r.conversion.peakMb.toFixed(0)} | ${r.sizeMb.toFixed(0)} | ${c.window} | ${c.rows} | ${c.fullMs.toFixed(1)} | ${c.topKMs.toFixed(1)} |`);
    }
    for (const r of results as { quantize: string; sampler: { fullMs: number; topKMs: number; topKAnswered: number }; calls: { window: number; rows: number; fullMs: number; topKMs: number }[] }[]) {
      const call = r.calls.find((c) => c.window === 256 && c.rows === 64)!;
      const s = r.sampler;
      console.log(
        `${r.quantize}: sampler per step (64 rows, nucleus ${TOP_P}) ${s.fullMs.toFixed(2)} ms over full rows, ${s.topKMs.toFixed(3)} ms over the top-k form (${s.topKAnswered}/64 answered); ` +
          `step/forward at window 256: ${((call.fullMs + s.fullMs) / call.fullMs).toFixed(3)} full rows, ${((call.topKMs + s.topKMs) / call.topKMs).toFixed(3)} top-k head`,
      );
    }
    console.error(`wrote ${outFile}`);
  } finally {
    if (!arg('--keep')) fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
