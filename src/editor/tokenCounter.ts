/**
 * Counts a selection's tokens with the model's own tokenizer (the "selection" length policy), read
 * from the model folder on first use. Falls back to a character estimate if the tokenizer cannot be
 * read; the model load that follows reports the real problem. The tokenizer module is the worker's
 * own (src/protocol, shared on purpose): counting here needs no loaded model and no round trip, at
 * the price of one copy of @huggingface/tokenizers in dist/extension.js besides dist/worker.js's.
 */
import { readModelJson } from '../host/modelFiles';
import { TextTokenizer } from '../protocol/tokenizer';
import { estimateTokens, toLf } from './text';

/** Longer selections are estimated (about 15,000 tokens; no model window here is near that). */
const MAX_EXACT_CHARS = 50_000;

export class TokenCounter {
  private dir: string | undefined;
  private tokenizer: Promise<TextTokenizer | undefined> | undefined;

  async count(modelDir: string, text: string): Promise<{ tokens: number; exact: boolean }> {
    // Far past any model window, an estimate says "too long" just as well, without blocking the
    // extension host while a multi-megabyte selection is tokenized.
    if (text.length > MAX_EXACT_CHARS) return { tokens: estimateTokens(toLf(text)), exact: false };
    const tokenizer = await this.load(modelDir);
    if (!tokenizer) return { tokens: estimateTokens(toLf(text)), exact: false };
    return { tokens: Math.max(1, tokenizer.encode(toLf(text)).length), exact: true };
  }

  /** Read asynchronously and checked first: a model folder's tokenizer.json may be a FIFO or a device. */
  private load(modelDir: string): Promise<TextTokenizer | undefined> {
    if (this.dir === modelDir && this.tokenizer) return this.tokenizer;
    this.dir = modelDir;
    this.tokenizer = (async () => {
      try {
        const json = await readModelJson(modelDir, 'tokenizer.json');
        const config = (await readModelJson(modelDir, 'tokenizer_config.json')) ?? {};
        return json === undefined ? undefined : new TextTokenizer(json as object, config as object);
      } catch {
        return undefined;
      }
    })();
    return this.tokenizer;
  }
}
