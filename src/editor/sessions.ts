/**
 * At most one session per document: starts them (replacing an older one cleanly), feeds them
 * document edits, draws them in every visible editor of their document, ends them when their
 * editor closes, and keeps the context keys and the status bar in step.
 */
import * as vscode from 'vscode';
import type { InfillRequest, TokenView } from '../protocol/protocol';
import type { OffsetRange } from './holes';
import { PreviewRenderer } from './preview';
import { failureMessage } from './errorText';
import { Session, type SessionHost } from './session';
import type { StatusBar } from './status';

export const PREVIEW_VISIBLE_KEY = 'diffusionInfill.previewVisible';
export const RUNNING_KEY = 'diffusionInfill.running';

/** Runs that last longer than this get a notification with a Cancel button. */
const PROGRESS_DELAY_MS = 800;

const CLOSE_NOTES: Partial<Record<string, string>> = {
  edited: 'stopped: you edited inside the hole, nothing was written',
  cancelled: 'cancelled',
  rejected: 'rejected',
  accepted: 'accepted',
};

export class SessionManager implements vscode.Disposable {
  private readonly sessions = new Map<string, Session>();
  private readonly preview = new PreviewRenderer();
  /** Tokens drawn instead of a ready session's result (the timeline's scrubbed step). */
  private readonly overrides = new WeakMap<Session, readonly (readonly TokenView[])[]>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly onDidChangeEmitter = new vscode.EventEmitter<Session>();
  private changeListeners = 0;
  private progressShown = 0;
  /** Fires on every frame and state change of any session (tests wait on it). Subscriptions are counted (leak checks). */
  readonly onDidChange: vscode.Event<Session> = (listener, thisArgs, disposables) => {
    const inner = this.onDidChangeEmitter.event(listener, thisArgs);
    this.changeListeners++;
    let live = true;
    const counted = {
      dispose: () => {
        if (live) this.changeListeners--;
        live = false;
        inner.dispose();
      },
    };
    disposables?.push(counted);
    return counted;
  };

