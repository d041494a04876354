/**
 * The one list of a model's end tokens: the ids that end a hole's text (core's textLength).
 * config.json `eos_token_id` / `pad_token_id` (a number or a list, as Hugging Face writes them) and
 * `end_token_ids` (written by `convert`: the family's end-of-turn tokens too),
 * and tokenizer_config.json `eos_token` / `pad_token` (a string or an added-token object) looked
 * up in the tokenizer. The mask token is never an end token, even where a model pads with it.
 */

/** Ids from a config.json field that is a number, a list of numbers, or absent/null. */
function idsOf(value: unknown): number[] {
  const list = Array.isArray(value) ? value : [value];
  return list.filter((v): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0);
}

/** A tokenizer_config.json token field: "text" or { "content": "text" }. */
function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const content = (value as { content?: unknown } | null | undefined)?.content;
  return typeof content === 'string' ? content : undefined;
}

// end_token_ids: what `convert` writes (end of text, padding and the family's end of turn).
export const END_TOKEN_CONFIG_FIELDS = ['eos_token_id', 'pad_token_id', 'end_token_ids'] as const;
export const END_TOKEN_TOKENIZER_FIELDS = ['eos_token', 'pad_token'] as const;

/**
 * The model's end token ids, ascending, without duplicates. Ids outside the tokenizer's vocabulary
 * (`vocabSize`) are ignored: they could never be drawn into text anyway.
 */
export function resolveEndTokenIds(
  config: Record<string, unknown>,
  tokenizerConfig: Record<string, unknown>,
  tokenId: (token: string) => number | undefined,
  maskId: number,
  vocabSize: number,
): number[] {
  const ids = new Set<number>();
  for (const field of END_TOKEN_CONFIG_FIELDS) for (const id of idsOf(config[field])) ids.add(id);
  for (const field of END_TOKEN_TOKENIZER_FIELDS) {
    const text = tokenText(tokenizerConfig[field]);
    const id = text !== undefined ? tokenId(text) : undefined;
    if (id !== undefined) ids.add(id);
  }
  ids.delete(maskId);
  return [...ids].filter((id) => id < vocabSize).sort((a, b) => a - b);
}
