// Train the embedded model's byte-level BPE tokenizer and write it as a Hugging Face tokenizer.json.
//
// npm `tokenizers` trains with its default trainer (about 30k tokens, no options exposed), so we
// keep its merges in order and rebuild a vocabulary of exactly VOCAB_SIZE: the separator, all 256
// byte symbols (so any text encodes), the first merges, and [MASK] as the last id.
// Usage: node tokenizer.mjs data/train OUT_DIR
import fs from 'node:fs';
import path from 'node:path';
import tokenizers from 'tokenizers';
const { BPE, Tokenizer, byteLevelPreTokenizer, byteLevelAlphabet } = tokenizers;

const VOCAB_SIZE = 8192;
const SEPARATOR = '<|endoftext|>';
const MASK = '[MASK]';

const [trainDir, outDir] = process.argv.slice(2);
const files = fs.readdirSync(trainDir).map((f) => path.join(trainDir, f));

const trainer = new Tokenizer(BPE.empty());
trainer.setPreTokenizer(byteLevelPreTokenizer(false, true));
trainer.addSpecialTokens([SEPARATOR]);
trainer.train(files);
const tmp = path.join(outDir, 'trained-full.json');
fs.mkdirSync(outDir, { recursive: true });
trainer.save(tmp, false);
const full = JSON.parse(fs.readFileSync(tmp, 'utf8'));
fs.rmSync(tmp);

const vocab = { [SEPARATOR]: 0 };
for (const symbol of byteLevelAlphabet().sort()) vocab[symbol] = Object.keys(vocab).length;
const merges = [];
for (const merge of full.model.merges) {
  const [a, b] = Array.isArray(merge) ? merge : merge.split(' ');
  if (Object.keys(vocab).length >= VOCAB_SIZE - 1) break;
  if (!(a in vocab) || !(b in vocab) || a + b in vocab) continue;
  vocab[a + b] = Object.keys(vocab).length;
  merges.push([a, b]);
}
const maskId = Object.keys(vocab).length;

const tokenizer = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [
    { id: 0, content: SEPARATOR, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    { id: maskId, content: MASK, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
  ],
  normalizer: null,
  pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
  post_processor: null,
  decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
  model: {
    type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
    fuse_unk: false, byte_fallback: false, ignore_merges: false,
    vocab: { ...vocab, [MASK]: maskId },
    merges,
  },
};
fs.writeFileSync(path.join(outDir, 'tokenizer.json'), JSON.stringify(tokenizer));
fs.writeFileSync(path.join(outDir, 'tokenizer_config.json'), JSON.stringify({
  tokenizer_class: 'PreTrainedTokenizerFast',
  model_max_length: 512,
  mask_token: MASK,
  eos_token: SEPARATOR,
  bos_token: null,
  pad_token: SEPARATOR,
  unk_token: null,
  clean_up_tokenization_spaces: false,
  add_prefix_space: false,
}, null, 2) + '\n');
console.log(`vocab ${maskId + 1} tokens (${merges.length} merges of ${full.model.merges.length}), [MASK] = ${maskId}`);
