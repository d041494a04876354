/**
 * Records every run's frames from the sessions' run events into the timeline, drives the panel,
 * and turns scrubbing into the editor's preview: a scrubbed step is drawn inline in place of the
 * result while the result is on offer; leaving the panel puts the final frame back.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { maxOf } from '../../core/arrays';
import type { TokenView } from '../../protocol/protocol';
import type { RunEvent, Session } from '../session';
import { frameAt, runTitle, type RunMeta, type TimelineRun, TimelineRecorder } from './model';
import { TimelinePanel } from './panel';
import { PALETTES, type Palette, type ThemeKind } from './palette';
import { gridPayload, stepPayload, type FromWebview, type StepPayload } from './payload';
import { timelinePicture } from './picture';
import { pictureToPng } from './png';
import { pictureToSvg } from './svg';

/** What the timeline reads from the session registry. */
export interface TimelineSessions {
  readonly onRunEvent: vscode.Event<RunEvent>;
  /** The document's current session, if any. */
  get(document: vscode.TextDocument): Session | undefined;
}

/** Where a scrubbed step is drawn: the sessions' presenter. */
export interface TimelinePreview {
  /** Draws `holes` instead of the session's own tokens while it shows a result; undefined: its own again. */
  showStep(session: Session, holes: readonly (readonly TokenView[])[] | undefined): void;
}

/** The panel is refreshed at most this often while a run streams frames. */
const PUSH_INTERVAL_MS = 120;
const RUNS_KEPT = 8;

export function themePalette(kind: vscode.ColorThemeKind): Palette {
  const byKind: Record<number, ThemeKind> = {
    [vscode.ColorThemeKind.Light]: 'light',
    [vscode.ColorThemeKind.Dark]: 'dark',
    [vscode.ColorThemeKind.HighContrast]: 'highContrast',
    [vscode.ColorThemeKind.HighContrastLight]: 'highContrastLight',
  };
  return PALETTES[byKind[kind] ?? 'dark'];
}

function metaOf(session: Session): RunMeta {
  const sampler = session.request.sampler;
  return {
    label: session.label,
    document: path.basename(session.document.uri.path),
    strategy: sampler.strategy,
    steps: sampler.steps,
    seed: session.request.seed,
    holeLengths: session.request.segments.flatMap((s) => (s.kind === 'hole' ? [s.length] : [])),
  };
}

