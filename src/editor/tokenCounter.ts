/**
 * Counts a selection's tokens with the model's own tokenizer (the "selection" length policy), read
 * from the model folder on first use. Falls back to a character estimate if the tokenizer cannot be
 * read; the model load that follows reports the real problem. The tokenizer module is the worker's
 * own (src/protocol, shared on purpose): counting here needs no loaded model and no round trip, at
 * the price of one copy of @huggingface/tokenizers in dist/extension.js besides dist/worker.js's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TextTokenizer } from '../protocol/tokenizer';
import { estimateTokens, toLf } from './text';

/** Longer selections are estimated (about 15,000 tokens; no model window here is near that). */
const MAX_EXACT_CHARS = 50_000;

export class TokenCounter {
  private dir: string | undefined;
  private tokenizer: TextTokenizer | undefined;

  count(modelDir: string, text: string): { tokens: number; exact: boolean } {
    // Far past any model window, an estimate says "too long" just as well, without blocking the
    // extension host while a multi-megabyte selection is tokenized.
    if (text.length > MAX_EXACT_CHARS) return { tokens: estimateTokens(toLf(text)), exact: false };
    const tokenizer = this.load(modelDir);
    if (!tokenizer) return { tokens: estimateTokens(toLf(text)), exact: false };
    return { tokens: Math.max(1, tokenizer.encode(toLf(text)).length), exact: true };
  }

  private load(modelDir: string): TextTokenizer | undefined {
    if (this.dir === modelDir) return this.tokenizer;
    this.dir = modelDir;
    this.tokenizer = undefined;
    try {
      const json = JSON.parse(fs.readFileSync(path.join(modelDir, 'tokenizer.json'), 'utf8'));
      const configFile = path.join(modelDir, 'tokenizer_config.json');
      const config = fs.existsSync(configFile) ? JSON.parse(fs.readFileSync(configFile, 'utf8')) : {};
      this.tokenizer = new TextTokenizer(json, config);
    } catch {
      this.tokenizer = undefined;
    }
    return this.tokenizer;
  }
}
