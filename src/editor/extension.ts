/** The composition root: builds the context, registers the commands, returns the test API. */
import * as vscode from 'vscode';
import * as commands from './commands';
import * as candidateCommands from './candidateCommands';
import * as modeCommands from './modeCommands';
import type { DiffusionInfillApi } from './api';
import { Ctx } from './ctx';
import * as timelineCommands from './timeline/commands';

export type { DiffusionInfillApi, ResourceCounts, TimelineApi } from './api';

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
    showTimeline: timelineCommands.showTimeline,
    exportTimeline: timelineCommands.exportTimeline,
    compareTimeline: timelineCommands.compareTimeline,
    nextCandidate: candidateCommands.nextCandidate,
    previousCandidate: candidateCommands.previousCandidate,
    acceptWord: candidateCommands.acceptWord,
    acceptLine: candidateCommands.acceptLine,
    selectPreset: modeCommands.selectPreset,
    togglePause: modeCommands.togglePause,
  };
  for (const [name, factory] of Object.entries(factories)) {
    context.subscriptions.push(vscode.commands.registerCommand(`diffusionInfill.${name}`, modeCommands.guard(ctx, name, factory(ctx))));
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
    reliability: {
      resources: () => ({ ...ctx.sessions.resourceCounts(), workerThreads: ctx.client.liveThreads, pendingRequests: ctx.client.pendingCount }),
      client: ctx.client,
    },
    lastRequest: () => ctx.lastRequest,
    modeText: () => ctx.mode.text,
    timeline: {
      runs: () => ctx.timeline.recorder.list(),
      scrub: (step) => ctx.timeline.scrub(step),
      drawnTokens: (document) => ctx.sessions.drawnTokens(document),
      panelVisible: () => ctx.timeline.panelVisible,
      recordsEveryStep: () => ctx.timeline.recordsEveryStep,
    },
  };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
