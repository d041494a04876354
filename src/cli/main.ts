/**
 * `diffusion-infill`: the headless CLI. Goes through WorkerClient, the same path the editor uses.
 * Bad input is one line on stderr and a non-zero exit (2 for usage, 1 for everything else).
 */
import path from 'node:path';
import { DiffusionError, eolOf, parsePlaceholders, toEol, toLf, validateSamplerOptions } from '../core';
import { findPreset, tokensToFill } from '../core/presets';
import type { SamplerOptions, Segment } from '../core/types';
import { WorkerClient } from '../host/client';
import { bestFirst, type FrameMessage } from '../protocol/protocol';
import { parseArgs, USAGE, UsageError } from './args';
import { runConvert } from './convert';
import { guardStreams, OutputClosed, readStdin, writeOut } from './io';

/** The embedded model, next to the bundle's folder (dist/../models). */
const DEFAULT_MODEL_DIR = path.join(__dirname, '..', 'models', 'mdlm-code-small');
const WORKER_SCRIPT = path.join(__dirname, 'worker.js');

/** The text with each hole replaced by its fill, the fills in the text's own line endings. */
function fillText(segments: Segment[], holes: string[], eol: '\n' | '\r\n'): string {
  let h = 0;
  return segments.map((s) => (s.kind === 'text' ? s.text : toEol(holes[h++] ?? '', eol))).join('');
}

/** Core's option names as the flags that set them (a message names what the user typed). */
const FLAGS: Record<string, string> = {
  strategy: '--sampler',
  steps: '--steps',
  eta: '--eta',
  tOn: '--t-on',
  tOff: '--t-off',
  alphaOn: '--alpha-on',
  temperature: '--temperature',
  topP: '--top-p',
  topK: '--top-k',
};

function checkSamplerFlags(sampler: Partial<SamplerOptions>): void {
  try {
    validateSamplerOptions({ strategy: 'remdm-loop', ...sampler } as SamplerOptions);
  } catch (err) {
    const message = (err as Error).message.replace(/\b(steps|eta|tOn|tOff|alphaOn|temperature|topP|topK)\b/g, (name) => FLAGS[name]);
    if (message.startsWith('unknown strategy')) throw new UsageError(`${FLAGS.strategy}: ${message}`);
    throw new UsageError(message.replace(/^(--[a-z-]+) (must )?/, '$1: $2'));
  }
}

/** A core error caused by what the user typed (a placeholder, a sampler flag) is a usage error (exit 2). */
function asUsage<T>(what: () => T): T {
  try {
    return what();
  } catch (err) {
    if (err instanceof DiffusionError) throw new UsageError(err.message);
    throw err;
  }
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'convert') return runConvert(argv.slice(1));
  const opts = parseArgs(argv);
  if (opts.help) {
    await writeOut(USAGE);
    return 0;
  }
  checkSamplerFlags(opts.sampler);
  // With an instruction the answer's shape is TEXT's holes; without TEXT, one free-length hole.
  const text = opts.text ?? (opts.instruction !== undefined ? '[MASK]' : await readStdin());
  // The model reads LF; the output keeps the input's own line endings (context byte for byte).
  const segments = asUsage(() => parsePlaceholders(text, { defaultMaxTokens: opts.maxTokens }));
  if (!segments.some((s) => s.kind === 'hole')) throw new UsageError('TEXT: no holes: write [MASK], [MASK:n] or [MASK:..n] where text should be filled in');
  const eol = eolOf(text);
  const modelSegments = segments.map((s) => (s.kind === 'text' ? { ...s, text: toLf(s.text) } : s));

  const modelDir = path.resolve(opts.modelDir ?? DEFAULT_MODEL_DIR);
  // The editor's default: a preset for the tokens to fill (Balanced unless --preset), then the flags.
  const sampler: SamplerOptions = { ...findPreset(opts.preset)!.sampler(tokensToFill(segments)), ...opts.sampler };
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  const started = performance.now();
  const client = new WorkerClient(WORKER_SCRIPT);
  try {
    const model = await client.load({ modelDir, executionProvider: opts.provider, quantized: opts.quantized, threads: opts.threads, contextBias: opts.contextBias });
    if (model.providerNotice && !opts.json) process.stderr.write(`diffusion-infill: ${model.providerNotice}\n`);
    const frames: Omit<FrameMessage, 'type' | 'id'>[] = [];
    let hostLatencyMs = 0;
    const onFrame = (frame: FrameMessage) => {
      if (frame.sentAt !== undefined) hostLatencyMs += performance.timeOrigin + performance.now() - frame.sentAt;
      if (opts.trace) frames.push({ step: frame.step, totalSteps: frame.totalSteps, holes: frame.holes });
    };
    // Without --trace only the last frame matters; one a second keeps messaging out of the way.
    const request = { segments: modelSegments, sampler, seed, samples: opts.samples, maxFramesPerSecond: opts.trace ? 0 : 1, holeLength: opts.holeLength, instruction: opts.instruction };
    const done = await client.infill(request, onFrame).result;
    // Several samples come best fit first; `row` says which one the frames (--trace) show, row 0
    // (every sample of a ranked run has one, also one that could not be fitted: a hole deleted whole).
    const rows = done.samples.map((s, row) => ({ ...s, row }));
    const ranked = rows.some((s) => s.fit !== undefined);
    const samples = bestFirst(rows).map((s) => ({ text: fillText(segments, s.holes, eol), holes: s.holes.map((h) => toEol(h, eol)), ...(s.fit !== undefined ? { fit: s.fit } : {}), ...(ranked ? { row: s.row } : {}) }));
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
        ...(done.fullRowRetries !== undefined ? { fullRowRetries: done.fullRowRetries } : {}),
        timings: {
          loadMs: model.loadMs,
          ...done.timings,
          forwardMsPerCall: done.forwardCalls > 0 ? done.timings.forwardMs / done.forwardCalls : 0,
          frameLatencyMs: hostLatencyMs,
          wallMs: performance.now() - started,
        },
        ...(opts.trace ? { frames } : {}),
      };
      await writeOut(JSON.stringify(out) + '\n');
    } else {
      const printed = samples.map((s, i) => (samples.length > 1 ? `--- sample ${i + 1} ---${eol}` : '') + (s.text.endsWith('\n') ? s.text : s.text + eol));
      await writeOut(printed.join(''));
    }
    return 0;
  } finally {
    await client.dispose();
  }
}

guardStreams();
main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    if (err instanceof OutputClosed) return; // the reader has all it wanted (`| head`)
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    process.stderr.write(`diffusion-infill: ${message}\n`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