export class TimelineController implements vscode.Disposable {
  readonly recorder = new TimelineRecorder(RUNS_KEPT);
  private panel: TimelinePanel | undefined;
  private readonly sessionOfRun = new Map<number, Session>();
  /** Runs shown: `a`, and `b` when comparing. Undefined `a`: follow the latest run. */
  private shownA: number | undefined;
  private shownB: number | undefined;
  /** The step last scrubbed to (0: none). */
  private step = 0;
  /** The session whose preview shows a scrubbed step. */
  private scrubbedSession: Session | undefined;
  private pushTimer: NodeJS.Timeout | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly sessions: TimelineSessions,
    private readonly preview: TimelinePreview,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(sessions.onRunEvent((e) => this.record(e)));
  }

  get panelOpen(): boolean {
    return this.panel !== undefined;
  }

  get panelVisible(): boolean {
    return this.panel?.visible ?? false;
  }

  /** A run is recorded from its first frame (a run that never drew one is not shown). */
  private record(event: RunEvent): void {
    if (event.kind === 'frame') {
      let run = this.recorder.byRequest(event.runId);
      if (!run) {
        run = this.recorder.begin(event.runId, metaOf(event.session));
        this.sessionOfRun.set(run.id, event.session);
        this.forgetDroppedRuns();
      }
      const { frame } = event;
      if (run.status === 'running') this.recorder.record(run, frame.step, frame.totalSteps, frame.holes, frame.lengths);
    } else {
      const run = this.recorder.byRequest(event.runId);
      if (run) event.kind === 'done' ? this.recorder.done(run, event.result.samples) : this.recorder.finish(run, 'stopped', event.reason);
    }
    if (this.scrubbedSession === event.session && event.kind !== 'done') this.scrubbedSession = undefined;
    this.schedulePush();
  }

  private forgetDroppedRuns(): void {
    for (const id of [...this.sessionOfRun.keys()]) if (!this.recorder.get(id)) this.sessionOfRun.delete(id);
  }

  /** The runs on show: [a] or [a, b]. */
  shownRuns(): TimelineRun[] {
    const a = (this.shownA !== undefined ? this.recorder.get(this.shownA) : undefined) ?? this.recorder.latest();
    const b = this.shownB !== undefined ? this.recorder.get(this.shownB) : undefined;
    if (!a) return [];
    return b && b !== a ? [a, b] : [a];
  }

  /** Opens (or reveals) the panel on a run: the given one, the active editor's, or the latest. */
  show(runId?: number, compareWith?: number): void {
    if (runId === undefined) {
      const editor = vscode.window.activeTextEditor;
      const session = editor && this.sessions.get(editor.document);
      const mine = session && [...this.sessionOfRun].filter(([, s]) => s === session).map(([id]) => id);
      runId = mine && mine.length > 0 ? maxOf(mine) : undefined;
    }
    // The latest run is followed: a reroll or a new run replaces it on screen.
    this.shownA = compareWith === undefined && runId === this.recorder.latest()?.id ? undefined : runId;
    this.shownB = compareWith;
    this.step = 0;
    this.returnToFinal();
    if (this.panel) {
      try {
        this.panel.reveal();
      } catch {
        this.panel = undefined; // closed a moment ago, its dispose event still on the way
      }
    }
    if (!this.panel) {
      const panel: TimelinePanel = new TimelinePanel(this.extensionUri, {
        message: (m) => this.onMessage(m),
        hidden: () => this.returnToFinal(),
        disposed: () => {
          if (this.panel === panel) this.panel = undefined;
        },
      });
      this.panel = panel;
    }
    this.push();
  }

  /** Shows two recorded runs side by side. */
  compare(a: number, b: number): void {
    this.show(a, b);
  }

  /** Handles a message from the page (also what tests call in its place). */
  onMessage(message: FromWebview): void {
    switch (message.type) {
      case 'ready':
        this.push();
        if (this.step > 0) this.scrub(this.step);
        break;
      case 'scrub':
        this.scrub(message.step);
        break;
      case 'select':
        this.returnToFinal();
        this.shownA = message.a;
        this.shownB = message.b ?? undefined;
        this.step = 0;
        this.push();
        break;
      case 'export':
        void this.exportPicture(undefined, message.format).catch((err: Error) => {
          this.log.error(`Timeline export failed: ${err.stack ?? err.message}`);
          void vscode.window.showErrorMessage(`Diffusion Infill: could not export the timeline: ${err.message}`);
        });
        break;
    }
  }

  /** Shows step `step` of the shown runs: inline in the editor when the run's result is on offer, always in the panel. */
  scrub(step: number): StepPayload | undefined {
    const runs = this.shownRuns();
    if (runs.length === 0) return undefined;
    const run = runs[0];
    const frame = frameAt(run, step);
    this.step = frame.step;
    const session = this.sessionOfRun.get(run.id);
    let note: string;
    if (!session) {
      note = 'This run is not in an editor any more: the step is shown here only.';
    } else if (this.sessions.get(session.document) !== session || session.phase === 'closed') {
      note = `The run's preview is closed (${session.closeReason ?? 'replaced'}): the step is shown here only.`;
    } else if (session.phase !== 'ready' || session.result?.id !== run.requestId) {
      note = session.phase === 'running' ? 'Still sampling: the editor shows the live preview.' : 'The editor shows a newer run of this document: the step is shown here only.';
    } else {
      if (this.scrubbedSession && this.scrubbedSession !== session) this.preview.showStep(this.scrubbedSession, undefined);
      this.scrubbedSession = session;
      this.preview.showStep(session, frame.holes);
      note = `Step ${frame.step} of ${run.frames.length} is shown inline in ${path.basename(session.document.uri.path)}; close or hide this panel to go back to the result.`;
    }
    const payload = stepPayload(runs, frame.step, note);
    this.panel?.post({ type: 'step', payload });
    return payload;
  }

  /** Puts the final frame back in the editor (leaving the panel). */
  returnToFinal(): void {
    const session = this.scrubbedSession;
    this.scrubbedSession = undefined;
    if (session) this.preview.showStep(session, undefined);
  }

  /**
   * Saves the picture of the shown runs (or the latest). `target`: a path or URI (tests); otherwise
   * a save dialog. The format follows the file's extension (.png, else SVG). Returns the file.
   */
  async exportPicture(target?: string | vscode.Uri, format?: 'svg' | 'png'): Promise<vscode.Uri | undefined> {
    const runs = this.shownRuns();
    if (runs.length === 0) {
      void vscode.window.showInformationMessage('Diffusion Infill: no run recorded yet. Run an infill command first.');
      return undefined;
    }
    let uri = typeof target === 'string' ? vscode.Uri.file(target) : target;
    if (!uri) {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      const name = `timeline-run-${runs.map((r) => r.id).join('-vs-')}.${format ?? 'svg'}`;
      uri = await vscode.window.showSaveDialog({
        title: 'Export Refinement Timeline',
        defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
        filters: format === 'png' ? { PNG: ['png'], SVG: ['svg'] } : { SVG: ['svg'], PNG: ['png'] },
      });
      if (!uri) return undefined;
    }
    const picture = timelinePicture(runs);
    const palette = themePalette(vscode.window.activeColorTheme.kind);
    const bytes = /\.png$/i.test(uri.path) ? pictureToPng(picture, palette) : Buffer.from(pictureToSvg(picture, palette), 'utf8');
    await vscode.workspace.fs.writeFile(uri, bytes);
    this.log.info(`Timeline of ${runs.map((r) => runTitle(r)).join(' vs ')} saved to ${uri.fsPath} (${bytes.length} bytes)`);
    return uri;
  }

  private schedulePush(): void {
    if (!this.panel || this.pushTimer) return;
    this.pushTimer = setTimeout(() => {
      this.pushTimer = undefined;
      this.push();
    }, PUSH_INTERVAL_MS);
  }

  private push(): void {
    if (!this.panel) return;
    const [a, b] = this.shownRuns();
    this.panel.post({
      type: 'runs',
      runs: this.recorder.list().map((r) => ({ id: r.id, title: runTitle(r) })),
      a: a && gridPayload(a),
      b: b && gridPayload(b),
    });
  }

  dispose(): void {
    if (this.pushTimer) clearTimeout(this.pushTimer);
    this.returnToFinal();
    this.panel?.dispose();
    this.subscriptions.forEach((d) => d.dispose());
  }
}
