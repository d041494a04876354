/** The composition root: builds the context, registers the commands, returns the test API. */
import * as vscode from 'vscode';
import * as commands from './commands';
import * as candidateCommands from './candidateCommands';
import * as modeCommands from './modeCommands';
import { Ctx } from './ctx';
import type { InfillRequest, ModelInfo, TokenView } from '../worker/protocol';
import * as timelineCommands from './timeline/commands';
import type { TimelineRun } from './timeline/model';
import type { StepPayload } from './timeline/payload';
import type { Session } from './session';
import type { WorkerClient } from '../worker/client';

/** Resources the extension holds, for the reliability tests' leak checks. */
export interface ResourceCounts {
  sessions: number;
  changeListeners: number;
  progressNotifications: number;
  decorationTypes: number;
  workerThreads: number;
  pendingRequests: number;
}

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
  /** Reliability tests: what the extension holds now (leak checks), and the worker client itself (fault and load tests). */
  reliability: {
    resources(): ResourceCounts;
    client: WorkerClient;
  };
  /** A copy of the last request the worker was sent. */
  lastRequest(): InfillRequest | undefined;
  /** The quality / pause status bar item's text. */
  modeText(): string;
  /** The refinement timeline: recorded runs, scrubbing as the panel does it, what the preview draws. */
  timeline: TimelineApi;
}

export interface TimelineApi {
  runs(): readonly TimelineRun[];
  /** What the panel's slider does: shows `step` of the shown run (inline when its result is on offer). */
  scrub(step: number): StepPayload | undefined;
  /** The tokens the preview draws for the document's session now, per hole. */
  drawnTokens(document: vscode.TextDocument): readonly (readonly TokenView[])[] | undefined;
  panelVisible(): boolean;
  recordsEveryStep(): boolean;
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
