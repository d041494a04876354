/**
 * `npm run bench:gpu -- [--nupkg FILE] [--model DIR]... [--real-shaped] [--threads N]`: the CUDA
 * figures for bench/RESULTS.md, on a Linux x64 machine with an NVIDIA GPU, CUDA 12 and cuDNN 9.
 * It reaches no registry: the CUDA provider comes from a `Microsoft.ML.OnnxRuntime.Gpu.Linux` package
 * file at the bundled onnxruntime-node's exact version, copied onto the machine (--nupkg), and is
 * placed by the same code as "Set Up GPU (CUDA)…", unless its libraries are there already.
 * `--real-shaped` builds a model of a real diffusion LLM's shape (Dream at Qwen2.5-0.5B's size,
 * random weights: training/byo/make_tiny_snapshot.py --shape 0.5b, needs PyTorch) and converts it
 * with `diffusion-infill convert`, into bench/out/.
 * For each model (the embedded one, the --model folders, the real-shaped one), on the CPU and then
 * on CUDA: ms per model call and the worker's step time over it (step/forward), at hole 64,
 * window 512, 32 steps, ReMDM-cap. Writes bench/out/gpu-<date>.json and prints a Markdown table.
 * A CUDA load that falls back to the CPU is printed with its reason and counted as no figure.
 * Without a usable GPU it says why and exits 2, measuring nothing. `--cpu-only` measures the CPU
 * side alone (a dry run of the script, and the baseline), with no GPU figure.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkerClient } from '../src/host/client';
import { checkHost, gatherHostFacts } from '../src/host/gpuSetup/hostCheck';
import { packageEntries, CUDA_PACKAGE_ID } from '../src/host/gpuSetup/nuget';
import { placeLibraries } from '../src/host/gpuSetup/place';
import type { ExecutionProviderSetting } from '../src/protocol/protocol';
import { CUDA_PROVIDER_REQUIRED } from '../src/protocol/providerLibraries';
import { TextTokenizer } from '../src/protocol/tokenizer';
import { readModelFolder } from '../src/worker/modelFolder';
import { bindingFolder } from '../src/worker/provider';
import { runCase } from './measure';
import { table } from './table';
import { corpusText, WorkloadBuilder } from './workload';

const REPO = path.resolve(__dirname, '..');
const WORKER = path.join(REPO, 'dist', 'worker.js');
const CASE = { strategy: 'remdm-cap', hole: 64, window: 512, steps: 32 } as const;
const REAL_SHAPED = path.join(REPO, 'bench', 'out', 'dream-0.5b-shaped');
const USAGE = 'npm run bench:gpu -- [--nupkg Microsoft.ML.OnnxRuntime.Gpu.Linux.<version>.nupkg] [--model DIR]... [--real-shaped] [--threads N] [--cpu-only]';

interface Args { nupkg?: string; models: string[]; realShaped: boolean; threads: number; cpuOnly: boolean }

function parseArgs(argv: string[]): Args {
  const a: Args = { models: [], realShaped: false, threads: os.availableParallelism(), cpuOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--nupkg') a.nupkg = argv[++i];
    else if (flag === '--model') a.models.push(argv[++i]);
    else if (flag === '--real-shaped') a.realShaped = true;
    else if (flag === '--threads') a.threads = Number(argv[++i]);
    else if (flag === '--cpu-only') a.cpuOnly = true;
    else throw new Error(`unknown flag ${flag}\n${USAGE}`);
  }
  return a;
}

/** Stops with exit code 2: nothing measured, and why. */
function noFigures(why: string): never {
  console.error(`bench:gpu: no GPU figures: ${why}`);
  process.exit(2);
}

async function ensureProvider(nupkg: string | undefined): Promise<void> {
  const version = (require('onnxruntime-node/package.json') as { version: string }).version;
  const folder = bindingFolder();
  if (CUDA_PROVIDER_REQUIRED.every((l) => fs.existsSync(path.join(folder, l)))) return;
  const expected = `${CUDA_PACKAGE_ID}.${version}.nupkg`.toLowerCase();
  if (!nupkg) noFigures(`the CUDA provider is not installed beside ${folder}: copy ${expected} (nuget.org) here and pass --nupkg FILE`);
  if (path.basename(nupkg).toLowerCase() !== expected) noFigures(`${nupkg} is not ${expected}: a provider must match onnxruntime-node ${version} exactly`);
  const placed = await placeLibraries(nupkg, packageEntries(), folder);
  console.error(`placed ${placed.map((p) => path.basename(p)).join(', ')} in ${folder}`);
}

