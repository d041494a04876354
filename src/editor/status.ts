/**
 * The status bar item: short and current. It says what the extension does now (loading the model,
 * a run's step, a preview on offer) or, idle, the model's name; a note on what just happened (e.g.
 * "accepted", "still forming") shows for a few seconds only, so it never outlives its truth.
 * Details (provider, speed, folder) live in the tooltip.
 */
import * as vscode from 'vscode';
import type { ModelInfo } from '../protocol/protocol';

/** How long a note stays. */
const NOTE_MS = 5000;

type State = { kind: 'idle' } | { kind: 'loading' } | { kind: 'starting' } | { kind: 'running'; step: number; totalSteps: number } | { kind: 'ready'; candidate: string; atHole: boolean };

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('diffusionInfill.status', vscode.StatusBarAlignment.Right, 100);
  private model: ModelInfo | undefined;
  private speed: string | undefined;
  private state: State = { kind: 'idle' };
  private noteText: string | undefined;
  private noteTimer: NodeJS.Timeout | undefined;

  constructor() {
    this.item.name = 'Diffusion Infill';
    this.item.command = 'diffusionInfill.showLog';
    this.render();
    // Shown from startup: the extension is there before any command loads the model.
    this.item.show();
  }

  setModel(model: ModelInfo | undefined): void {
    this.model = model;
  }

  /** Nothing running, nothing on offer; `note` says what just happened (without one, a recent note stays). */
  idle(note?: string): void {
    this.state = { kind: 'idle' };
    if (note) this.note(note);
    else this.render();
  }

  loading(): void {
    this.state = { kind: 'loading' };
    this.render();
  }

  /** A run was asked for; its first step has not come yet (the model is already loaded). */
  starting(): void {
    if (this.state.kind !== 'loading') this.state = { kind: 'starting' };
    this.render();
  }

  running(step: number, totalSteps: number): void {
    this.state = { kind: 'running', step, totalSteps };
    this.render();
  }

  /**
   * A preview is on offer; `candidate` is "2/3" when there are several. Away from the hole the
   * preview waits (parked) and the keys are the editor's: the text says so instead of the keys.
   */
  ready(candidate: string, atHole = true): void {
    this.state = { kind: 'ready', candidate, atHole };
    this.render();
  }

  finished(steps: number, totalMs: number): void {
    this.speed = totalMs > 0 ? `${((steps * 1000) / totalMs).toFixed(1)} steps/s` : undefined;
  }

  /** A few words on what just happened, shown beside the state for a few seconds. */
  note(text: string | undefined): void {
    clearTimeout(this.noteTimer);
    this.noteText = text;
    if (text) {
      this.noteTimer = setTimeout(() => {
        this.noteText = undefined;
        this.render();
      }, NOTE_MS);
    }
    this.render();
  }

  private render(): void {
    const s = this.state;
    const [icon, main] =
      s.kind === 'loading'
        ? ['$(sync~spin)', 'loading model…']
        : s.kind === 'starting'
          ? ['$(sync~spin)', 'starting…']
          : s.kind === 'running'
            ? ['$(sync~spin)', `step ${s.step}/${s.totalSteps}`]
            : s.kind === 'ready'
              ? ['$(sparkle)', `${s.candidate ? `${s.candidate} · ` : ''}${s.atHole ? 'Tab accept · Esc reject' : 'preview waiting at the hole'}`]
              : ['$(sparkle)', this.model?.name ?? 'Diffusion Infill'];
    this.item.text = `${icon} ${main}${this.noteText ? ` · ${this.noteText}` : ''}`;
    const model = this.model
      ? `${this.model.name} on ${this.model.executionProvider}${this.model.providerNotice ? ` (${this.model.providerNotice})` : ''}${this.speed ? `, ${this.speed}` : ''}\n${this.model.modelDir}`
      : 'No model loaded yet: the first command loads it.';
    this.item.tooltip = `Diffusion Infill: ${model}\nClick to show the log.`;
  }

  /** The text shown now (tests read it). */
  get text(): string {
    return this.item.text;
  }

  dispose(): void {
    clearTimeout(this.noteTimer);
    this.item.dispose();
  }
}
