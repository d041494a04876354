/**
 * One infill run and its preview in one document: the state machine that guarantees the user's
 * text is never lost.
 *
 *   running ──done──▶ ready ──accept──▶ accepting ──edit applied──▶ closed(accepted)
 *      │                │  └──reroll──▶ running          └─edit refused──▶ ready (or closed(edited))
 *      └── cancel / reject / edit inside a hole / error / editor closed / replaced ──▶ closed
 *
 * The document is written in exactly one place, `writeHoles()` (called by `accept()` only), with
 * one edit for all holes, and only after checking every hole still holds its original text. Every
 * other way out only clears decorations. A partial accept (next word / line) writes nothing either:
 * it moves text from the preview into the hole's accepted part, drawn as accepted, so Reject still
 * leaves the original and the final accept is one undo step. Hole ranges are document offsets moved
 * along with each edit outside them; an edit that touches a hole closes the session, so nothing is
 * ever written over what the user typed.
 */
import * as vscode from 'vscode';
import { appendAll } from '../core/arrays';
import { TokenState } from '../core/types';
import type { DoneMessage, FrameMessage, InfillRequest, ModelInfo, TokenView } from '../protocol/protocol';
import type { InfillHandle } from '../host/client';
import { moveThroughChanges, type OffsetRange, type TextChange } from './holes';
import { toEol } from './text';
import { logText } from './errorText';
import { candidateLabel, cycleIndex, uniqueCandidates, type Candidate } from './candidates';
import { candidatesAfterPartial, requestAfterPartial } from './partialAccept';

export type Phase = 'running' | 'ready' | 'accepting' | 'closed';
export type CloseReason = 'accepted' | 'rejected' | 'typed' | 'left' | 'cancelled' | 'edited' | 'error' | 'replaced' | 'editor-closed' | 'disposed';

export interface SessionHole {
  range: OffsetRange;
  /** The document text the hole covered when the run started (exact, document line endings). */
  original: string;
  /** Tokens to draw: the last frame, or all masks before the first one. */
  tokens: TokenView[];
  /** Text taken by partial accepts (LF line breaks): written before the shown rest on accept. */
  accepted: string;
  /** Every word of it was accepted: no longer part of the request, nothing left to sample. */
  complete: boolean;
}

/**
 * What happens to one run of a session (its first, or a reroll), named by the worker's request id:
 * frames while it samples, then `done`, or `stopped` (rerolled, cancelled, closed, failed). The
 * timeline records runs from these.
 */
export type RunEvent =
  | { kind: 'frame'; session: Session; runId: number; frame: FrameMessage }
  | { kind: 'done'; session: Session; runId: number; result: DoneMessage }
  | { kind: 'stopped'; session: Session; runId: number; reason: string };

/** The text one hole is replaced with on accept. */
interface HoleEdit {
  range: vscode.Range;
  text: string;
}

/** What a session needs from the outside world. */
export interface SessionHost {
  ensureModel(): Promise<ModelInfo>;
  infill(request: InfillRequest, onFrame: (frame: FrameMessage) => void): InfillHandle;
  cancel(id: number): void;
  /** Its state changed (phase, tokens, ranges, candidates): redraw, context keys, status bar. */
  changed(session: Session): void;
  /** One of its runs moved on. */
  ran(event: RunEvent): void;
  log: vscode.LogOutputChannel;
}

/** An error whose message is meant for the user as is. */
export class UserFacingError extends Error {
  override name = 'UserFacingError';
}

function maskedTokens(count: number): TokenView[] {
  return Array.from({ length: count }, () => ({ text: '', state: TokenState.Masked, confidence: 0 }));
}

export function randomSeed(): number {
  return Math.floor(Math.random() * 0x7fffffff);
}

