/**
 * Commands on the shown preview: cycle through the candidates, accept its next word or line.
 * Factories as in commands.ts.
 */
import * as vscode from 'vscode';
import type { Cmd } from './commands';
import type { Ctx } from './ctx';
import { nextPart, type PartUnit } from './partialAccept';
import type { Session } from './session';

function readySession(ctx: Ctx, verb: string): Session | undefined {
  const session = ctx.sessions.active();
  if (!session) {
    ctx.status.note(`nothing to ${verb}`);
    return undefined;
  }
  if (session.phase !== 'ready') {
    ctx.status.note(`still forming: ${verb} when it is done`);
    return undefined;
  }
  return session;
}

function cycle(ctx: Ctx, delta: number): Cmd {
  return (): boolean => {
    const session = readySession(ctx, 'cycle');
    if (!session) return false;
    if (!session.showCandidate(delta)) {
      ctx.status.note('only one distinct candidate');
      return false;
    }
    return true;
  };
}

export function nextCandidate(ctx: Ctx): Cmd {
  return cycle(ctx, 1);
}

export function previousCandidate(ctx: Ctx): Cmd {
  return cycle(ctx, -1);
}

/**
 * Writes the next word / line of the shown candidate (of the first hole with text left) as one
 * edit; the rest stays in preview. With no text left anywhere, accepts as a whole.
 */
function acceptNext(ctx: Ctx, unit: PartUnit): Cmd {
  return async (): Promise<boolean> => {
    const session = readySession(ctx, 'accept');
    const editor = vscode.window.activeTextEditor;
    if (!session || !editor) return false;
    const texts = session.candidates[session.shown] ?? [];
    const i = texts.findIndex((t) => t.length > 0);
    if (i < 0) return session.accept(editor);
    const prefix = nextPart(texts[i], unit);
    const rest = texts[i].slice(prefix.length);
    const restTokens = rest === '' ? 0 : (await ctx.tokens.count(ctx.config.modelDir, rest)).tokens;
    return session.acceptPart(editor, i, prefix, restTokens);
  };
}

export function acceptWord(ctx: Ctx): Cmd {
  return acceptNext(ctx, 'word');
}

export function acceptLine(ctx: Ctx): Cmd {
  return acceptNext(ctx, 'line');
}
