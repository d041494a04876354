/**
 * Shows the sessions: draws each one's preview in every visible editor of its document, keeps the
 * context keys and the status bar in step, opens a progress notification for a slow run, and says
 * why a session ended. Reads the registry's events; never changes a session.
 */
import * as vscode from 'vscode';
import type { TokenView } from '../protocol/protocol';
import { failureMessage } from './errorText';
import { GhostText } from './ghostText';
import { PreviewRenderer } from './preview';
import { hintText } from './previewHint';
import type { Session } from './session';
import type { SessionRegistry } from './sessionRegistry';
import type { StatusBar } from './status';

export const PREVIEW_VISIBLE_KEY = 'diffusionInfill.previewVisible';
export const RUNNING_KEY = 'diffusionInfill.running';
/** A cursor of the active editor is in or at one of its session's holes: the only place the preview's keys act. */
export const CURSOR_AT_HOLE_KEY = 'diffusionInfill.cursorAtHole';

/** Runs that last longer than this get a notification with a Cancel button. */
const PROGRESS_DELAY_MS = 800;

const CLOSE_NOTES: Partial<Record<string, string>> = {
  edited: 'stopped: you edited inside the hole, nothing was written',
  typed: 'dismissed: you typed',
  left: 'dismissed: the cursor left',
  cancelled: 'cancelled',
  rejected: 'rejected',
  accepted: 'accepted',
};

type HoleTokens = readonly (readonly TokenView[])[];

export class SessionPresenter implements vscode.Disposable {
  private readonly preview = new PreviewRenderer();
  private readonly ghost = new GhostText();
  /** Tokens drawn instead of a ready session's result (the timeline's scrubbed step). */
  private readonly shownSteps = new WeakMap<Session, HoleTokens>();
  /** Sessions seen already (a new one may get a progress notification). */
  private readonly seen = new WeakSet<Session>();
  /** Whether the hint was last drawn for a cursor at the hole (redrawn when that changes). */
  private readonly drawnAtHole = new WeakMap<Session, boolean>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private progressShown = 0;
  private progressPending = 0;

  constructor(
    private readonly sessions: SessionRegistry,
    private readonly status: StatusBar,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(
      sessions.onDidChange((s) => this.changed(s)),
      vscode.window.onDidChangeVisibleTextEditors(() => sessions.all().forEach((s) => this.draw(s))),
      vscode.window.onDidChangeActiveTextEditor(() => this.updateContextKeys()),
      vscode.window.onDidChangeTextEditorSelection((e) => this.selectionChanged(e)),
      this.preview,
      this.ghost,
    );
  }

  /** Open progress notifications and live decoration types (leak checks). */
  resourceCounts(): { progressNotifications: number; progressPending: number; decorationTypes: number } {
    return { progressNotifications: this.progressShown, progressPending: this.progressPending, decorationTypes: this.preview.liveDecorationTypes };
  }

  /**
   * Draws `holes` (tokens per hole, e.g. a step scrubbed in the timeline) in place of the session's
   * result while it is on offer; undefined puts the result back. Dropped when the session runs again.
   */
  showStep(session: Session, holes: HoleTokens | undefined): void {
    if (holes && session.phase === 'ready') this.shownSteps.set(session, holes);
    else this.shownSteps.delete(session);
    this.draw(session);
  }

  /** What the preview draws for the document's session now, per hole (tests compare it with a step). */
  drawnTokens(document: vscode.TextDocument): HoleTokens | undefined {
    const session = this.sessions.get(document);
    return session && this.tokensToDraw(session);
  }

  private changed(session: Session): void {
    if (!this.seen.has(session)) {
      this.seen.add(session);
      if (session.running) this.showProgressIfSlow(session);
    }
    if (session.phase === 'closed') {
      this.clear(session);
      this.reportClose(session);
    } else if (this.sessions.get(session.document) === session) {
      this.draw(session);
      if (session.phase === 'running') {
        if (session.lastFrame) this.status.running(session.lastFrame.step, session.lastFrame.totalSteps);
        else this.status.starting();
      } else if (session.phase === 'ready' && session.result) {
        if (session.model) this.status.setModel(session.model);
        this.status.finished(session.result.steps, session.result.timings.totalMs);
        this.status.ready(session.candidateLabel, this.drawnAtHole.get(session) ?? true);
      }
    }
    this.updateContextKeys();
  }

