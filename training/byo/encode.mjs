#!/usr/bin/env node
// Encodes text with a model folder's tokenizer.json through @huggingface/tokenizers (the extension's
// tokenizer library) and prints {"ids": [...], "decoded": "..."} as JSON, so tests can check the files we write.
//   node training/byo/encode.mjs MODEL_DIR TEXT
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Tokenizer } = require('@huggingface/tokenizers');

const [dir, text] = process.argv.slice(2);
const read = (name) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
const tokenizer = new Tokenizer(read('tokenizer.json'), read('tokenizer_config.json'));
const { ids } = tokenizer.encode(text);
console.log(JSON.stringify({ ids, decoded: tokenizer.decode(ids) }));
