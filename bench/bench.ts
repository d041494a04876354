/**
 * `npm run bench`: where a step's time goes (model forward, feeding/fetching, sampler, frames,
 * worker → host delivery), over hole lengths, windows, step counts and strategies, through the
 * real worker thread; plus cold load, first frame, memory, int8 vs fp32, a 50k-vocabulary model
 * and the reference PyTorch loop on the same input and threads. `--json` for one JSON object.
 */
import { execSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkerClient } from '../src/host/client';
import { readModelFolder } from '../src/worker/modelFolder';
import type { ModelInfo } from '../src/protocol/protocol';
import { TextTokenizer } from '../src/protocol/tokenizer';
import { benchGrid, parseBenchArgs, type BenchArgs, type GridCase } from './args';
import { runCase, type CaseResult } from './measure';
import { comparePrecision, type PrecisionResult } from './precision';
import { replayOverhead, type ReplayResult } from './replay';
import { OnnxDenoiser } from '../src/worker/onnxDenoiser';
import { table, type Cell } from './table';
import { PYTHON, runTorch, type TorchRun } from './torch';
import { corpusText, WorkloadBuilder } from './workload';

const REPO = path.resolve(__dirname, '..');
const WORKER = path.join(REPO, 'dist', 'worker.js');
const DEFAULT_MODEL = path.join(REPO, 'models', 'mdlm-code-small');
const LARGE_MODEL = path.join(REPO, 'bench', 'out', 'mdlm-large-vocab');
/** The case the targets are stated for. */
const TARGET = { hole: 64, window: 512 };
const MB = 1024 * 1024;

const log = (args: BenchArgs, line: string) => {
  if (!args.json) process.stderr.write(line + '\n');
};

function machine() {
  const cpu = os.cpus()[0]?.model ?? 'unknown';
  let training = '';
  try {
    // The bracket keeps the pattern from matching this pgrep's own shell command line.
    training = execSync("pgrep -f 'train[.]py'", { encoding: 'utf8' }).trim();
  } catch {
    training = ''; // pgrep exits 1 when nothing matches
  }
  return {
    cpu,
    cpus: os.availableParallelism(),
    node: process.version,
    onnxruntime: (require('onnxruntime-node/package.json') as { version: string }).version,
    date: new Date().toISOString(),
    trainingJobRunning: training.length > 0,
  };
}

interface ModelBench {
  modelDir: string;
  info: ModelInfo;
  coldLoadMs: number;
  cases: CaseResult[];
}

/** Loads a model in a fresh worker (cold), warms it with one small run, then runs the cases. */
async function benchModel(args: BenchArgs, modelDir: string, quantized: boolean, cases: GridCase[], label: string): Promise<ModelBench> {
  const folder = readModelFolder(modelDir, quantized);
  const tokenizer = new TextTokenizer(folder.tokenizerJson, folder.tokenizerConfig);
  const maskId = folder.config.maskTokenId ?? (tokenizer.tokenId('[MASK]') as number);
  const builder = new WorkloadBuilder(corpusText(REPO), tokenizer, maskId, folder.config.maxLength);
  const client = new WorkerClient(WORKER);
  try {
    const t0 = performance.now();
    const info = await client.load({ modelDir, executionProvider: 'cpu', quantized, threads: args.threads });
    const coldLoadMs = performance.now() - t0;
    log(args, `[${label}] ${info.onnxFile}: cold load ${coldLoadMs.toFixed(0)} ms (worker's own ${info.loadMs} ms)`);
    await runCase(client, { strategy: 'mdlm', hole: 16, window: 128, steps: 8 }, builder.forWindow(16, 128), 1, args.seed, 0);
    const results: CaseResult[] = [];
    for (const c of cases) {
      const work = c.documentChars ? builder.forDocument(c.hole, c.documentChars) : builder.forWindow(c.hole, c.window);
      const r = await runCase(client, c, work, args.samples, args.seed, args.maxFramesPerSecond);
      results.push(r);
      log(args, `[${label}] ${c.strategy} hole ${c.hole} window ${r.length}${c.documentChars ? ` doc ${c.documentChars} chars` : ''} T ${c.steps}: ${r.stepMs.toFixed(1)} ms/step, step/forward ${r.stepOverForward.toFixed(3)}`);
    }
    return { modelDir, info, coldLoadMs, cases: results };
  } finally {
    await client.dispose();
  }
}

