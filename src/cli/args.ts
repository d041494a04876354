/** Command-line parsing for `diffusion-infill`: pure, so every flag and every error can be tested. */
import { appendAll } from '../core/arrays';
import { DEFAULT_HOLE_LENGTH } from '../core/placeholders';
import { DEFAULT_PRESET, PRESETS, type PresetName } from '../core/presets';
import type { SamplerOptions, StrategyName } from '../core/types';
import { CONTEXT_BIAS_RANGE, EXECUTION_PROVIDERS, isContextBias, MAX_CONTEXT_BIAS, MAX_SAMPLES, type ExecutionProviderSetting } from '../protocol/protocol';

export const USAGE = `Usage: diffusion-infill [options] [TEXT]
       diffusion-infill convert SRC OUT [--quantize none|int8|int4] [--dtype fp32|fp16]

Fills the holes in TEXT (or standard input) with a masked diffusion language model.
Holes are written [MASK:n] (exactly n tokens), [MASK:..n] (at most n) or [MASK] (at most
--max-tokens); \[MASK is a literal [MASK.

Options:
  --model DIR         model folder (default: the embedded mdlm-code-small)
  --preset NAME       ${PRESETS.map((p) => p.name).join(', ')}: the editor's quality presets (default
                      ${DEFAULT_PRESET}); the flags below change single fields of it
  --sampler NAME      mdlm, remdm-cap, remdm-rescale, remdm-conf, remdm-loop, forward-backward,
                      dfm, topk-confidence, confidence-threshold, beam
  --steps T           denoising steps
  --eta X             ReMDM eta (remasking budget)
  --t-on X, --t-off X, --alpha-on X
                      remdm-loop phase bounds and held alpha
  --top-p P           nucleus mass in (0, 1]
  --top-k K           keep the K most likely tokens (0 = off)
  --temperature X     logit temperature
  --seed N            random seed (default: random; printed with --json)
  --samples K         K independent samples in one batch, printed best fit first (default 1;
                      with beam: K beams, printed best first)
  --max-tokens N      bound for a [MASK] written without a length (default 16)
  --instruction TEXT  an instruct model (one with a chat template) answers TEXT; the answer
                      is the positional TEXT's holes (default: one [MASK])
  --hole-length M     how [MASK] and [MASK:..n] get their length: search (score a few
                      lengths first, default) or bound (sample at the bound); either way
                      the text ends at the model's first end token
  --provider P        ${EXECUTION_PROVIDERS.join(', ')} (default auto)
  --threads N         intra-op threads (default: the runtime's choice)
  --quantized         use onnx/model_quantized.onnx when present
  --context-bias X    what the context's tokens add to their logits, 0 to ${MAX_CONTEXT_BIAS}
                      (default: the model folder's config.json; 0 = none)
  --json              print one JSON object (texts, holes, timings)
  --trace             with --json: include every frame (of the first sample)
  --help              this text
`;

export interface CliOptions {
  help: boolean;
  modelDir?: string;
  /** The preset the sampler starts from (as the editor's default, Balanced, unless given). */
  preset: PresetName;
  /** Only the flags given: they override the preset's fields. */
  sampler: Partial<SamplerOptions>;
  seed?: number;
  samples: number;
  /** Bound for a bare `[MASK]`. */
  maxTokens: number;
  holeLength: 'search' | 'bound';
  provider: ExecutionProviderSetting;
  threads: number;
  quantized: boolean;
  /** Overrides the model folder's context bias. */
  contextBias?: number;
  json: boolean;
  trace: boolean;
  text?: string;
  /** For an instruct model: the user's message, put in the model's chat template. */
  instruction?: string;
}

export class UsageError extends Error {}

function number(flag: string, raw: string | undefined, integer: boolean): number {
  if (raw === undefined || raw.trim() === '') throw new UsageError(`${flag}: needs a value`);
  const value = Number(raw);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new UsageError(`${flag}: expected ${integer ? 'an integer' : 'a number'}, got '${raw}'`);
  }
  return value;
}

