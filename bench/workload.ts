/**
 * Bench inputs: real code text around one hole, cut so the model sees `window` tokens (context
 * split evenly around the hole), or a document of a given size in characters.
 */
import fs from 'node:fs';
import path from 'node:path';
import { planSpans, type Segment } from '../src/core';
import type { TextTokenizer } from '../src/protocol/tokenizer';

/** The repository's own TypeScript: tracked, always present, code like the model was trained on. */
export function corpusText(repoRoot: string): string {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((x, y) => x.name.localeCompare(y.name))) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.ts')) files.push(p);
    }
  };
  walk(path.join(repoRoot, 'src'));
  return files.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
}

/** `text` repeated until it has at least `chars` characters, then cut there. */
export function textOfSize(text: string, chars: number): string {
  let out = text;
  while (out.length < chars) out += '\n' + text;
  return out.slice(0, chars);
}

export interface Workload {
  segments: Segment[];
  /** Tokens the model sees (after the worker's crop to its window). */
  length: number;
  /** The same input as ids, for the PyTorch loop: [length], holes hold the mask id. */
  ids: Int32Array;
  editable: Uint8Array;
}

export class WorkloadBuilder {
  private readonly tokens: number[];

  constructor(
    private readonly text: string,
    private readonly tokenizer: TextTokenizer,
    private readonly maskId: number,
    private readonly maxLength: number,
  ) {
    this.tokens = tokenizer.encode(text);
  }

  /** One hole with context on both sides, `window` tokens in all (up to a token of rounding). */
  forWindow(hole: number, window: number): Workload {
    const context = Math.max(0, window - hole);
    const left = Math.floor(context / 2);
    const right = context - left;
    const mid = Math.floor(this.tokens.length / 2);
    // A few spare tokens each side: decoding then re-encoding a slice can merge at its edges.
    const spare = window >= this.maxLength ? 32 : 0;
    const before = this.tokenizer.decode(this.tokens.slice(mid - left - spare, mid));
    const after = this.tokenizer.decode(this.tokens.slice(mid, mid + right + spare));
    return this.finish([{ kind: 'text', text: before }, { kind: 'hole', length: hole }, { kind: 'text', text: after }]);
  }

  /** One hole in the middle of a document of `chars` characters (the worker crops to its window). */
  forDocument(hole: number, chars: number): Workload {
    const doc = textOfSize(this.text, chars);
    const cut = Math.floor(doc.length / 2);
    return this.finish([{ kind: 'text', text: doc.slice(0, cut) }, { kind: 'hole', length: hole }, { kind: 'text', text: doc.slice(cut) }]);
  }

  private finish(segments: Segment[]): Workload {
    const plan = planSpans(segments, this.tokenizer, this.maskId, this.maxLength);
    return { segments, length: plan.ids.length, ids: plan.ids, editable: plan.editable };
  }
}
