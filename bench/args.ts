/** `npm run bench -- [flags]`: what to measure. */
import os from 'node:os';

export const BENCH_STRATEGIES = ['mdlm', 'remdm-cap', 'remdm-loop', 'remdm-conf'] as const;
export type BenchStrategy = (typeof BENCH_STRATEGIES)[number];

export interface BenchArgs {
  quick: boolean;
  json: boolean;
  modelDir?: string;
  /** int8 weights (the extension's default) or fp32. */
  quantized: boolean;
  /** Intra-op threads for ONNX Runtime and for the PyTorch loop alike. */
  threads: number;
  maxFramesPerSecond: number;
  samples: number;
  seed: number;
  torch: boolean;
  largeVocab: boolean;
  /** Only these strategies (default: all four). */
  strategies: BenchStrategy[];
}

export const BENCH_USAGE = `npm run bench -- [--quick] [--json] [--fp32] [--threads N] [--fps N] [--samples N]
                    [--strategies a,b] [--no-torch] [--no-large-vocab] [--model DIR] [--seed N]
  --quick           reduced grid (hole 16/64, window 128/512, T 32, plus T 128 and the 1 MB document case)
  --json            one JSON object on stdout instead of the tables
  --fp32            the fp32 graph instead of int8 (model_quantized.onnx, the extension's default)
  --threads N       intra-op threads for ONNX Runtime and PyTorch (default: all ${os.availableParallelism()} CPUs)
  --fps N           frame throttle, as the editor's preview.maxFramesPerSecond (default 30; 0 = every frame)
  --no-torch        skip the PyTorch reference loop (bench/torch_remdm.py)
  --no-large-vocab  skip the 50k-vocabulary model (bench/make_large_vocab_model.py builds it)
`;

export function parseBenchArgs(argv: string[]): BenchArgs {
  const a: BenchArgs = {
    quick: false,
    json: false,
    quantized: true,
    threads: os.availableParallelism(),
    maxFramesPerSecond: 30,
    samples: 1,
    seed: 1234,
    torch: true,
    largeVocab: true,
    strategies: [...BENCH_STRATEGIES],
  };
  const num = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < 0) throw new Error(`${flag} needs a number >= 0`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    switch (flag) {
      case '--quick': a.quick = true; break;
      case '--json': a.json = true; break;
      case '--fp32': a.quantized = false; break;
      case '--no-torch': a.torch = false; break;
      case '--no-large-vocab': a.largeVocab = false; break;
      case '--threads': a.threads = num(flag, argv[++i]); break;
      case '--fps': a.maxFramesPerSecond = num(flag, argv[++i]); break;
      case '--samples': a.samples = Math.max(1, num(flag, argv[++i])); break;
      case '--seed': a.seed = num(flag, argv[++i]); break;
      case '--model': a.modelDir = argv[++i]; break;
      case '--strategies': {
        const list = (argv[++i] ?? '').split(',');
        const bad = list.filter((s) => !(BENCH_STRATEGIES as readonly string[]).includes(s));
        if (bad.length > 0) throw new Error(`unknown strategies ${bad.join(', ')}; expected ${BENCH_STRATEGIES.join(', ')}`);
        a.strategies = list as BenchStrategy[];
        break;
      }
      case '--help': case '-h':
        process.stdout.write(BENCH_USAGE);
        process.exit(0);
      // eslint-disable-next-line no-fallthrough
      default:
        throw new Error(`unknown flag ${flag}\n${BENCH_USAGE}`);
    }
  }
  return a;
}

export interface GridCase {
  strategy: BenchStrategy;
  hole: number;
  window: number;
  steps: number;
  /** Characters of text around the hole (the document size), when not just enough for the window. */
  documentChars?: number;
}

/** The full grid, or the quick one; a hole longer than the window is left out. */
export function benchGrid(a: BenchArgs): GridCase[] {
  const holes = a.quick ? [16, 64] : [16, 64, 256];
  const windows = [128, 512];
  const stepsList = a.quick ? [32] : [32, 128, 512];
  const cases: GridCase[] = [];
  for (const window of windows) {
    for (const hole of holes) {
      if (hole >= window) continue;
      for (const steps of stepsList) for (const strategy of a.strategies) cases.push({ strategy, hole, window, steps });
    }
  }
  if (a.quick) cases.push({ strategy: a.strategies[0], hole: 64, window: 512, steps: 128 });
  return cases;
}
