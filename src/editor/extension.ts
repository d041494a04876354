/** The composition root: builds the context, registers the commands, returns the test API. */
import * as vscode from 'vscode';
import type { DiffusionInfillApi } from './api';
import { Ctx } from './ctx';
import { registerCommands } from './registerCommands';

export type { DiffusionInfillApi, ResourceCounts, TimelineApi } from './api';

export function activate(context: vscode.ExtensionContext): DiffusionInfillApi {
  const ctx = new Ctx(context);
  context.subscriptions.push(ctx);
  context.subscriptions.push(...registerCommands(ctx));
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
    reliability: {
      resources: () => ({ ...ctx.sessions.resourceCounts(), ...ctx.presenter.resourceCounts(), workerThreads: ctx.client.liveThreads, pendingRequests: ctx.client.pendingCount }),
      client: ctx.client,
    },
    lastRequest: () => ctx.lastRequest,
    ghostText: (document) => ctx.presenter.ghostText(document),
    modeText: () => ctx.mode.text,
    timeline: {
      runs: () => ctx.timeline.recorder.list(),
      scrub: (step) => ctx.timeline.scrub(step),
      drawnTokens: (document) => ctx.presenter.drawnTokens(document),
      panelVisible: () => ctx.timeline.panelVisible,
      panelOpen: () => ctx.timeline.panelOpen,
    },
  };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
