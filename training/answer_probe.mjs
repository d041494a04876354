// How far the model is from the card's simple answers (issue 14): for each CLI example, the
// log-probability the model gives the intended answer in its best order (the answer's own tokens,
// the surest position committed first) beside that of what confidence decoding writes at the same
// length. A decoder can only write the answer once its log-probability is the higher; the sum
// moving up between stages is progress the exact examples do not show yet.
// The logits are the runtime's: raised by the model's context bias (config.json
// `diffusion_infill.context_bias`, or --context-bias X; src/core/contextBias.ts) as the sampler reads them.
// Usage: node training/answer_probe.mjs [MODEL_DIR] [--context-bias X] [--json] (one JSON object a line: the rows, then the sum)
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.resolve(here, '../package.json'));
const ort = require('onnxruntime-node');
const tokenizers = await import(require.resolve('@huggingface/tokenizers'));
const Tokenizer = tokenizers.Tokenizer ?? tokenizers.default.Tokenizer;

const args = process.argv.slice(2);
const json = args.includes('--json') ? (args.splice(args.indexOf('--json'), 1), true) : false;
const biasAt = args.indexOf('--context-bias');
const biasFlag = biasAt >= 0 ? Number(args.splice(biasAt, 2)[1]) : undefined;
const modelDir = args[0] ?? path.resolve(here, '../models/mdlm-code-small');
const read = (f) => JSON.parse(fs.readFileSync(path.join(modelDir, f), 'utf8'));
const config = read('config.json');
const tokenizer = new Tokenizer(read('tokenizer.json'), read('tokenizer_config.json'));
const session = await ort.InferenceSession.create(path.join(modelDir, 'onnx/model.onnx'), { intraOpNumThreads: 2 });
const vocab = config.vocab_size;
const maskId = config.mask_token_id;
const contextBias = biasFlag ?? config.diffusion_infill?.context_bias ?? 0;

// The runtime's classes (src/core/contextBias.ts) for a byte-level BPE: a token's text without one
// leading space ('Ġ'); special tokens (the mask and end tokens among them) are never raised.
const specials = new Set(tokenizer.get_added_tokens_decoder ? [...tokenizer.get_added_tokens_decoder().keys()] : []);
const classOf = new Map();
for (const [text, id] of Object.entries(read('tokenizer.json').model.vocab)) {
  const key = text.replace(/^Ġ/, '');
  if (!specials.has(id) && key !== '') classOf.set(id, key);
}
const members = new Map();
for (const [id, key] of classOf) members.set(key, [...(members.get(key) ?? []), id]);
/** The ids the canvas `ids` raises (its unmasked tokens' classes). */
const raisedBy = (ids) => new Set(ids.flatMap((id) => (classOf.has(id) ? members.get(classOf.get(id)) : [])));

/** Log-softmax of each row's logits at `positions`, the mask excluded. */
async function logProbs(ids, positions) {
  const raised = contextBias ? raisedBy(ids) : new Set();
  const feeds = { input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]) };
  // The embedded graph returns logits at the positions asked for only.
  if (session.inputNames.includes('logit_positions')) feeds.logit_positions = new ort.Tensor('int64', BigInt64Array.from(positions, BigInt), [1, positions.length]);
  const { logits } = await session.run(feeds);
  const row0 = (p, i) => (feeds.logit_positions ? i : p) * vocab;
  return new Map(positions.map((p, i) => {
    const row = Float64Array.from(logits.data.subarray(row0(p, i), row0(p, i) + vocab));
    for (const id of raised) row[id] += contextBias;
    row[maskId] = -Infinity;
    const max = Math.max(...row);
    const logSum = Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0)) + max;
    return [p, row.map((x) => x - logSum)];
  }));
}

/** Fills `positions` one a step, the surest first: with `answer`, its tokens; else each position's argmax. */
async function decode(ids, positions, answer) {
  const cur = ids.slice();
  const left = new Set(positions);
  let sum = 0;
  while (left.size > 0) {
    const lp = await logProbs(cur, [...left]);
    let pick, token, best = -Infinity;
    for (const p of left) {
      const row = lp.get(p);
      const t = answer ? answer.get(p) : row.indexOf(Math.max(...row));
      if (row[t] > best) [pick, token, best] = [p, t, row[t]];
    }
    sum += best;
    cur[pick] = token;
    left.delete(pick);
  }
  return { sum, ids: cur };
}

// The hole is the tokens of the text up to the answer's end that cover the answer's characters (a
// blank before the answer belongs to it, as the runtime's token healing has it); the text after
// the hole is tokenized on its own, as the runtime does.
const examples = JSON.parse(fs.readFileSync(path.join(here, 'cli-examples.json'), 'utf8'));
const print = (row, markdown) => console.log(json ? JSON.stringify(row) : markdown);
if (!json) console.log('| example | answer | tokens | log p(answer) | confidence decoding writes | its log p |\n|---|---|---|---|---|---|');
const encode = (t) => tokenizer.encode(t, { add_special_tokens: false }).ids;
let total = 0;
for (const [i, { text, answer }] of examples.entries()) {
  const start = text.indexOf('[MASK');
  const before = text.slice(0, start);
  const ids = [...encode(before + answer), ...encode(text.slice(text.indexOf(']', start) + 1))];
  let at = 0;
  const positions = [];
  ids.forEach((id, k) => {
    const end = at + tokenizer.decode([id]).length;
    if (end > before.length && at < before.length + answer.length) positions.push(k);
    at = end;
  });
  const masked = ids.map((id, k) => (positions.includes(k) ? maskId : id));
  const truth = await decode(masked, positions, new Map(positions.map((p) => [p, ids[p]])));
  const greedy = await decode(masked, positions);
  total += truth.sum;
  const written = tokenizer.decode(positions.map((p) => greedy.ids[p]));
  const row = { answer, hole: tokenizer.decode(positions.map((p) => ids[p])), tokens: positions.length, logp: truth.sum, written, writtenLogp: greedy.sum };
  const code = (t) => '`' + JSON.stringify(t).slice(1, -1) + '`';
  print(row, `| ${i + 1} | ${code(answer)} | ${row.tokens} | ${truth.sum.toFixed(2)} | ${code(written)} | ${greedy.sum.toFixed(2)} |`);
}
print({ sum: total }, `\nSum of log p(answer) over the ${examples.length} examples: ${total.toFixed(2)}`);