  constructor(
    private readonly host: Omit<SessionHost, 'changed'>,
    private readonly status: StatusBar,
  ) {
    this.subscriptions.push(
      vscode.workspace.onDidChangeTextDocument((e) => {
        const session = this.get(e.document);
        // Undo / redo after a partial accept takes back text the preview continues: end the preview.
        if (session && e.reason !== undefined && session.partialAccepts > 0 && session.phase === 'ready') session.reject();
        else session?.documentChanged(e.contentChanges);
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => this.get(doc)?.close('editor-closed')),
      vscode.window.tabGroups.onDidChangeTabs(() => this.closeSessionsWithoutTabs()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.sessions.forEach((s) => this.draw(s))),
      vscode.window.onDidChangeActiveTextEditor(() => this.updateContextKeys()),
      this.preview,
      this.onDidChangeEmitter,
    );
  }

  get(document: vscode.TextDocument): Session | undefined {
    return this.sessions.get(document.uri.toString());
  }

  /** The session of the active editor, if any. */
  active(): Session | undefined {
    const editor = vscode.window.activeTextEditor;
    return editor ? this.get(editor.document) : undefined;
  }

  all(): Session[] {
    return [...this.sessions.values()];
  }

  /** What is held now, for leak checks: sessions, event subscriptions, open progress notifications, decoration types. */
  resourceCounts(): { sessions: number; changeListeners: number; progressNotifications: number; decorationTypes: number } {
    return {
      sessions: this.sessions.size,
      changeListeners: this.changeListeners,
      progressNotifications: this.progressShown,
      decorationTypes: this.preview.liveDecorationTypes,
    };
  }

  /** Starts a run for holes in `document`; an older session there is closed first (nothing written). */
  start(document: vscode.TextDocument, ranges: readonly OffsetRange[], request: InfillRequest, label: string): Session {
    this.get(document)?.close('replaced');
    const session = new Session(document, ranges, request, label, { ...this.host, changed: (s) => this.changed(s) });
    this.sessions.set(document.uri.toString(), session);
    void session.run();
    this.showProgressIfSlow(session);
    return session;
  }

  private showProgressIfSlow(session: Session): void {
    setTimeout(() => {
      if (!session.running) return;
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Diffusion Infill: ${session.label}`, cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => session.cancel());
          let reported = 0;
          this.progressShown++;
          const listener = this.onDidChange((s) => {
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

  private changed(session: Session): void {
    const current = this.sessions.get(session.document.uri.toString()) === session;
    if (session.phase === 'closed') {
      if (current) this.sessions.delete(session.document.uri.toString());
      this.clear(session);
      this.reportClose(session);
    } else if (current) {
      this.draw(session);
      if (session.phase === 'running') {
        if (session.lastFrame) this.status.running(session.lastFrame.step, session.lastFrame.totalSteps);
        else this.status.loading();
      } else if (session.phase === 'ready' && session.result) {
        if (session.model) this.status.setModel(session.model);
        this.status.finished(session.result.steps, session.result.timings.totalMs);
        const label = session.candidateLabel;
        this.status.idle(`${label ? `candidate ${label} (Alt+] / Alt+[) · ` : ''}Tab accept · Esc reject`);
      }
    }
    this.updateContextKeys();
    this.onDidChangeEmitter.fire(session);
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
        if (choice === 'Show Log') this.host.log.show(true);
      });
    }
  }

  private editorsOf(document: vscode.TextDocument): vscode.TextEditor[] {
    return vscode.window.visibleTextEditors.filter((e) => e.document === document);
  }

  /**
   * Draws `holes` (tokens per hole, e.g. a step scrubbed in the timeline) in place of the session's
   * result while it is on offer; undefined puts the result back. Dropped when the session runs again.
   */
  showOverride(session: Session, holes: readonly (readonly TokenView[])[] | undefined): void {
    if (holes && session.phase === 'ready') this.overrides.set(session, holes);
    else this.overrides.delete(session);
    this.draw(session);
  }

  /** What the preview draws for the document's session now, per hole (tests compare it with a step). */
  drawnTokens(document: vscode.TextDocument): readonly (readonly TokenView[])[] | undefined {
    const session = this.get(document);
    return session && this.tokensToDraw(session);
  }

  private tokensToDraw(session: Session): readonly (readonly TokenView[])[] {
    const override = session.phase === 'ready' ? this.overrides.get(session) : undefined;
    if (!override) this.overrides.delete(session);
    return session.holes.map((h, i) => override?.[i] ?? h.tokens);
  }

  private draw(session: Session): void {
    if (session.phase === 'closed') return;
    const tokens = this.tokensToDraw(session);
    const holes = session.holes.map((_, i) => ({ range: session.rangeOf(i), tokens: tokens[i] }));
    for (const editor of this.editorsOf(session.document)) this.preview.render(editor, holes);
  }

  private clear(session: Session): void {
    for (const editor of this.editorsOf(session.document)) this.preview.clear(editor);
  }

  private closeSessionsWithoutTabs(): void {
    const open = new Set<string>();
    for (const group of vscode.window.tabGroups.all) {
      for (const tab of group.tabs) {
        if (tab.input instanceof vscode.TabInputText) open.add(tab.input.uri.toString());
        else if (tab.input instanceof vscode.TabInputTextDiff) open.add(tab.input.modified.toString());
        else if (tab.input instanceof vscode.TabInputNotebook) open.add(tab.input.uri.toString());
      }
    }
    // A notebook cell has no tab of its own: it is open while its notebook's tab is.
    const notebookOf = (doc: vscode.TextDocument) =>
      vscode.workspace.notebookDocuments.find((nb) => nb.getCells().some((c) => c.document === doc))?.uri.toString();
    for (const [key, session] of this.sessions) {
      if (!open.has(key) && !open.has(notebookOf(session.document) ?? '')) session.close('editor-closed');
    }
  }

  private updateContextKeys(): void {
    const session = this.active();
    void vscode.commands.executeCommand('setContext', PREVIEW_VISIBLE_KEY, session?.phase === 'ready');
    void vscode.commands.executeCommand('setContext', RUNNING_KEY, session?.phase === 'running');
  }

  dispose(): void {
    for (const session of this.sessions.values()) session.close('disposed');
    this.sessions.clear();
    this.subscriptions.forEach((d) => d.dispose());
  }
}
