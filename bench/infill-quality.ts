/**
 * Held-out infill exact match through the real sampler: each case of bench/data/heldout-infills.jsonl
 * (1-8 token spans cut from files the embedded model never saw, made by make-infill-set.mjs) is
 * filled with its exact token count and compared with the original text.
 * Usage: node dist/infill-quality.js [--model DIR] [--quantized] [--limit N] [--cases FILE] [--seed N] [--json] [CONFIG ...]
 * where CONFIG is strategy:steps[:topP[:temperature[:blockLength]]], e.g. `mdlm:32 remdm-loop:64:0.9
 * confidence-threshold:8 topk-confidence:16:1:1:2`.
 * `--presets` runs the editor's quality presets instead (src/core/presets.ts: the very settings the
 * extension sends, steps scaled by each case's token count); `--preset NAME[,NAME]` only those.
 * `--cases FILE` reads another set of the same form (e.g. one for tuning, so that the held-out set
 * stays for reporting).
 * `--hole MODE` says how the hole is given: `exact` (default: its true token count, the upper
 * bound), `search` or `bound` (as `[MASK]`, length unknown, at most `--max-tokens` (16): sized by
 * the length search, or sampled at the bound and ended at the first end token).
 * `--cuts user` moves the blanks (spaces, tabs) before the answer's first word into the left context:
 * the hole starts where a user's selection or `[MASK]` would (at `value` after `max, `), not at a
 * token boundary (the set is cut at token boundaries, so ` value` after `max,`). The token count is
 * the same: the blank was part of the word's token.
 * `--samples K` draws K samples per case in one run and scores the best-fitting one (the one the
 * editor offers first), next to the first drawn.
 * `--seed N` seeds case i with N + i (default 0): runs with different N show how far a figure moves
 * by chance alone.
 * `--context-bias X` overrides the model folder's context bias (src/core/contextBias.ts; 0: none).
 * `--per-case FILE` also writes one JSON line per infill (config, domain, case, exact, the lengths
 * tried, drafted and chosen, every sample's text and fit), for reading where a length search went
 * wrong or choosing again offline.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SamplerOptions, StrategyName } from '../src/core/types';
import { WorkerClient } from '../src/host/client';
import { bestFirst } from '../src/protocol/protocol';
import { findPreset, PRESETS } from '../src/core/presets';

interface Case { domain: string; length: number; left: string; answer: string; right: string }
interface Row { config: string; domain: string; cases: number; exact: number; msPerCase: number; meanLength?: number; costRatio?: number; firstDrawnExact?: number }

const root = path.join(__dirname, '..');
const args = process.argv.slice(2);
const fail = (message: string): never => {
  throw new Error(message);
};
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const modelDir = path.resolve(flag('--model') ?? path.join(root, 'models', 'mdlm-code-small'));
const limit = Number(flag('--limit') ?? Infinity);
const casesFile = path.resolve(flag('--cases') ?? path.join(root, 'bench', 'data', 'heldout-infills.jsonl'));
const json = args.includes('--json') ? (args.splice(args.indexOf('--json'), 1), true) : false;
const quantized = args.includes('--quantized') ? (args.splice(args.indexOf('--quantized'), 1), true) : false;
const holeMode = flag('--hole') ?? 'exact';
if (!['exact', 'search', 'bound'].includes(holeMode)) throw new Error(`--hole: expected exact, search or bound, got ${holeMode}`);
const maxTokens = Number(flag('--max-tokens') ?? 16);
const samples = Number(flag('--samples') ?? 1);
const perCaseFile = flag('--per-case');
const seed = Number(flag('--seed') ?? 0);
const biasFlag = flag('--context-bias');
const contextBias = biasFlag === undefined ? undefined : Number(biasFlag);
if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`--seed: expected a whole number >= 0, got ${seed}`);
const cuts = flag('--cuts') ?? 'tokens';
if (!['tokens', 'user'].includes(cuts)) throw new Error(`--cuts: expected tokens or user, got ${cuts}`);
const allPresets = args.includes('--presets') ? (args.splice(args.indexOf('--presets'), 1), true) : false;
const presetNames = flag('--preset')?.split(',') ?? (allPresets ? PRESETS.map((p) => p.name) : undefined);
const presets = presetNames?.map((name) => findPreset(name) ?? fail(`--preset: expected ${PRESETS.map((p) => p.name).join(', ')}, got ${name}`));
/** A row of the table: a name and the sampler it runs for a case of `tokens` tokens. */
const configs: { spec: string; sampler: (tokens: number) => SamplerOptions }[] = presets
  ? presets.map((p) => ({ spec: `preset ${p.name}`, sampler: p.sampler }))
  : (args.length ? args : ['mdlm:32', 'remdm-cap:32', 'remdm-loop:64:0.9']).map((spec) => {
      const [strategy, steps, topP, temperature, blockLength] = spec.split(':');
      const fixed: SamplerOptions = {
        strategy: strategy as StrategyName,
        steps: Number(steps ?? 32),
        topP: Number(topP ?? 1),
        temperature: Number(temperature ?? 1),
        ...(blockLength !== undefined ? { blockLength: Number(blockLength) } : {}),
      };
      return { spec, sampler: () => fixed };
    });

