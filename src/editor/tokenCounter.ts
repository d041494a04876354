/**
 * Counts a selection's tokens with the model's own tokenizer (the "selection" length policy), read
 * from the model folder on first use. Falls back to a character estimate if the tokenizer cannot be
 * read; the model load that follows reports the real problem.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TextTokenizer } from '../worker/tokenizer';
import { estimateTokens, toLf } from './text';

export class TokenCounter {
  private dir: string | undefined;
  private tokenizer: TextTokenizer | undefined;

  count(modelDir: string, text: string): { tokens: number; exact: boolean } {
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
