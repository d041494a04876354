// Encode the corpus with the same tokenizer library the extension uses, into uint16 token files.
// Usage: node encode.mjs TOKENIZER_DIR DATA_DIR  (writes DATA_DIR/<split>/<domain>.u16, and
// DATA_DIR/manifest.json: corpus.py's sources.json with each source's token count)
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(path.resolve('../package.json'));
const tokenizersModule = await import(require.resolve('@huggingface/tokenizers'));
const Tokenizer = tokenizersModule.Tokenizer ?? tokenizersModule.default.Tokenizer;
const [tokDir, dataDir] = process.argv.slice(2);
const read = (f) => JSON.parse(fs.readFileSync(path.join(tokDir, f), 'utf8'));
const tokenizer = new Tokenizer(read('tokenizer.json'), read('tokenizer_config.json'));
const SEPARATOR = '<|endoftext|>';
const separatorId = tokenizer.token_to_id(SEPARATOR);

const docTokens = {}; // `${split}/${name}` -> tokens of each document, in order
for (const split of ['train', 'heldout', 'ood']) {
  for (const file of fs.readdirSync(path.join(dataDir, split)).filter((f) => f.endsWith('.txt'))) {
    const text = fs.readFileSync(path.join(dataDir, split, file), 'utf8');
    const ids = [];
    const perDoc = (docTokens[`${split}/${file.replace(/\.txt$/, '')}`] = []);
    let bytes = 0;
    for (const doc of text.split(SEPARATOR)) {
      const before = ids.length;
      // Encode line groups separately: the JS tokenizer is much faster on short inputs, and
      // byte-level BPE never merges across the newline boundary we split after.
      for (const chunk of doc.split(/(?<=\n)(?=\S)/)) {
        for (const id of tokenizer.encode(chunk, { add_special_tokens: false }).ids) ids.push(id);
      }
      ids.push(separatorId);
      perDoc.push(ids.length - before);
      bytes += Buffer.byteLength(doc, 'utf8');
    }
    const out = path.join(dataDir, split, file.replace(/\.txt$/, '.u16'));
    fs.writeFileSync(out, Buffer.from(Uint16Array.from(ids).buffer));
    fs.writeFileSync(out.replace(/\.u16$/, '.json'), JSON.stringify({ tokens: ids.length, bytes }));
    console.log(`${split}/${file}: ${ids.length} tokens, ${(bytes / ids.length).toFixed(2)} bytes/token`);
  }
}

// Attribute tokens to sources: corpus.py wrote each (split, domain) file's documents source by source.
const sources = JSON.parse(fs.readFileSync(path.join(dataDir, 'sources.json'), 'utf8'));
const cursor = {};
for (const source of sources) {
  const key = `${source.split}/${source.domain}`;
  const start = cursor[key] ?? 0;
  cursor[key] = start + source.files;
  source.tokens = (docTokens[key] ?? []).slice(start, start + source.files).reduce((a, b) => a + b, 0);
}
fs.writeFileSync(path.join(dataDir, 'manifest.json'), JSON.stringify(sources, null, 1) + '\n');