/** Dream at Qwen2.5-0.5B's shape with random weights, converted by our converter (reused when there). */
function realShapedModel(): string {
  if (fs.existsSync(path.join(REAL_SHAPED, 'onnx', 'model.onnx'))) return REAL_SHAPED;
  const snapshot = `${REAL_SHAPED}-snapshot`;
  const steps: [string, string[]][] = [
    ['/usr/bin/python3', [path.join(REPO, 'training', 'byo', 'make_tiny_snapshot.py'), 'dream', snapshot, '--shape', '0.5b']],
    [process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'convert', snapshot, REAL_SHAPED]],
  ];
  for (const [command, args] of steps) {
    console.error(`$ ${[command, ...args].join(' ')}`);
    const r = spawnSync(command, args, { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`${path.basename(args[0])} failed (exit ${r.status})`);
  }
  fs.rmSync(snapshot, { recursive: true, force: true });
  return REAL_SHAPED;
}

interface Row { model: string; asked: ExecutionProviderSetting; provider: string; notice?: string; msPerCall: number; stepMs: number; stepOverForward: number; loadMs: number }

async function measure(modelDir: string, asked: ExecutionProviderSetting, threads: number): Promise<Row> {
  const folder = readModelFolder(modelDir, true);
  const tokenizer = new TextTokenizer(folder.tokenizerJson, folder.tokenizerConfig);
  const maskId = folder.config.maskTokenId ?? (tokenizer.tokenId('[MASK]') as number);
  const work = new WorkloadBuilder(corpusText(REPO), tokenizer, maskId, folder.config.maxLength).forWindow(CASE.hole, CASE.window);
  const client = new WorkerClient(WORKER);
  try {
    const info = await client.load({ modelDir, executionProvider: asked, quantized: true, threads });
    await runCase(client, { ...CASE, steps: 4 }, work, 1, 1, 0); // warm-up (CUDA's first run builds its kernels)
    const r = await runCase(client, CASE, work, 1, 1234, 0);
    const row = { model: info.name, asked, provider: info.executionProvider, notice: info.providerNotice, msPerCall: (r.modelMs * r.steps) / r.forwardCalls, stepMs: r.stepMs, stepOverForward: r.stepOverForward, loadMs: info.loadMs };
    console.error(`${row.model} ${asked} → ${row.provider}: ${row.msPerCall.toFixed(2)} ms per model call, step/forward ${row.stepOverForward.toFixed(3)}${row.notice ? ` (${row.notice})` : ''}`);
    return row;
  } finally {
    await client.dispose();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const host = checkHost(await gatherHostFacts());
  if (!args.cpuOnly) {
    if (process.platform !== 'linux' || process.arch !== 'x64') noFigures(`the CUDA provider is for Linux x64; this is ${process.platform}-${process.arch}`);
    if (host.blocker) noFigures(host.blocker);
    if (host.missing.length) noFigures(`this machine lacks ${host.missing.map((m) => `${m.what} (${m.libraries.join(', ')})`).join(' and ')} on the library path`);
    await ensureProvider(args.nupkg);
  }
  const models = [path.join(REPO, 'models', 'mdlm-code-small'), ...args.models.map((m) => path.resolve(m)), ...(args.realShaped ? [realShapedModel()] : [])];
  const rows: Row[] = [];
  const providers = args.cpuOnly ? (['cpu'] as const) : (['cpu', 'cuda'] as const);
  for (const model of models) for (const asked of providers) rows.push(await measure(model, asked, args.threads));
  const out = path.join(REPO, 'bench', 'out', `${args.cpuOnly ? 'cpu' : 'gpu'}-${new Date().toISOString().slice(0, 10)}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ gpu: host.summary, threads: args.threads, case: CASE, rows }, null, 2));
  console.log(`GPU: ${args.cpuOnly ? 'not used (--cpu-only)' : host.summary}; ${args.threads} CPU threads; ${CASE.strategy}, hole ${CASE.hole}, window ${CASE.window}, ${CASE.steps} steps, each folder's int8 graph where it has one\n`);
  console.log(table('CPU vs CUDA', ['model', 'asked', 'ran on', 'ms / model call', 'ms / step', 'step/forward', 'load ms'],
    rows.map((r) => [r.model, r.asked, r.provider === r.asked ? r.provider : `${r.provider} (fell back: ${r.notice ?? 'no reason given'})`, r.msPerCall.toFixed(2), r.stepMs.toFixed(2), r.stepOverForward.toFixed(3), r.loadMs.toFixed(0)])));
  console.log(`(written to ${path.relative(REPO, out)})`);
  if (rows.some((r) => r.asked === 'cuda' && r.provider !== 'cuda')) process.exitCode = 1;
}

main().catch((error) => {
  console.error(`bench:gpu: ${(error as Error).message}`);
  process.exit(1);
});
