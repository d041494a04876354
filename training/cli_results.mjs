// Fills the model card's CLI block (between the cli-results markers): held-out short-span exact
// match through the real sampler (dist/infill-quality.js), ten infill examples from the CLI
// (training/cli-examples.json) and how far the model is from their answers (answer_probe.mjs).
// Usage (from the repo root, after `npm run build`): node training/cli_results.mjs [MODEL_DIR]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

const modelDir = process.argv[2] ?? 'models/mdlm-code-small';
const card = path.join(modelDir, 'README.md');
const START = '<!-- cli-results:start -->';
const END = '<!-- cli-results:end -->';

const qualityArgs = ['dist/infill-quality.js', '--model', modelDir, '--presets'];
const table = (args) => execFileSync(process.execPath, args, { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith('|'));
const quality = table(qualityArgs);
const userArgs = [...qualityArgs, '--cuts', 'user'];
const userQuality = table(userArgs);

// Holes written `[MASK:..n]`: at most n tokens, the model ends the text where it wants.
const prompts = JSON.parse(fs.readFileSync(path.join(here, 'cli-examples.json'), 'utf8')).map((e) => e.text);
const examples = prompts.map((text, i) => {
  const seed = 100 + i;
  const out = JSON.parse(execFileSync(process.execPath, ['dist/cli.js', '--model', modelDir, '--seed', String(seed), '--json', text], { encoding: 'utf8' }));
  return { text, seed, fill: out.samples[0].holes, sampler: out.sampler, steps: out.steps };
});

const probeArgs = ['training/answer_probe.mjs', modelDir];
const probe = execFileSync(process.execPath, probeArgs, { encoding: 'utf8' }).trimEnd().split('\n');

const fence = (s) => '```\n' + s.replace(/\n$/, '') + '\n```';
const block = [
  START,
  '### Exact match on held-out short-span infills through the real sampler',
  '',
  `Spans of 1-8 tokens cut from held-out files (\`bench/data/heldout-infills.jsonl\`, 100 per domain,`,
  'each with up to 192 tokens of context on both sides), filled with the exact token count by the',
  "editor's quality presets (the settings the extension sends); a case counts only if the generated",
  'text equals the original character for character.',
  `Command: \`npm run build && node ${qualityArgs.join(' ')}\``,
  '',
  ...quality,
  '',
  'The same cases with the hole where a user puts it: the blanks before the answer\'s first word',
  'belong to the left context (`    ` + `return a`, not `   ` + ` return a`; 133 of the 300 cases).',
  `Command: \`node ${userArgs.join(' ')}\``,
  '',
  ...userQuality,
  '',
  '### Ten infill examples from the CLI',
  '',
  `Command: \`node dist/cli.js --seed SEED 'TEXT'\` (the CLI's default sampler: the Balanced preset,`,
  `${examples[0].sampler}, ${examples[0].steps} steps).`,
  '',
  ...examples.flatMap((e) => [`**seed ${e.seed}**`, fence(e.text), `→ ${e.fill.map((f) => '`' + JSON.stringify(f).slice(1, -1) + '`').join(', ')}`, '']),
  '### How far the model is from the simple answers',
  '',
  "The examples' intended answers (`training/cli-examples.json`) at their own token count: the",
  'log-probability the model gives each in its best order, beside what confidence decoding writes',
  'there. A decoder writes the answer only where its log-probability is the higher.',
  `Command: \`node ${probeArgs.join(' ')}\``,
  '',
  ...probe,
  END,
].join('\n');

const text = fs.readFileSync(card, 'utf8');
const start = text.indexOf(START);
const end = text.indexOf(END);
if (start < 0 || end < 0) throw new Error(`${card}: no cli-results markers`);
fs.writeFileSync(card, text.slice(0, start) + block + text.slice(end + END.length));
console.log(block);