/** Runs a bench/*.py builder unless its output model is there; false (with a note) when it fails. */
function ensureModel(args: BenchArgs, dir: string, script: string, scriptArgs: string[]): boolean {
  if (fs.existsSync(path.join(dir, 'onnx', 'model.onnx'))) return true;
  log(args, `building ${dir} (bench/${script})`);
  const r = spawnSync(PYTHON, [path.join(REPO, 'bench', script), ...scriptArgs], { encoding: 'utf8' });
  if (r.status !== 0) {
    log(args, `could not build ${dir}: ${(r.stderr || '').trim().split('\n').pop()}`);
    return false;
  }
  return true;
}

const ensureLargeVocabModel = (args: BenchArgs) => ensureModel(args, LARGE_MODEL, 'make_large_vocab_model.py', [LARGE_MODEL]);

/** The same model with the gathering head (logits only at masked positions), built into bench/out/. */
function positionsVariant(args: BenchArgs, modelDir: string): string | undefined {
  const out = path.join(REPO, 'bench', 'out', `${path.basename(modelDir)}-positions`);
  return ensureModel(args, out, 'make_positions_head.py', [modelDir, out]) ? out : undefined;
}

/** Our run and PyTorch's on the target input, same strategies and steps. */
function torchSideBySide(args: BenchArgs, modelDir: string, checkpoint: string, steps: number): TorchRun | { error: string } {
  if (!fs.existsSync(checkpoint)) return { error: `no weights at ${checkpoint}` };
  const folder = readModelFolder(modelDir, false);
  const tokenizer = new TextTokenizer(folder.tokenizerJson, folder.tokenizerConfig);
  const maskId = folder.config.maskTokenId ?? (tokenizer.tokenId('[MASK]') as number);
  const work = new WorkloadBuilder(corpusText(REPO), tokenizer, maskId, folder.config.maxLength).forWindow(TARGET.hole, TARGET.window);
  try {
    return runTorch(path.join(REPO, 'bench', 'torch_remdm.py'), {
      checkpoint, ids: work.ids, editable: work.editable, steps, strategies: args.strategies, threads: args.threads, seed: args.seed, autocast: 'auto',
    });
  } catch (err) {
    return { error: (err as Error).message };
  }
}

const caseRow = (r: CaseResult): Cell[] => [
  r.strategy, r.hole, r.length, r.steps - 1, r.forwardCalls, r.stepMs, r.modelMs, r.feedMs, r.samplerMs, r.frameMs, r.otherMs, r.deliveryMs,
  r.stepOverForward.toFixed(3), r.firstFrameMs, r.tokensPerSecond,
];
const CASE_HEADER = ['strategy', 'hole', 'window', 'T', 'calls', 'step ms', 'model', 'feed', 'sampler', 'frames', 'other', 'deliver', 'step/fwd', '1st frame', 'tok/s'];

