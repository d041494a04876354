/**
 * `diffusion-infill convert SRC OUT [--quantize none|int8|int4] [--dtype fp32|fp16]`: a Hugging Face
 * snapshot folder to a model folder, with no Python. Progress goes to stderr, the result to stdout.
 */
import { convertSnapshot, type Quantize, type StoreDtype } from '../convert/convert';
import { UsageError } from './args';

export const CONVERT_USAGE = `Usage: diffusion-infill convert SRC OUT [--quantize none|int8|int4] [--dtype fp32|fp16]

Converts a Hugging Face snapshot folder (as huggingface-cli download leaves it: config.json,
model.safetensors or model-0000N-of-0000M.safetensors + model.safetensors.index.json,
tokenizer.json, tokenizer_config.json) of a Dream, Dream-Coder, DiffuCoder, DreamOn,
Open-dCoder or LLaDA model into a model folder for --model. OUT must not exist yet.

Options:
  --quantize Q   none (default), int8 (DynamicQuantizeMatMul) or int4 (MatMulNBits, block 32)
  --dtype D      fp32 (default) or fp16 weight storage for --quantize none
  --json         print the result as one JSON object
`;

export interface ConvertArgs {
  help: boolean;
  src?: string;
  out?: string;
  quantize: Quantize;
  dtype: StoreDtype;
  json: boolean;
}

export function parseConvertArgs(argv: readonly string[]): ConvertArgs {
  const o: ConvertArgs = { help: false, quantize: 'none', dtype: 'fp32', json: false };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string | undefined => (eq > 0 ? arg.slice(eq + 1) : argv[++i]);
    if (flag === '--help' || flag === '-h') o.help = true;
    else if (flag === '--json') o.json = true;
    else if (flag === '--quantize') {
      const q = value();
      if (q !== 'none' && q !== 'int8' && q !== 'int4') throw new UsageError(`--quantize: expected none, int8 or int4, got '${q ?? ''}'`);
      o.quantize = q;
    } else if (flag === '--dtype') {
      const d = value();
      if (d !== 'fp32' && d !== 'fp16') throw new UsageError(`--dtype: expected fp32 or fp16, got '${d ?? ''}'`);
      o.dtype = d;
    } else if (arg.startsWith('-')) throw new UsageError(`convert: unknown option '${arg}' (see convert --help)`);
    else positional.push(arg);
  }
  if (o.help) return o;
  if (positional.length !== 2) throw new UsageError(`convert needs SRC and OUT folders, got ${positional.length} argument(s)`);
  [o.src, o.out] = positional;
  if (o.quantize !== 'none' && o.dtype !== 'fp32') throw new UsageError('--dtype applies to --quantize none only');
  return o;
}

export async function runConvert(argv: readonly string[]): Promise<number> {
  const args = parseConvertArgs(argv);
  if (args.help) {
    process.stdout.write(CONVERT_USAGE);
    return 0;
  }
  const started = performance.now();
  let lastPercent = -1;
  const result = await convertSnapshot(args.src as string, args.out as string, {
    quantize: args.quantize,
    dtype: args.dtype,
    onProgress: (p) => {
      const percent = Math.floor((100 * p.bytes) / Math.max(1, p.totalBytes));
      if (percent === lastPercent || args.json || !process.stderr.isTTY) return;
      lastPercent = percent;
      process.stderr.write(`\rconverting: ${percent}% (${p.tensors}/${p.totalTensors} tensors)`);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  if (args.json) {
    process.stdout.write(JSON.stringify({ ...result, seconds }) + '\n');
  } else {
    if (process.stderr.isTTY) process.stderr.write('\n');
    process.stdout.write(`${result.outDir}: ${result.family}, ${result.onnxFile.endsWith('_quantized.onnx') ? args.quantize : args.dtype}, window ${result.window}, mask ${result.maskId}${result.shiftLogits ? ', shifted logits' : ''} (${seconds.toFixed(1)} s)\n`);
  }
  return 0;
}
