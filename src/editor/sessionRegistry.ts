/**
 * The sessions: at most one per document. Starts them (replacing an older one cleanly), feeds them
 * document edits, ends them when their editor closes, and tells subscribers what changed: every
 * state change (`onDidChange`) and every run's frames and end (`onRunEvent`). Drawing them is the
 * presenter's job (sessionPresenter.ts).
 */
import * as vscode from 'vscode';
import type { InfillRequest } from '../protocol/protocol';
import type { CursorAway } from './config';
import type { OffsetRange } from './holes';
import { Session, type CloseReason, type RunEvent, type SessionHost } from './session';

/** The selection a run collapsed, to give back when the run ends without writing. */
interface SelectionRestore {
  editor: vscode.TextEditor;
  before: readonly vscode.Selection[];
  carets: readonly vscode.Selection[];
  version: number;
}
const RESTORING_REASONS = new Set<CloseReason>(['rejected', 'cancelled', 'error']);

/** An event whose subscriptions are counted (the reliability tests check none leak). */
function countedEvent<T>(emitter: vscode.EventEmitter<T>, count: (delta: number) => void): vscode.Event<T> {
  return (listener, thisArgs, disposables) => {
    const inner = emitter.event(listener, thisArgs);
    count(1);
    let live = true;
    const counted = {
      dispose: () => {
        if (live) count(-1);
        live = false;
        inner.dispose();
      },
    };
    disposables?.push(counted);
    return counted;
  };
}

export class SessionRegistry implements vscode.Disposable {
  private readonly sessions = new Map<string, Session>();
  private readonly restoreOnClose = new WeakMap<Session, SelectionRestore>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly onDidChangeEmitter = new vscode.EventEmitter<Session>();
  private readonly onRunEventEmitter = new vscode.EventEmitter<RunEvent>();
  private listeners = 0;
  /** Fires on every frame and state change of any session (tests wait on it). */
  readonly onDidChange = countedEvent(this.onDidChangeEmitter, (d) => (this.listeners += d));
  /** Fires as each run of any session draws a frame, finishes or stops. */
  readonly onRunEvent = countedEvent(this.onRunEventEmitter, (d) => (this.listeners += d));

  constructor(
    private readonly host: Omit<SessionHost, 'changed' | 'ran'>,
    private readonly cursorAway: () => CursorAway,
  ) {
    this.subscriptions.push(
      vscode.workspace.onDidChangeTextDocument((e) => this.get(e.document)?.documentChanged(e.contentChanges)),
      vscode.window.onDidChangeTextEditorSelection((e) => this.selectionChanged(e)),
      vscode.workspace.onDidCloseTextDocument((doc) => this.get(doc)?.close('editor-closed')),
      vscode.window.tabGroups.onDidChangeTabs(() => this.closeSessionsWithoutTabs()),
      this.onDidChangeEmitter,
      this.onRunEventEmitter,
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

  /** What is held now, for leak checks: sessions, and subscriptions to the events above. */
  resourceCounts(): { sessions: number; changeListeners: number } {
    return { sessions: this.sessions.size, changeListeners: this.listeners };
  }

  /** Starts a run for holes in `document`; an older session there is closed first (nothing written). */
  start(document: vscode.TextDocument, ranges: readonly OffsetRange[], request: InfillRequest, label: string): Session {
    this.get(document)?.close('replaced');
    const session = new Session(document, ranges, request, label, {
      ...this.host,
      changed: (s) => this.changed(s),
      ran: (e) => this.onRunEventEmitter.fire(e),
    });
    this.sessions.set(document.uri.toString(), session);
    const restore = this.collapseSelections(document, ranges);
    if (restore) this.restoreOnClose.set(session, restore);
    void session.run();
    return session;
  }

  /**
   * A selection over a hole would be replaced by the next key: each becomes a cursor at the start
   * of its hole (where the preview is drawn). With no selection at a hole (placeholders elsewhere),
   * the cursor goes to the first hole.
   */
  private collapseSelections(document: vscode.TextDocument, ranges: readonly OffsetRange[]): SelectionRestore | undefined {
    const editor = vscode.window.activeTextEditor;
    if (editor?.document !== document || ranges.length === 0) return undefined;
    const before = editor.selections;
    const offsets = editor.selections.map((s) => ({ start: document.offsetAt(s.start), end: document.offsetAt(s.end) }));
    const atSelection = ranges.filter((r) => offsets.some((s) => s.start <= r.end && s.end >= r.start));
    const carets = (atSelection.length > 0 ? atSelection : ranges.slice(0, 1)).map((r) => {
      const at = document.positionAt(r.start);
      return new vscode.Selection(at, at);
    });
    editor.selections = carets;
    editor.revealRange(carets[0], vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    return { editor, before, carets, version: document.version };
  }

  /**
   * A run that ends without writing (rejected, cancelled, failed) gives the user's selection back,
   * so the same command can run again; only if nothing moved the cursor or changed the document.
   */
  private restoreSelection(session: Session): void {
    const restore = this.restoreOnClose.get(session);
    this.restoreOnClose.delete(session);
    if (!restore || !RESTORING_REASONS.has(session.closeReason ?? 'accepted')) return;
    const { editor, before, carets, version } = restore;
    const unchanged = editor.document.version === version && editor.selections.length === carets.length &&
      editor.selections.every((s, i) => s.isEqual(carets[i]));
    if (unchanged && vscode.window.visibleTextEditors.includes(editor)) editor.selections = before;
  }

  /** With `preview.cursorAway: dismiss`, a cursor moved away from the holes dismisses the preview (nothing written). */
  private selectionChanged(e: vscode.TextEditorSelectionChangeEvent): void {
    const session = this.get(e.textEditor.document);
    if (!session || (session.phase !== 'running' && session.phase !== 'ready')) return;
    // kind undefined: VS Code moved the cursor itself (e.g. along with an edit), not the user.
    if (e.kind !== undefined && this.cursorAway() === 'dismiss' && !session.cursorAt(e.textEditor)) session.close('left');
  }

  private changed(session: Session): void {
    const key = session.document.uri.toString();
    if (session.phase === 'closed') this.restoreSelection(session);
    if (session.phase === 'closed' && this.sessions.get(key) === session) this.sessions.delete(key);
    this.onDidChangeEmitter.fire(session);
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

  dispose(): void {
    for (const session of this.sessions.values()) session.close('disposed');
    this.sessions.clear();
    this.subscriptions.forEach((d) => d.dispose());
  }
}