function torchRows(ours: CaseResult[], torch: TorchRun | { error: string }): Cell[][] {
  if ('error' in torch) return [[`PyTorch: ${torch.error}`]];
  return torch.results.map((t) => {
    const o = ours.find((r) => r.strategy === t.strategy);
    return [t.strategy, o?.stepMs ?? NaN, o?.modelMs ?? NaN, t.stepMs, t.forwardMs, t.samplerMs, t.stepOverForward.toFixed(3), o ? (t.stepMs / o.stepMs).toFixed(2) + 'x' : '-'];
  });
}
const TORCH_HEADER = ['strategy', 'ours ms/step', 'ours model', 'torch ms/step', 'torch fwd', 'torch sampler', 'torch step/fwd', 'speedup'];

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  if (!fs.existsSync(WORKER)) throw new Error(`${WORKER} is missing: run node esbuild.mjs first`);
  const started = performance.now();
  const hostRssBeforeWorker = process.memoryUsage().rss;
  const modelDir = path.resolve(args.modelDir ?? DEFAULT_MODEL);
  // The side-by-side cases (other precision, gathering head, 50k vocabulary, PyTorch) run at T 32:
  // per-step cost does not depend on T (the grid shows it), and the PyTorch loop is slow.
  const steps = 32;
  const out: Record<string, unknown> = { machine: machine(), args };

  // 1. The grid on the default model (int8 unless --fp32), plus how document size scales.
  const grid = benchGrid(args);
  const docs: GridCase[] = [10_000, 1_000_000].map((documentChars) => ({ strategy: args.strategies[0], hole: TARGET.hole, window: 512, steps: 32, documentChars }));
  const main = await benchModel(args, modelDir, args.quantized, [...grid, ...docs], args.quantized ? 'int8' : 'fp32');
  const gridResults = main.cases.filter((c) => !c.documentChars);
  const docResults = main.cases.filter((c) => c.documentChars);

  // 2. The other precision on the target case, for the PyTorch comparison and int8's speed-up.
  const targetCases = args.strategies.map((strategy) => ({ strategy, ...TARGET, steps }));
  const other = await benchModel(args, modelDir, !args.quantized, targetCases, args.quantized ? 'fp32' : 'int8');

  // 3. int8 vs fp32 argmax agreement.
  let precision: PrecisionResult | { error: string };
  try {
    const folder = readModelFolder(modelDir, false);
    const tokenizer = new TextTokenizer(folder.tokenizerJson, folder.tokenizerConfig);
    const maskId = folder.config.maskTokenId ?? (tokenizer.tokenId('[MASK]') as number);
    precision = await comparePrecision(modelDir, tokenizer.encode(corpusText(REPO)), maskId, folder.config.maxLength, args.threads);
  } catch (err) {
    precision = { error: (err as Error).message };
  }

  // 4. 50k vocabulary, same depth.
  let large: ModelBench | undefined;
  if (args.largeVocab && ensureLargeVocabModel(args)) large = await benchModel(args, LARGE_MODEL, args.quantized, targetCases, 'vocab 50k');

  // 5. The gathering head: logits only at masked positions, for both vocabularies.
  const positionsDir = positionsVariant(args, modelDir);
  const positions = positionsDir ? await benchModel(args, positionsDir, args.quantized, targetCases, 'positions') : undefined;
  const largePositionsDir = large ? positionsVariant(args, LARGE_MODEL) : undefined;
  const largePositions = largePositionsDir ? await benchModel(args, largePositionsDir, args.quantized, targetCases, 'vocab 50k positions') : undefined;

  // 6. The sampler alone, over recorded logits (no model noise), for both vocabularies.
  const replay: ReplayResult[] = [];
  for (const dir of [modelDir, ...(large ? [LARGE_MODEL] : [])]) {
    const folder = readModelFolder(dir, args.quantized);
    const tokenizer = new TextTokenizer(folder.tokenizerJson, folder.tokenizerConfig);
    const maskId = folder.config.maskTokenId ?? (tokenizer.tokenId('[MASK]') as number);
    const denoiser = await OnnxDenoiser.load(folder.onnxFile, maskId, { executionProvider: 'cpu', threads: args.threads });
    try {
      const work = new WorkloadBuilder(corpusText(REPO), tokenizer, maskId, folder.config.maxLength).forWindow(TARGET.hole, TARGET.window);
      replay.push(...(await replayOverhead(denoiser, work, TARGET.hole, args.strategies, steps)));
    } finally {
      await denoiser.dispose();
    }
  }

  // 7. PyTorch's reference loop, same input and threads.
  const oursDefault = gridResults.filter((r) => r.hole === TARGET.hole && r.window === TARGET.window && r.steps - 1 === steps);
  let torch: TorchRun | { error: string } | undefined;
  let torchLarge: TorchRun | { error: string } | undefined;
  if (args.torch) {
    log(args, `[torch] ${PYTHON} bench/torch_remdm.py, T ${steps}, ${args.threads} threads, bf16 autocast where the CPU has bf16 (else fp32)`);
    // The very weights of the graph measured above, read from its fp32 file.
    torch = torchSideBySide(args, modelDir, modelDir, steps);
    // Its full-vocabulary sort at 50k costs seconds a step here: one strategy, fewer steps (per-step cost does not depend on T).
    if (large) torchLarge = torchSideBySide({ ...args, strategies: ['remdm-cap'] }, LARGE_MODEL, path.join(LARGE_MODEL, 'checkpoint.pt'), 16);
  }

  const memory = {
    hostRssBeforeWorkerMB: hostRssBeforeWorker / MB,
    processPeakRssMB: process.resourceUsage().maxRSS / 1024,
    workerPeakHeapMB: Math.max(...main.cases.map((c) => c.workerHeapMB)),
    workerPeakArrayBuffersMB: Math.max(...main.cases.map((c) => c.workerArrayBuffersMB)),
    hostHeapMB: process.memoryUsage().heapUsed / MB,
  };
  const targetsFor = (cases: CaseResult[]) => {
    const at = cases.filter((r) => r.hole === TARGET.hole && r.window === TARGET.window && r.steps - 1 === steps);
    const speedups = torch && !('error' in torch)
      ? torch.results.map((t) => t.stepMs / (at.find((o) => o.strategy === t.strategy)?.stepMs ?? NaN)).filter(Number.isFinite)
      : [];
    return {
      worstStepOverForward: Math.max(...at.map((r) => r.stepOverForward)),
      worstFirstFrameMs: Math.max(...at.map((r) => r.firstFrameMs)),
      slowestSpeedupOverTorch: speedups.length > 0 ? Math.min(...speedups) : NaN,
    };
  };
  const targets = { shipped: targetsFor(gridResults), positions: positions ? targetsFor(positions.cases) : undefined };
  Object.assign(out, {
    model: { ...main.info, coldLoadMs: main.coldLoadMs },
    grid: gridResults,
    documents: docResults,
    otherPrecision: { info: other.info, coldLoadMs: other.coldLoadMs, cases: other.cases },
    precision,
    largeVocab: large ? { info: large.info, coldLoadMs: large.coldLoadMs, cases: large.cases } : undefined,
    positions: positions ? { info: positions.info, coldLoadMs: positions.coldLoadMs, cases: positions.cases } : undefined,
    largeVocabPositions: largePositions ? { info: largePositions.info, coldLoadMs: largePositions.coldLoadMs, cases: largePositions.cases } : undefined,
    replay,
    torch,
    torchLargeVocab: torchLarge,
    memory,
    targets,
    benchSeconds: (performance.now() - started) / 1000,
  });
  if (args.json) {
    process.stdout.write(JSON.stringify(out) + '\n');
    return;
  }
  const m = out.machine as ReturnType<typeof machine>;
  const p = args.quantized ? 'int8' : 'fp32';
  const print = (s: string) => process.stdout.write(s + '\n');
  print(`# Diffusion Infill bench — ${m.cpu}, ${m.cpus} CPUs, node ${m.node}, onnxruntime-node ${m.onnxruntime}, ${args.threads} threads${m.trainingJobRunning ? ', A TRAINING JOB WAS RUNNING (timings inflated; compare ratios)' : ''}`);
  print(`Per-step ms: model = session.run; feed = ids in / logits out around it; sampler = posterior, top-p, categorical draw, frame arrays; frames = detokenise + postMessage; other = the rest of the worker's step; deliver = worker -> host latency per frame. step/fwd = worker time / model time. fps cap ${args.maxFramesPerSecond}.\n`);
  print(`model load (cold, fresh worker): ${main.coldLoadMs.toFixed(0)} ms ${p} (${path.basename(main.info.onnxFile)}), ${other.coldLoadMs.toFixed(0)} ms ${args.quantized ? 'fp32' : 'int8'}\n`);
  print(table(`${main.info.name} ${p}: grid`, CASE_HEADER, gridResults.map(caseRow)));
  print(table(`document size (hole ${TARGET.hole}, editor sends whole text; per step is bounded by the window)`, ['chars', ...CASE_HEADER], docResults.map((r) => [r.documentChars ?? 0, ...caseRow(r)])));
  print(table(`${main.info.name} ${args.quantized ? 'fp32' : 'int8'}: hole ${TARGET.hole}, window ${TARGET.window}`, CASE_HEADER, other.cases.map(caseRow)));
  if ('error' in precision) print(`int8 vs fp32: ${precision.error}\n`);
  else print(table('int8 vs fp32 (masked positions of real text)', ['length', 'windows', 'positions', 'fp32 fwd ms', 'int8 fwd ms', 'argmax agree'], [[precision.length, precision.windows, precision.maskedPositions, precision.fp32ForwardMs, precision.int8ForwardMs, (precision.argmaxAgreement * 100).toFixed(1) + '%']]));
  if (large) print(table(`vocabulary 50,257 (random weights, 4 layers d256) ${p}: cold load ${large.coldLoadMs.toFixed(0)} ms`, CASE_HEADER, large.cases.map(caseRow)));
  if (positions) print(table(`logits only at masked positions (bench/make_positions_head.py) ${p}: hole ${TARGET.hole}, window ${TARGET.window}`, CASE_HEADER, positions.cases.map(caseRow)));
  if (largePositions) print(table(`vocabulary 50,257, logits only at masked positions ${p}`, CASE_HEADER, largePositions.cases.map(caseRow)));
  print(table(`the sampler alone over recorded logits (best of 3): JavaScript ms per step, hole ${TARGET.hole}, window ${TARGET.window}, T ${steps}`, ['strategy', 'vocab', 'overhead ms/step', 'of which sampler'],
    replay.map((r) => [r.strategy, r.vocab, r.overheadMs, r.samplerMs])));
  if (torch) print(table(`ours (${p}) vs PyTorch reference loop (${torch && 'autocast' in torch && torch.autocast === 'bf16' ? 'bf16 autocast' : 'fp32: this CPU has no bf16 arithmetic'}), hole ${TARGET.hole}, window ${TARGET.window}, T ${steps}`, TORCH_HEADER, torchRows(oursDefault, torch)));
  if (torch && positions) print(table(`ours (${p}, logits at masked positions) vs PyTorch`, TORCH_HEADER, torchRows(positions.cases, torch)));
  if (torchLarge && large) print(table(`vocabulary 50,257: ours (${p}) vs PyTorch (T 16)`, TORCH_HEADER, torchRows(large.cases, torchLarge)));
  if (torchLarge && largePositions) print(table(`vocabulary 50,257: ours (${p}, logits at masked positions) vs PyTorch (T 16)`, TORCH_HEADER, torchRows(largePositions.cases, torchLarge)));
  print(table('memory (MB; the worker is a thread, so RSS is the process\'s)', ['host RSS before worker', 'process peak RSS', 'worker peak heap', 'worker peak ArrayBuffers', 'host heap'],
    [[memory.hostRssBeforeWorkerMB, memory.processPeakRssMB, memory.workerPeakHeapMB, memory.workerPeakArrayBuffersMB, memory.hostHeapMB]]));
  const targetRow = (name: string, t: ReturnType<typeof targetsFor>): Cell[] => [
    name, t.worstStepOverForward.toFixed(3), t.worstFirstFrameMs, Number.isFinite(t.slowestSpeedupOverTorch) ? t.slowestSpeedupOverTorch.toFixed(2) + 'x' : '-',
  ];
  print(table(`targets at hole ${TARGET.hole}, window ${TARGET.window}, T ${steps}, ${p}`, ['model', 'worst step/forward (<= 1.05)', 'worst first frame ms (<= 150)', 'slowest speed-up over PyTorch (>= 2)'],
    [targetRow('as shipped', targets.shipped), ...(targets.positions ? [targetRow('logits at masked positions', targets.positions)] : [])]));
  print(`bench took ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
