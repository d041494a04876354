/** Runs bench/torch_remdm.py (Debian's PyTorch) on the same input and reads its JSON. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchStrategy } from './args';
import { BENCH_SAMPLER } from './measure';

export const PYTHON = '/usr/bin/python3';

export interface TorchCaseResult {
  strategy: BenchStrategy;
  steps: number;
  length: number;
  forwardCalls: number;
  stepMs: number;
  forwardMs: number;
  samplerMs: number;
  stepOverForward: number;
}

export interface TorchRun {
  torch: string;
  threads: number;
  autocast: string;
  vocab: number;
  loadMs: number;
  results: TorchCaseResult[];
}

export interface TorchRequest {
  /** A training checkpoint, or a model folder (weights read from its fp32 graph). */
  checkpoint: string;
  ids: Int32Array;
  editable: Uint8Array;
  steps: number;
  strategies: BenchStrategy[];
  threads: number;
  seed: number;
  /** auto: bf16 where the CPU has bf16 arithmetic (as the reference runs), else fp32. */
  autocast: 'bf16' | 'none' | 'auto';
}

export function runTorch(script: string, req: TorchRequest): TorchRun {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'di-bench-')), 'request.json');
  fs.writeFileSync(file, JSON.stringify({ ...BENCH_SAMPLER, ...req, ids: Array.from(req.ids), editable: Array.from(req.editable) }));
  try {
    // The same CPU threads as ONNX Runtime: no extra OpenMP threads beyond what torch is told.
    const env = { ...process.env, OMP_NUM_THREADS: String(req.threads), MKL_NUM_THREADS: String(req.threads) };
    const r = spawnSync(PYTHON, [script, file], { encoding: 'utf8', env, maxBuffer: 16 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`${PYTHON} ${script} failed (${r.status}): ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join(' | ')}`);
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as TorchRun;
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}
