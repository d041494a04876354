// Fills the model card's CLI block (between the cli-results markers): held-out short-span exact
// match through the real sampler (dist/infill-quality.js) and ten infill examples from the CLI.
// Usage (from the repo root, after `npm run build`): node training/cli_results.mjs [MODEL_DIR]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

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
const prompts = [
  'def add(a, b):\n    [MASK:..8]\n',
  'import os\n\ndef read_text(path):\n    with open(path) as f:\n        return [MASK:..6]\n',
  'for i in range(10):\n    if i % 2 == 0:\n        [MASK:..8]\n',
  'class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, item):\n        [MASK:..10]\n',
  'interface Point {\n    x: number;\n    [MASK:..6]\n}\n',
  'function clamp(value: number, min: number, max: number): number {\n    return Math.min(max, [MASK:..6]);\n}\n',
  'interface Array<T> {\n    /** Returns the number of elements. */\n    [MASK:..8]\n}\n',
  'The [MASK:..4] module provides functions for working with paths.\n',
  'To install a package, run [MASK:..8] from the command line.\n',
  'try:\n    value = int(text)\nexcept [MASK:..4]:\n    value = 0\n',
];
const examples = prompts.map((text, i) => {
  const seed = 100 + i;
  const out = JSON.parse(execFileSync(process.execPath, ['dist/cli.js', '--model', modelDir, '--seed', String(seed), '--json', text], { encoding: 'utf8' }));
  return { text, seed, fill: out.samples[0].holes, sampler: out.sampler, steps: out.steps };
});

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
  END,
].join('\n');

const text = fs.readFileSync(card, 'utf8');
const start = text.indexOf(START);
const end = text.indexOf(END);
if (start < 0 || end < 0) throw new Error(`${card}: no cli-results markers`);
fs.writeFileSync(card, text.slice(0, start) + block + text.slice(end + END.length));
console.log(block);