export class Session {
  phase: Phase = 'running';
  closeReason: CloseReason | undefined;
  /** Why the session closed with an error (for the message and for tests). */
  error: Error | undefined;
  lastFrame: FrameMessage | undefined;
  framesSeen = 0;
  /** When a frame was last drawn (the preview's frame-rate cap). */
  private lastDrawnAt = -Infinity;
  result: DoneMessage | undefined;
  model: ModelInfo | undefined;
  /** The distinct samples of the last run (each: every hole's text) and the one shown; Accept writes that one. */
  candidates: Candidate[] = [];
  shown = 0;
  /** Partial accepts taken so far (held in the holes' `accepted` until the final accept). */
  partialAccepts = 0;
  readonly holes: SessionHole[];
  private runId: number | undefined;
  /** Bumped whenever a run starts or is stopped: a run whose generation is stale gives up silently. */
  private generation = 0;
  /** Changes seen while our own edit is in flight: replayed if that edit is refused. */
  private changesDuringAccept: TextChange[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(
    readonly document: vscode.TextDocument,
    ranges: readonly OffsetRange[],
    readonly request: InfillRequest,
    readonly label: string,
    private readonly host: SessionHost,
  ) {
    this.holes = ranges.map((range, i) => ({
      range: { ...range },
      original: document.getText(new vscode.Range(document.positionAt(range.start), document.positionAt(range.end))),
      tokens: maskedTokens(this.holeLength(i)),
      accepted: '',
      complete: false,
    }));
  }

  get running(): boolean {
    return this.phase === 'running';
  }

  /** Resolves once the session is not running (ready or closed). */
  whenIdle(): Promise<void> {
    if (this.phase !== 'running') return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Whether a cursor of `editor` is in or at one of the holes: the only place the preview's keys act. */
  cursorAt(editor: vscode.TextEditor): boolean {
    if (editor.document !== this.document) return false;
    const carets = editor.selections.map((s) => this.document.offsetAt(s.active));
    return this.holes.some((h) => carets.some((c) => c >= h.range.start && c <= h.range.end));
  }

  /** The holes still sampled, in request order (a completely accepted hole is not). */
  private liveHoles(): SessionHole[] {
    return this.holes.filter((h) => !h.complete);
  }

  /** The document range of hole `i`, now. */
  rangeOf(i: number): vscode.Range {
    const r = this.holes[i].range;
    return new vscode.Range(this.document.positionAt(r.start), this.document.positionAt(r.end));
  }

  /** Runs the request (again); ends in `ready` or `closed`. Never throws. */
  async run(): Promise<void> {
    const generation = ++this.generation;
    const stale = () => this.phase !== 'running' || this.generation !== generation;
    this.phase = 'running';
    this.result = undefined;
    this.lastDrawnAt = -Infinity;
    this.host.changed(this);
    const started = Date.now();
    try {
      const model = await this.host.ensureModel();
      if (stale()) return;
      this.model = model;
      // How long a hole may be is the worker's to say (window, tokenizer specials): a bound is capped
      // there, an exact length too long comes back as hole-too-long.
      this.host.log.info(`[${this.label}] run: ${this.holes.length} hole(s) of ${this.request.segments.filter((s) => s.kind === 'hole').map((s) => (s.kind === 'hole' ? s.length : 0)).join(', ')} tokens; sampler ${JSON.stringify(this.request.sampler)}; seed ${this.request.seed}${this.request.strength !== undefined ? `; strength ${this.request.strength}` : ''}`);
      const handle = this.host.infill(this.request, (frame) => this.onFrame(frame));
      this.runId = handle.id;
      const done = await handle.result;
      if (stale()) return;
      this.result = done;
      // Samples cover the live holes; a completely accepted hole has no rest left.
      const live = this.liveHoles();
      this.candidates = uniqueCandidates(done.samples).map((c) => this.holes.map((h) => (h.complete ? '' : c[live.indexOf(h)] ?? '')));
      this.shown = 0;
      this.showTexts();
      this.runId = undefined;
      this.phase = 'ready';
      this.host.ran({ kind: 'done', session: this, runId: done.id, result: done });
      const t = done.timings;
      this.host.log.info(
        `[${this.label}] done in ${Date.now() - started} ms: ${done.steps} steps, ${done.forwardCalls} model calls, forward ${t.forwardMs.toFixed(0)} ms, sampler ${t.samplerMs.toFixed(0)} ms, messaging ${t.messagingMs.toFixed(0)} ms, first frame ${t.firstFrameMs.toFixed(0)} ms`,
      );
      this.settleWaiters();
      this.host.changed(this);
    } catch (err) {
      if (stale()) return; // stopped on purpose: whoever stopped it has already updated the state
      const error = err instanceof Error ? err : new Error(String(err));
      if ((error as { code?: string }).code === 'cancelled') {
        this.close('cancelled');
        return;
      }
      this.host.log.error(`[${this.label}] failed: ${logText(error)}`);
      this.error = error;
      this.close('error');
    }
  }

  private onFrame(frame: FrameMessage): void {
    if (this.phase !== 'running' || frame.id !== this.runId) return;
    this.lastFrame = frame;
    this.framesSeen++;
    this.liveHoles().forEach((hole, k) => (hole.tokens = frame.holes[k] ?? hole.tokens));
    this.host.ran({ kind: 'frame', session: this, runId: frame.id, frame });
    // Every step arrives (the timeline records them all); the preview is drawn at most
    // maxFramesPerSecond times a second, and the result always.
    const now = performance.now();
    const fps = this.request.maxFramesPerSecond;
    if (fps > 0 && now - this.lastDrawnAt < 1000 / fps) return;
    this.lastDrawnAt = now;
    this.host.changed(this);
  }

  /** Same request, new seed. */
  async reroll(): Promise<void> {
    if (this.phase !== 'ready' && this.phase !== 'running') return;
    this.stopRun('rerolled');
    this.request.seed = randomSeed();
    this.liveHoles().forEach((hole, k) => (hole.tokens = maskedTokens(this.holeLength(k))));
    await this.run();
  }

  /** Tokens asked for the `i`-th hole of the request. */
  private holeLength(i: number): number {
    const segment = this.request.segments.filter((s) => s.kind === 'hole')[i];
    return segment && segment.kind === 'hole' ? segment.length : 1;
  }

  /**
   * Writes the result: one edit replacing every hole, between undo stops, so one undo restores the
   * document. Refuses (and writes nothing) if any hole no longer holds its original text.
   */
  async accept(editor: vscode.TextEditor | undefined): Promise<boolean> {
    if (this.phase !== 'ready' || !this.result) return false;
    if (!this.holesIntact()) {
      this.close('edited');
      return false;
    }
    const edits = this.resultEdits();
    const versionBefore = this.document.version;
    const applied = await this.writeHoles(editor, edits);
    if (applied && this.document.version === versionBefore) {
      // A read-only editor (e.g. `files.readonlyInclude`) reports success and writes nothing.
      return this.failAccept('This document is read-only. Nothing was written.');
    }
    if (!applied) return this.acceptRefused();
    if (editor && editor.document === this.document) this.placeCursorsAfter(editor, edits);
    const partly = this.partialAccepts > 0 ? ` (after ${this.partialAccepts} partial accept(s))` : '';
    this.host.log.info(`[${this.label}] accepted: ${this.holes.length} hole(s) written in one edit${partly}`);
    this.close('accepted');
    return true;
  }

  /** Every hole still holds the text it covered when the run started. */
  private holesIntact(): boolean {
    return this.holes.every((hole, i) => this.document.getText(this.rangeOf(i)) === hole.original);
  }

  /** One edit per hole: its accepted part and the shown candidate's rest, in the document's line endings. */
  private resultEdits(): HoleEdit[] {
    const eol = this.document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
    return this.holes.map((hole, i) => ({ range: this.rangeOf(i), text: toEol(hole.accepted + (this.candidates[this.shown]?.[i] ?? ''), eol) }));
  }

  /**
   * The one place the document is written: every hole in one edit between undo stops. Changes seen
   * meanwhile are held for `acceptRefused`. Returns whether the workbench applied it.
   */
  private async writeHoles(editor: vscode.TextEditor | undefined, edits: readonly HoleEdit[]): Promise<boolean> {
    this.phase = 'accepting';
    this.changesDuringAccept = [];
    try {
      if (editor && editor.document === this.document) {
        // The edit carries the document version: if the user typed in between, it is refused.
        return await editor.edit((b) => edits.forEach((e) => b.replace(e.range, e.text)), { undoStopBefore: true, undoStopAfter: true });
      }
      const we = new vscode.WorkspaceEdit();
      edits.forEach((e) => we.replace(this.document.uri, e.range, e.text));
      return await vscode.workspace.applyEdit(we);
    } catch (err) {
      this.host.log.error(`[${this.label}] accept failed: ${(err as Error).stack ?? String(err)}`);
      return false;
    }
  }

  /** Leaves the cursor after each inserted text, not a selection over it that the next key would replace. */
  private placeCursorsAfter(editor: vscode.TextEditor, edits: readonly HoleEdit[]): void {
    let shift = 0;
    editor.selections = this.holes.map((hole, i) => {
      const end = hole.range.start + shift + edits[i].text.length;
      shift += edits[i].text.length - (hole.range.end - hole.range.start);
      const at = this.document.positionAt(end);
      return new vscode.Selection(at, at);
    });
  }

  /** The edit was refused: what changed meanwhile was the user's, so it is tracked as usual. */
  private acceptRefused(): boolean {
    this.phase = 'ready';
    const pending = this.changesDuringAccept;
    this.changesDuringAccept = [];
    if (pending.length === 0) return this.failAccept('The document could not be changed (is it read-only?). Nothing was written.');
    // The user typed while the edit was on its way: it was refused as stale. Holes moved (or the
    // session closed if the typing was inside one); the result stays on offer.
    this.documentChanged(pending);
    if (this.phase === 'ready') this.host.log.info(`[${this.label}] accept raced an edit: nothing written, preview kept`);
    return false;
  }

  private failAccept(message: string): false {
    this.phase = 'ready';
    this.error = new UserFacingError(message);
    this.close('error');
    return false;
  }

  /** "2/3" while several candidates are on offer, else ''. */
  get candidateLabel(): string {
    return this.phase === 'ready' ? candidateLabel(this.shown, this.candidates.length) : '';
  }

  private showTexts(): void {
    const texts = this.candidates[this.shown] ?? [];
    this.holes.forEach((hole, i) => (hole.tokens = [{ text: texts[i] ?? '', state: TokenState.Settled, confidence: 1 }]));
  }

  /** Shows the candidate `delta` away (wrapping); false when there is nothing to cycle. */
  showCandidate(delta: number): boolean {
    if (this.phase !== 'ready' || this.candidates.length < 2) return false;
    this.shown = cycleIndex(this.shown, this.candidates.length, delta);
    this.showTexts();
    this.host.changed(this);
    return true;
  }

  /**
   * Partial accept: takes `prefix`, the start of the shown candidate's text in hole `i`, into the
   * hole's accepted part. Nothing is written: the original stays in the document (struck through)
   * until the final accept writes accepted part and rest in one edit, and Reject leaves it as it
   * was. The request takes the prefix as context and asks for `restTokens` tokens, so a reroll
   * re-samples only the rest. When no hole has text left, the whole result is accepted.
   */
  async acceptPart(editor: vscode.TextEditor, i: number, prefix: string, restTokens: number): Promise<boolean> {
    if (this.phase !== 'ready' || editor.document !== this.document) return false;
    const hole = this.holes[i];
    const shownText = this.candidates[this.shown]?.[i];
    if (!hole || hole.complete || shownText === undefined || !shownText.startsWith(prefix) || prefix.length === 0) return false;
    this.takePrefix(i, prefix, restTokens);
    if (this.holes.every((h) => h.complete)) return this.accept(editor);
    this.showTexts();
    this.host.changed(this);
    return true;
  }

  /** Moves `prefix` of hole `i` into its accepted part; candidates and request keep only the rest. */
  private takePrefix(i: number, prefix: string, restTokens: number): void {
    const hole = this.holes[i];
    const k = this.liveHoles().indexOf(hole);
    hole.accepted += prefix.replace(/\r\n/g, '\n');
    this.partialAccepts++;
    const after = candidatesAfterPartial(this.candidates, this.shown, i, prefix);
    this.candidates = after.candidates;
    this.shown = after.shown;
    const rest = this.candidates[this.shown][i];
    this.request.segments = requestAfterPartial(this.request, k, prefix, rest === '' ? 0 : Math.max(1, restTokens)).segments;
    if (rest === '') hole.complete = true;
    this.host.log.info(`[${this.label}] partially accepted ${JSON.stringify(prefix)} in hole ${i + 1} (nothing written yet)`);
  }

  /** Moves holes along with edits elsewhere; an edit touching a hole stops everything. */
  documentChanged(changes: readonly TextChange[]): void {
    if (this.phase === 'closed' || changes.length === 0) return;
    if (this.phase === 'accepting') {
      appendAll(this.changesDuringAccept, changes);
      return;
    }
    const moved = moveThroughChanges(
      this.holes.map((h) => h.range),
      changes,
    );
    if ('typed' in moved) {
      // The cursor sits at the hole: the keys go to the document and the preview steps aside.
      this.host.log.info(`[${this.label}] you typed at hole ${moved.typed + 1}: preview dismissed, nothing written`);
      this.close('typed');
      return;
    }
    if ('touched' in moved) {
      this.host.log.info(`[${this.label}] the user edited inside hole ${moved.touched + 1}: stopped, nothing written`);
      this.close('edited');
      return;
    }
    moved.forEach((range, i) => {
      const hole = this.holes[i];
      hole.range = range;
    });
    this.host.changed(this);
  }

  cancel(): void {
    if (this.phase === 'running') this.close('cancelled');
  }

  reject(): void {
    if (this.phase === 'running' || this.phase === 'ready') this.close('rejected');
  }

  private stopRun(reason: string): void {
    this.generation++;
    const runId = this.runId;
    this.runId = undefined;
    if (runId === undefined) return;
    this.host.cancel(runId);
    this.host.ran({ kind: 'stopped', session: this, runId, reason });
  }

  /** Leaves the session: stops the run, clears the preview. The document is not touched. */
  close(reason: CloseReason): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.closeReason = reason;
    this.stopRun(reason);
    const partly = this.partialAccepts > 0 && reason !== 'accepted' ? `, ${this.partialAccepts} partially accepted part(s) dropped, original kept` : '';
    this.host.log.info(`[${this.label}] closed: ${reason}${partly}${this.error ? ` (${this.error.message})` : ''}`);
    this.settleWaiters();
    this.host.changed(this);
  }

  private settleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((w) => w());
  }
}