export function parseArgs(argv: readonly string[]): CliOptions {
  const o: CliOptions = { help: false, preset: DEFAULT_PRESET, sampler: {}, samples: 1, maxTokens: DEFAULT_HOLE_LENGTH, holeLength: 'search', provider: 'auto', threads: 0, quantized: false, json: false, trace: false };
  const texts: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    // --flag=value is accepted as well as --flag value.
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string | undefined => (eq > 0 ? arg.slice(eq + 1) : argv[++i]);
    switch (flag) {
      case '--help':
      case '-h':
        o.help = true;
        break;
      case '--model': {
        const dir = value();
        if (!dir) throw new UsageError('--model: needs a folder');
        o.modelDir = dir;
        break;
      }
      case '--preset': {
        const name = value();
        if (!PRESETS.some((p) => p.name === name)) throw new UsageError(`--preset: expected one of ${PRESETS.map((p) => p.name).join(', ')}, got '${name ?? ''}'`);
        o.preset = name as PresetName;
        break;
      }
      case '--sampler': {
        const name = value();
        if (!name) throw new UsageError('--sampler: needs a name');
        o.sampler.strategy = name as StrategyName; // checked by the sampler's own validation
        break;
      }
      case '--steps': o.sampler.steps = number(flag, value(), true); break;
      case '--eta': o.sampler.eta = number(flag, value(), false); break;
      case '--t-on': o.sampler.tOn = number(flag, value(), false); break;
      case '--t-off': o.sampler.tOff = number(flag, value(), false); break;
      case '--alpha-on': o.sampler.alphaOn = number(flag, value(), false); break;
      case '--top-p': o.sampler.topP = number(flag, value(), false); break;
      case '--top-k': o.sampler.topK = number(flag, value(), true); break;
      case '--temperature': o.sampler.temperature = number(flag, value(), false); break;
      case '--seed': {
        o.seed = number(flag, value(), true);
        if (!Number.isSafeInteger(o.seed)) throw new UsageError(`--seed: must be a whole number below 2^53, got ${o.seed}`);
        break;
      }
      case '--samples': {
        o.samples = number(flag, value(), true);
        if (o.samples < 1 || o.samples > MAX_SAMPLES) throw new UsageError(`--samples: must be from 1 to ${MAX_SAMPLES}, got ${o.samples}`);
        break;
      }
      case '--hole-length': {
        const mode = value();
        if (mode !== 'search' && mode !== 'bound') throw new UsageError(`--hole-length: expected search or bound, got '${mode ?? ''}'`);
        o.holeLength = mode;
        break;
      }
      case '--max-tokens': {
        o.maxTokens = number(flag, value(), true);
        if (o.maxTokens < 1) throw new UsageError(`--max-tokens: must be >= 1, got ${o.maxTokens}`);
        break;
      }
      case '--threads': {
        o.threads = number(flag, value(), true);
        if (o.threads < 0) throw new UsageError(`--threads: must be >= 0, got ${o.threads}`);
        break;
      }
      case '--context-bias': {
        o.contextBias = number(flag, value(), false);
        if (!isContextBias(o.contextBias)) throw new UsageError(`--context-bias: ${CONTEXT_BIAS_RANGE}, got ${o.contextBias}`);
        break;
      }
      case '--provider': {
        const p = value();
        if (!EXECUTION_PROVIDERS.includes(p as ExecutionProviderSetting)) throw new UsageError(`--provider: expected one of ${EXECUTION_PROVIDERS.join(', ')}, got '${p ?? ''}'`);
        o.provider = p as ExecutionProviderSetting;
        break;
      }
      case '--instruction': {
        const text = value();
        if (text === undefined || text.trim() === '') throw new UsageError('--instruction: needs the text of the instruction');
        o.instruction = text;
        break;
      }
      case '--quantized': o.quantized = true; break;
      case '--json': o.json = true; break;
      case '--trace': o.trace = true; break;
      case '--':
        appendAll(texts, argv.slice(i + 1));
        i = argv.length;
        break;
      default:
        if (arg.startsWith('-') && arg !== '-') throw new UsageError(`${arg}: unknown option (see --help)`);
        texts.push(arg);
    }
  }
  if (texts.length > 1) throw new UsageError(`TEXT: expected one argument, got ${texts.length} (quote the text)`);
  if (texts.length === 1 && texts[0] !== '-') o.text = texts[0];
  if (o.trace && !o.json) throw new UsageError('--trace: needs --json');
  return o;
}