const cases: Case[] = fs
  .readFileSync(casesFile, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as Case)
  .map((c) => (cuts === 'user' ? userCut(c) : c));

/** The case as a user would cut it: the blanks before the answer's first word belong to the left context. */
function userCut(c: Case): Case {
  const blanks = /^[ \t]+(?=[^\s])/.exec(c.answer)?.[0] ?? '';
  return { ...c, left: c.left + blanks, answer: c.answer.slice(blanks.length) };
}
const byDomain = new Map<string, Case[]>();
for (const c of cases) byDomain.set(c.domain, [...(byDomain.get(c.domain) ?? []), c].slice(0, limit));

async function main() {
  const client = new WorkerClient(path.join(__dirname, 'worker.js'));
  const rows: Row[] = [];
  const perCase: string[] = [];
  /** The context bias the model was loaded with (the flag's, else its folder's). */
  let bias = 0;
  try {
    const info = await client.load({ modelDir, executionProvider: 'cpu', quantized, threads: 0, contextBias });
    bias = info.contextBias ?? 0;
    for (const { spec, sampler } of configs) {
      for (const [domain, list] of byDomain) {
        let exact = 0;
        let firstDrawn = 0;
        let chosen = 0;
        let totalMs = 0;
        let searchMs = 0;
        const started = performance.now();
        for (const [i, c] of list.entries()) {
          const segments = [
            { kind: 'text' as const, text: c.left },
            holeMode === 'exact' ? { kind: 'hole' as const, length: c.length } : { kind: 'hole' as const, length: maxTokens, upTo: true },
            { kind: 'text' as const, text: c.right },
          ];
          const tokens = holeMode === 'exact' ? c.length : maxTokens;
          const holeLength = holeMode === 'bound' ? ('bound' as const) : ('search' as const);
          const done = await client.infill({ segments, sampler: sampler(tokens), seed: seed + i, samples, maxFramesPerSecond: 1, holeLength }).result;
          const right = bestFirst(done.samples)[0].holes[0] === c.answer;
          if (right) exact++;
          if (done.samples[0].holes[0] === c.answer) firstDrawn++;
          if (perCaseFile) perCase.push(JSON.stringify({ config: spec, domain, case: i, length: c.length, exact: right, chosen: done.lengths?.[0]?.chosen, tried: done.lengths?.[0]?.tried, drafted: done.lengths?.[0]?.drafted, samples: done.samples }));
          chosen += done.lengths?.[0]?.chosen ?? tokens;
          totalMs += done.timings.totalMs;
          searchMs += done.timings.lengthSearchMs ?? 0;
        }
        rows.push({ config: spec, domain, cases: list.length, exact, msPerCase: (performance.now() - started) / list.length, meanLength: chosen / list.length, costRatio: totalMs / Math.max(1e-9, totalMs - searchMs), ...(samples > 1 ? { firstDrawnExact: firstDrawn } : {}) });
      }
    }
  } finally {
    await client.dispose();
  }
  if (perCaseFile) fs.writeFileSync(perCaseFile, perCase.join('\n') + '\n');
  if (json) {
    process.stdout.write(JSON.stringify({ modelDir, quantized, contextBias: bias, hole: holeMode, maxTokens, cuts, rows }, null, 2) + '\n');
    return;
  }
  console.log(`model ${modelDir}${quantized ? ' (int8)' : ''}${bias ? `; context bias ${bias}` : ''}${samples > 1 ? `; best fit of ${samples} samples` : ''}; hole ${holeMode === 'exact' ? 'of the exact length' : `[MASK] up to ${maxTokens}, ${holeMode}`}; cut at ${cuts === 'user' ? "a user's word boundaries" : 'token boundaries'}`);
  // The cost of the length search: the whole infill's time over its sampling at the chosen length.
  // With several samples, the first drawn (unranked) is scored too: the ranking's gain on the same samples.
  const first = samples > 1 ? ' first drawn |' : '';
  console.log(`| ${presets ? 'preset' : 'sampler:steps[:top-p]'} | domain | cases | exact match |${first} ms / infill | mean hole tokens | time / sampling at the chosen length |`);
  console.log(`|---|---|---|---|${first ? '---|' : ''}---|---|---|`);
  const pct = (n: number, r: Row) => `${((100 * n) / r.cases).toFixed(1)}%`;
  for (const r of rows) {
    const drawn = r.firstDrawnExact !== undefined ? ` ${pct(r.firstDrawnExact, r)} |` : '';
    console.log(`| ${r.config} | ${r.domain} | ${r.cases} | ${pct(r.exact, r)} |${drawn} ${r.msPerCase.toFixed(0)} | ${r.meanLength?.toFixed(1)} | ${r.costRatio?.toFixed(2)}x |`);
  }
}

main().catch((err) => {
  console.error(`infill-quality: ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
});
