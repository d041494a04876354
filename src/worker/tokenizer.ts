/**
 * The model's tokenizer (`@huggingface/tokenizers`), plus the per-token bytes that frames need to
 * draw tokens without ever splitting a UTF-8 character.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { byteLevelTokenBytes } from './byteLevel';

const utf8 = new TextEncoder();

function usesByteLevelDecoder(decoder: unknown): boolean {
  const d = decoder as { type?: string; decoders?: unknown[] } | null | undefined;
  if (!d) return false;
  if (d.type === 'ByteLevel') return true;
  return d.type === 'Sequence' && Array.isArray(d.decoders) && d.decoders.some(usesByteLevelDecoder);
}

export class TextTokenizer {
  private readonly tokenizer: Tokenizer;
  private readonly byteLevel: boolean;
  private readonly addedIds: Set<number>;
  private readonly bytesCache = new Map<number, Uint8Array>();
  /** One more than the largest id the tokenizer knows (vocabulary plus added tokens). */
  readonly vocabSize: number;

  constructor(tokenizerJson: object, tokenizerConfig: object) {
    this.tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
    this.byteLevel = usesByteLevelDecoder((tokenizerJson as { decoder?: unknown }).decoder);
    this.addedIds = new Set(this.tokenizer.get_added_tokens_decoder().keys());
    let maxId = -1;
    for (const id of this.tokenizer.get_vocab(true).values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
  }

  /** Exactly the text's tokens: special tokens only where the tokenizer's own post-processor adds them. */
  encode(text: string): number[] {
    return this.tokenizer.encode(text).ids;
  }

  decode(ids: ArrayLike<number>): string {
    return this.tokenizer.decode(Array.from(ids), { skip_special_tokens: false });
  }

  tokenId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }

  /** The UTF-8 bytes one token stands for (exact for byte-level BPE; its decoded text otherwise). */
  tokenBytes(id: number): Uint8Array {
    let bytes = this.bytesCache.get(id);
    if (bytes === undefined) {
      const token = this.tokenizer.id_to_token(id);
      if (this.byteLevel && token !== undefined && !this.addedIds.has(id)) bytes = byteLevelTokenBytes(token);
      bytes ??= utf8.encode(this.decode([id]));
      this.bytesCache.set(id, bytes);
    }
    return bytes;
  }
}
