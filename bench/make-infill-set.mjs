// Builds bench/data/heldout-infills.jsonl: short spans (1-8 tokens) cut from the held-out files of
// the embedded model's corpus (training/data/heldout, made by training/corpus.py), each with up to
// 192 tokens of context on each side. Span boundaries fall on whole characters.
// Usage: node bench/make-infill-set.mjs [PER_DOMAIN] [--out FILE]
//
// `--tuning` builds bench/data/tuning-infills.jsonl instead: the same kind of spans (another seed)
// from Python and TypeScript files of the training corpus that the shipped model never saw
// (training/data/train less training/data-stage1/train, both made by training/train.sh), so that a
// setting can be picked without looking at the held-out set. `--out FILE` writes elsewhere (e.g. a
// larger tuning set, `--tuning 400 --out bench/out/tuning-800.jsonl`, without replacing the committed one).
import fs from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';

const args = process.argv.slice(2);
const tuning = args.includes('--tuning');
const outAt = args.indexOf('--out');
const outFile = outAt >= 0 ? args.splice(outAt, 2)[1] : tuning ? 'bench/data/tuning-infills.jsonl' : 'bench/data/heldout-infills.jsonl';
const PER_DOMAIN = Number(args.filter((a) => a !== '--tuning')[0] ?? (tuning ? 150 : 100));
const CONTEXT = 192;
const modelDir = 'models/mdlm-code-small';
const read = (f) => JSON.parse(fs.readFileSync(`${modelDir}/${f}`, 'utf8'));
const tokenizer = new Tokenizer(read('tokenizer.json'), read('tokenizer_config.json'));

// A small deterministic generator (mulberry32) so the set is reproducible.
let state = tuning ? 777 : 20261129;
const random = () => {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const decode = (ids) => tokenizer.decode(ids, { skip_special_tokens: false });

const out = [];
/** A domain's documents: its held-out files, or (tuning) the first 300 training files that stage 1 did not have, shuffled. */
function documents(domain) {
  const read = (dir) => fs.readFileSync(`${dir}/${domain}.txt`, 'utf8').split('<|endoftext|>');
  if (!tuning) return read('training/data/heldout');
  const seen = new Set(read('training/data-stage1/train'));
  const unseen = read('training/data/train').filter((d) => !seen.has(d));
  for (let i = unseen.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [unseen[i], unseen[j]] = [unseen[j], unseen[i]];
  }
  return unseen.slice(0, 300);
}

for (const domain of tuning ? ['python', 'typescript'] : ['python', 'typescript', 'pydocs']) {
  const docs = documents(domain);
  const ids = docs.flatMap((d) => tokenizer.encode(d, { add_special_tokens: false }).ids);
  let made = 0;
  while (made < PER_DOMAIN) {
    const length = 1 + Math.floor(random() * 8);
    const start = CONTEXT + Math.floor(random() * (ids.length - 2 * CONTEXT - length));
    const answer = decode(ids.slice(start, start + length));
    const left = decode(ids.slice(start - CONTEXT, start));
    const right = decode(ids.slice(start + length, start + length + CONTEXT));
    // Skip spans that cut a character in two, or whose text re-tokenizes differently.
    if ([answer, left, right].some((s) => s.includes('\uFFFD'))) continue;
    if (tokenizer.encode(answer, { add_special_tokens: false }).ids.length !== length) continue;
    out.push({ domain, length, left, answer, right });
    made++;
  }
}
fs.writeFileSync(outFile, out.map((c) => JSON.stringify(c)).join('\n') + '\n');
console.log(`wrote ${out.length} cases`);
