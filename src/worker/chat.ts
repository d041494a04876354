/**
 * An instruction in the model's own chat format: the tokenizer's chat template (Jinja, rendered by
 * @huggingface/jinja) around one user message, then the assistant's turn, which the hole fills.
 */
import { Template } from '@huggingface/jinja';
import type { Segment } from '../core/types';
import { InfillError } from '../protocol/errors';
import type { ChatTemplateSource } from './modelFolder';

/**
 * Stands in for the message while the template renders, so the message can be put back as
 * literal text: a message that spells "<|im_end|>" must not end the turn.
 */
const SLOT = '\u0000message\u0000';

/** The special tokens templates refer to by name (`bos_token` before the first turn, in LLaDA's). */
function specialStrings(tokenizerConfig: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['bos_token', 'eos_token', 'pad_token', 'unk_token']) {
    const value = tokenizerConfig[name];
    const text = typeof value === 'string' ? value : (value as { content?: unknown } | null)?.content;
    if (typeof text === 'string') out[name] = text;
  }
  return out;
}

export class ChatFormat {
  /** Parsed on first use: a template this parser cannot read costs Generate, not the model's load. */
  private template: Template | undefined;

  constructor(
    private readonly source: ChatTemplateSource,
    private readonly specials: Record<string, string>,
  ) {}

  static of(source: ChatTemplateSource | undefined, tokenizerConfig: Record<string, unknown>): ChatFormat | undefined {
    return source && new ChatFormat(source, specialStrings(tokenizerConfig));
  }

  /** The segments before the answer: the template's markup with the instruction as literal text. */
  segments(instruction: string): Segment[] {
    let rendered: string;
    try {
      this.template ??= new Template(this.source.template);
      rendered = this.template.render({
        messages: [{ role: 'user', content: SLOT }],
        add_generation_prompt: true,
        ...this.specials,
      });
    } catch (err) {
      throw new InfillError('model-invalid', `${this.source.file}: the chat template failed: ${(err as Error).message}`);
    }
    const at = rendered.indexOf(SLOT);
    if (at < 0 || rendered.indexOf(SLOT, at + 1) >= 0) {
      throw new InfillError('model-invalid', `${this.source.file}: the chat template does not write the user's message exactly once`);
    }
    const pieces: Segment[] = [
      { kind: 'text', text: rendered.slice(0, at), markup: true },
      { kind: 'text', text: instruction },
      { kind: 'text', text: rendered.slice(at + SLOT.length), markup: true },
    ];
    return pieces.filter((s) => s.kind === 'text' && s.text !== '');
  }
}

/**
 * The segments a request is planned from: with an instruction (Generate on an instruct model), the
 * chat template's turn comes first and the document is not context.
 */
export function requestSegments(request: { segments: Segment[]; instruction?: string }, chat: ChatFormat | undefined, modelName: string): Segment[] {
  if (request.segments.some((s) => s.kind === 'text' && s.markup)) {
    throw new InfillError('bad-request', 'markup comes only from the model\'s chat template, never from the request');
  }
  if (request.instruction === undefined) return request.segments;
  if (typeof request.instruction !== 'string') throw new InfillError('bad-request', 'the instruction must be text');
  if (!chat) throw new InfillError('bad-request', `${modelName} has no chat template: it continues text and does not take instructions`);
  return [...chat.segments(request.instruction), ...request.segments];
}
