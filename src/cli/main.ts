/**
 * `diffusion-infill`: the headless CLI. Goes through WorkerClient, the same path the editor uses.
 * Bad input is one line on stderr and a non-zero exit (2 for usage, 1 for everything else).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DiffusionError, parsePlaceholders } from '../core';
import { findPreset, tokensToFill } from '../core/presets';
import type { SamplerOptions, Segment } from '../core/types';
import { WorkerClient } from '../host/client';
import type { FrameMessage } from '../protocol/protocol';
import { parseArgs, USAGE, UsageError } from './args';
import { runConvert } from './convert';

/** The embedded model, next to the bundle's folder (dist/../models). */
const DEFAULT_MODEL_DIR = path.join(__dirname, '..', 'models', 'mdlm-code-small');
const WORKER_SCRIPT = path.join(__dirname, 'worker.js');

/** The text with each hole replaced by its fill. */
function fillText(segments: Segment[], holes: string[]): string {
  let h = 0;
  return segments.map((s) => (s.kind === 'text' ? s.text : holes[h++] ?? '')).join('');
}

/** The text's segments; a malformed placeholder is the user's to fix (exit 2). */
function placeholderSegments(text: string, maxTokens: number): Segment[] {
  try {
    return parsePlaceholders(text, { defaultMaxTokens: maxTokens });
  } catch (err) {
    if (err instanceof DiffusionError) throw new UsageError(err.message);
    throw err;
  }
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'convert') return runConvert(argv.slice(1));
  const opts = parseArgs(argv);
  if (opts.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (opts.text === undefined && process.stdin.isTTY) throw new UsageError('no TEXT given (pass it as an argument or on standard input)');
  const text = opts.text ?? fs.readFileSync(0, 'utf8');
  const segments = placeholderSegments(text, opts.maxTokens);
  if (!segments.some((s) => s.kind === 'hole')) throw new UsageError('the text has no holes: write [MASK], [MASK:n] or [MASK:..n] where text should be filled in');

  const modelDir = path.resolve(opts.modelDir ?? DEFAULT_MODEL_DIR);
  // The editor's default: a preset for the tokens to fill (Balanced unless --preset), then the flags.
  const sampler: SamplerOptions = { ...findPreset(opts.preset)!.sampler(tokensToFill(segments)), ...opts.sampler };
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  const started = performance.now();
  const client = new WorkerClient(WORKER_SCRIPT);
  try {
    const model = await client.load({ modelDir, executionProvider: opts.provider, quantized: opts.quantized, threads: opts.threads });
    if (model.providerNotice && !opts.json) process.stderr.write(`diffusion-infill: ${model.providerNotice}\n`);
    const frames: Omit<FrameMessage, 'type' | 'id'>[] = [];
    let hostLatencyMs = 0;
    const onFrame = (frame: FrameMessage) => {
      if (frame.sentAt !== undefined) hostLatencyMs += performance.timeOrigin + performance.now() - frame.sentAt;
      if (opts.trace) frames.push({ step: frame.step, totalSteps: frame.totalSteps, holes: frame.holes });
    };
    // Without --trace only the last frame matters; one a second keeps messaging out of the way.
    const request = { segments, sampler, seed, samples: opts.samples, maxFramesPerSecond: opts.trace ? 0 : 1, holeLength: opts.holeLength };
    const done = await client.infill(request, onFrame).result;
    const samples = done.samples.map((s) => ({ text: fillText(segments, s.holes), holes: s.holes }));
    if (opts.json) {
      const out = {
        model: model.name,
        modelDir: model.modelDir,
        onnxFile: model.onnxFile,
        executionProvider: model.executionProvider,
        ...(model.providerNotice ? { providerNotice: model.providerNotice } : {}),
        sampler: sampler.strategy,
        samplerOptions: sampler,
        seed,
        steps: done.steps,
        samples,
        ...(done.lengths ? { lengths: done.lengths } : {}),
        forwardCalls: done.forwardCalls,
        timings: {
          loadMs: model.loadMs,
          ...done.timings,
          forwardMsPerCall: done.forwardCalls > 0 ? done.timings.forwardMs / done.forwardCalls : 0,
          frameLatencyMs: hostLatencyMs,
          wallMs: performance.now() - started,
        },
        ...(opts.trace ? { frames } : {}),
      };
      process.stdout.write(JSON.stringify(out) + '\n');
    } else {
      samples.forEach((s, i) => {
        if (samples.length > 1) process.stdout.write(`--- sample ${i + 1} ---\n`);
        process.stdout.write(s.text.endsWith('\n') ? s.text : s.text + '\n');
      });
    }
    return 0;
  } finally {
    await client.dispose();
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    process.stderr.write(`diffusion-infill: ${message}\n`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