  private showProgressIfSlow(session: Session): void {
    this.progressPending++;
    setTimeout(() => {
      this.progressPending--;
      if (!session.running) return;
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Diffusion Infill: ${session.label}`, cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => session.cancel());
          let reported = 0;
          this.progressShown++;
          const listener = this.sessions.onDidChange((s) => {
            if (s !== session || !s.lastFrame) return;
            const percent = (100 * s.lastFrame.step) / s.lastFrame.totalSteps;
            progress.report({ message: `step ${s.lastFrame.step}/${s.lastFrame.totalSteps}`, increment: percent - reported });
            reported = percent;
          });
          try {
            await session.whenIdle();
          } finally {
            listener.dispose();
            this.progressShown--;
          }
        },
      );
    }, PROGRESS_DELAY_MS);
  }

  private reportClose(session: Session): void {
    if (session.model) this.status.setModel(session.model);
    const note = CLOSE_NOTES[session.closeReason ?? ''];
    this.status.idle(note);
    if (session.closeReason === 'edited') {
      void vscode.window.showWarningMessage('Diffusion Infill stopped: you edited inside the hole. Nothing was written there.');
    } else if (session.closeReason === 'error' && session.error) {
      const message = failureMessage(session.error);
      void vscode.window.showErrorMessage(`Diffusion Infill: ${message}`, 'Show Log').then((choice) => {
        if (choice === 'Show Log') this.log.show(true);
      });
    }
  }

  private editorsOf(document: vscode.TextDocument): vscode.TextEditor[] {
    return vscode.window.visibleTextEditors.filter((e) => e.document === document);
  }

  private tokensToDraw(session: Session): HoleTokens {
    const step = session.phase === 'ready' ? this.shownSteps.get(session) : undefined;
    if (!step) this.shownSteps.delete(session);
    return session.holes.map((h, i) => step?.[i] ?? h.tokens);
  }

  private draw(session: Session): void {
    if (session.phase === 'closed') return;
    const tokens = this.tokensToDraw(session);
    const holes = session.holes.map((h, i) => ({ range: session.rangeOf(i), tokens: tokens[i], accepted: h.accepted }));
    const ghostHole = this.offerGhostText(session, holes);
    for (const editor of this.editorsOf(session.document)) {
      const atHole = session.cursorAt(editor);
      if (editor === vscode.window.activeTextEditor) {
        this.drawnAtHole.set(session, atHole);
        if (session.phase === 'ready') this.status.ready(session.candidateLabel, atHole);
      }
      const hint =
        session.phase === 'accepting'
          ? undefined
          : hintText({ phase: session.phase, step: session.lastFrame?.step, totalSteps: session.lastFrame?.totalSteps, candidate: session.candidateLabel, atHole });
      this.preview.render(editor, ghostHole === undefined ? holes : holes.map((h, i) => (i === ghostHole ? { ...h, tokens: [], accepted: '' } : h)), hint);
    }
  }

  /**
   * A finished text of several lines at a point hole under the cursor goes to the editor's inline
   * suggestion (drawn in its lines); returns that hole's index, whose decorations then stay empty.
   */
  private offerGhostText(session: Session, holes: readonly { range: vscode.Range; tokens: readonly TokenView[]; accepted: string }[]): number | undefined {
    const editor = vscode.window.activeTextEditor;
    const ready = session.phase === 'ready' && !this.shownSteps.has(session) && editor?.document === session.document && GhostText.enabled(session.document);
    const at = ready ? holes.findIndex((h) => h.range.isEmpty && editor.selection.isEmpty && h.range.start.isEqual(editor.selection.active)) : -1;
    const text = at >= 0 ? holes[at].accepted + holes[at].tokens.map((t) => t.text).join('') : '';
    if (!text.includes('\n')) {
      this.ghost.hide(session.document);
      return undefined;
    }
    this.ghost.show(session.document, holes[at].range.start, text);
    return at;
  }

  /** The text offered as an inline suggestion in the document, if any (tests). */
  ghostText(document: vscode.TextDocument): string | undefined {
    return this.ghost.shown(document);
  }

  /** The keys' context and the hint follow the cursor (at the hole, or parked away from it). */
  private selectionChanged(e: vscode.TextEditorSelectionChangeEvent): void {
    const session = this.sessions.get(e.textEditor.document);
    if (session && session.phase !== 'closed' && this.drawnAtHole.get(session) !== session.cursorAt(e.textEditor)) this.draw(session);
    if (e.textEditor === vscode.window.activeTextEditor) this.updateContextKeys();
  }

  private clear(session: Session): void {
    this.ghost.hide(session.document);
    for (const editor of this.editorsOf(session.document)) this.preview.clear(editor);
  }

  private updateContextKeys(): void {
    const session = this.sessions.active();
    void vscode.commands.executeCommand('setContext', PREVIEW_VISIBLE_KEY, session?.phase === 'ready');
    void vscode.commands.executeCommand('setContext', RUNNING_KEY, session?.phase === 'running');
    const editor = vscode.window.activeTextEditor;
    void vscode.commands.executeCommand('setContext', CURSOR_AT_HOLE_KEY, !!session && !!editor && session.phase !== 'closed' && session.cursorAt(editor));
  }

  dispose(): void {
    this.subscriptions.forEach((d) => d.dispose());
  }
}
