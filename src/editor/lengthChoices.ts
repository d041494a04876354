/**
 * Lengths offered in words a user decides by (Continue from Text…, the `prompt` length policy):
 * short, medium, long, each with its token count, or a number of tokens typed in. Pure: no `vscode`.
 */

export interface LengthChoice {
  label: string;
  description: string;
  tokens: number;
}

/** About 10–12 tokens make a line of code or prose with the shipped tokenizer. */
export const LENGTH_CHOICES: readonly LengthChoice[] = [
  { label: 'Short', description: 'about a line (16 tokens)', tokens: 16 },
  { label: 'Medium', description: 'a few lines (48 tokens)', tokens: 48 },
  { label: 'Long', description: 'about a dozen lines (128 tokens)', tokens: 128 },
];

/** A typed length: a whole number of tokens from 1 to 4096, else undefined. */
export function parseTokens(text: string): number | undefined {
  const v = text.trim();
  return /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 4096 ? Number(v) : undefined;
}
