/**
 * The model's tokenizer (`@huggingface/tokenizers`), plus the per-token bytes that frames need to
 * draw tokens without ever splitting a UTF-8 character.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { byteLevelTokenBytes } from './byteLevel';

const utf8 = new TextEncoder();

/** Whether the tokenizer's decoder is (or has in its sequence) a decoder of this type. */
function usesDecoder(decoder: unknown, type: string): boolean {
  const d = decoder as { type?: string; decoders?: unknown[] } | null | undefined;
  if (!d) return false;
  if (d.type === type) return true;
  return d.type === 'Sequence' && Array.isArray(d.decoders) && d.decoders.some((inner) => usesDecoder(inner, type));
}

/** SentencePiece's byte-fallback tokens: `<0xE4>` is the byte 0xE4. */
const BYTE_FALLBACK_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;

/** `to.push(...from)` without spreading: a spread of ~100k+ ids overflows the call stack. */
function append(to: number[], from: readonly number[]): void {
  for (const id of from) to.push(id);
}

export class TextTokenizer {
  private readonly tokenizer: Tokenizer;
  private readonly byteLevel: boolean;
  private readonly byteFallback: boolean;
  private readonly addedIds: Set<number>;
  /** Added tokens marked special (end, padding, mask, BOS, [CLS], ...): never text of a hole. */
  readonly specialIds: readonly number[];
  private readonly bytesCache = new Map<number, Uint8Array>();
  /** Matches the text of any added (special) token, so user text that spells one stays text. */
  private readonly addedPattern: RegExp | undefined;
  /** Ids the tokenizer's own post-processor puts around a whole sequence (e.g. BERT's [CLS] … [SEP]). */
  readonly sequencePrefix: number[];
  readonly sequenceSuffix: number[];
  /** One more than the largest id the tokenizer knows (vocabulary plus added tokens). */
  readonly vocabSize: number;

  constructor(tokenizerJson: object, tokenizerConfig: object) {
    this.tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
    const decoder = (tokenizerJson as { decoder?: unknown }).decoder;
    this.byteLevel = usesDecoder(decoder, 'ByteLevel');
    this.byteFallback = usesDecoder(decoder, 'ByteFallback');
    const added = this.tokenizer.get_added_tokens_decoder();
    this.addedIds = new Set(added.keys());
    this.specialIds = [...added].filter(([, t]) => t.special).map(([id]) => id);
    const escaped = [...added.values()].map((t) => t.content.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).filter(Boolean);
    this.addedPattern = escaped.length ? new RegExp(escaped.join('|'), 'g') : undefined;
    [this.sequencePrefix, this.sequenceSuffix] = this.postProcessorSpecials();
    let maxId = -1;
    for (const id of this.tokenizer.get_vocab(true).values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
  }

  /**
   * The tokens of `text` taken literally: no post-processor specials (see sequencePrefix/Suffix),
   * and text that spells a special token (a literal "[MASK]" in a document) is encoded as ordinary
   * characters, never as that token.
   */
  encode(text: string): number[] {
    if (!this.addedPattern) return this.encodePlain(text);
    const ids: number[] = [];
    let last = 0;
    for (const match of text.matchAll(this.addedPattern)) {
      const at = match.index ?? 0;
      // Splitting after the first character keeps the tokenizer from matching the added token.
      for (const piece of [text.slice(last, at), match[0].slice(0, 1), match[0].slice(1)]) append(ids, this.encodePlain(piece));
      last = at + match[0].length;
    }
    append(ids, this.encodePlain(text.slice(last)));
    return ids;
  }

  /** The tokens of markup (a rendered chat template): special-token spellings are those tokens. */
  encodeMarkup(text: string): number[] {
    return this.encodePlain(text);
  }

  private encodePlain(text: string): number[] {
    return text ? this.tokenizer.encode(text, { add_special_tokens: false }).ids : [];
  }

  /** What the post-processor adds before and after a sequence, found by encoding a probe both ways. */
  private postProcessorSpecials(): [number[], number[]] {
    const probe = 'a';
    const plain = this.encodePlain(probe);
    const full = this.tokenizer.encode(probe).ids;
    for (let start = 0; start + plain.length <= full.length; start++) {
      if (plain.every((id, k) => full[start + k] === id)) return [full.slice(0, start), full.slice(start + plain.length)];
    }
    return [[], []];
  }

  decode(ids: ArrayLike<number>): string {
    return this.tokenizer.decode(Array.from(ids), { skip_special_tokens: false });
  }

  tokenId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }

  /**
   * The UTF-8 bytes one token stands for: exact for byte-level BPE and byte-fallback tokens, its
   * decoded text otherwise. `cache: false` for a pass over the whole vocabulary.
   */
  tokenBytes(id: number, cache = true): Uint8Array {
    let bytes = this.bytesCache.get(id);
    if (bytes === undefined) {
      const token = this.tokenizer.id_to_token(id);
      if (token !== undefined && !this.addedIds.has(id)) {
        if (this.byteLevel) bytes = byteLevelTokenBytes(token);
        const byte = this.byteFallback ? BYTE_FALLBACK_TOKEN.exec(token) : null;
        if (byte) bytes = Uint8Array.of(parseInt(byte[1], 16));
      }
      bytes ??= utf8.encode(this.decode([id]));
      if (cache) this.bytesCache.set(id, bytes);
    }
    return bytes;
  }

  /** Whether `id` is a token of this tokenizer (vocabularies can have unused ids). */
  hasToken(id: number): boolean {
    return this.tokenizer.id_to_token(id) !== undefined;
  }
}
