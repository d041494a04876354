/** What `activate()` returns: the hooks the integration tests use (no globals). */
import type * as vscode from 'vscode';
import type { InfillRequest, ModelInfo, TokenView } from '../protocol/protocol';
import type { WorkerClient } from '../host/client';
import type { Session } from './session';
import type { TimelineRun } from './timeline/model';
import type { StepPayload } from './timeline/payload';

/** Resources the extension holds, for the reliability tests' leak checks. */
export interface ResourceCounts {
  sessions: number;
  changeListeners: number;
  progressNotifications: number;
  /** Runs whose progress notification may still open (its delay has not run out). */
  progressPending: number;
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
  /** The text offered as the editor's inline suggestion in the document (a multi-line result at a point hole). */
  ghostText(document: vscode.TextDocument): string | undefined;
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
  /** Whether the panel exists (open in a tab, visible or not). */
  panelOpen(): boolean;
}
