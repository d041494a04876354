/** The composition root: builds the context, registers the commands, returns the test API. */
import * as vscode from 'vscode';
import * as commands from './commands';
import { Ctx } from './ctx';
import type { ModelInfo } from '../worker/protocol';
import type { Session } from './session';

/** What `activate()` returns: hooks for the integration tests (no globals). */
export interface DiffusionInfillApi {
  /** The current session of a document (running or showing a result). */
  session(document: vscode.TextDocument): Session | undefined;
  /** Resolves when the document's session stops running (ready, closed, or none). */
  waitForIdle(document: vscode.TextDocument): Promise<Session | undefined>;
  /** Fires on every frame and state change. */
  onDidChange: vscode.Event<Session>;
  ensureModel(): Promise<ModelInfo>;
  statusText(): string;
  /** Kills the worker thread as a crash would. */
  crashWorker(): Promise<void>;
}

export function activate(context: vscode.ExtensionContext): DiffusionInfillApi {
  const ctx = new Ctx(context);
  context.subscriptions.push(ctx);
  const factories: Record<string, (ctx: Ctx) => commands.Cmd> = {
    infillSelection: commands.infillSelection,
    infillPlaceholders: commands.infillPlaceholders,
    generate: commands.generate,
    refineSelection: commands.refineSelection,
    accept: commands.accept,
    reject: commands.reject,
    reroll: commands.reroll,
    cancel: commands.cancel,
    selectModel: commands.selectModel,
    showLog: commands.showLog,
  };
  for (const [name, factory] of Object.entries(factories)) {
    context.subscriptions.push(vscode.commands.registerCommand(`diffusionInfill.${name}`, factory(ctx)));
  }
  return {
    session: (document) => ctx.sessions.get(document),
    waitForIdle: async (document) => {
      const session = ctx.sessions.get(document);
      await session?.whenIdle();
      return session;
    },
    onDidChange: ctx.sessions.onDidChange,
    ensureModel: () => ctx.ensureModel(),
    statusText: () => ctx.status.text,
    crashWorker: () => ctx.client.terminateWorker(),
  };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
