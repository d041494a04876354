/** The status bar item: model, execution provider, progress of the current run, and its speed. */
import * as vscode from 'vscode';
import type { ModelInfo } from '../protocol/protocol';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('diffusionInfill.status', vscode.StatusBarAlignment.Right, 100);
  private model: ModelInfo | undefined;
  private speed: string | undefined;

  constructor() {
    this.item.name = 'Diffusion Infill';
    this.item.command = 'diffusionInfill.showLog';
    this.idle();
    this.item.show();
  }

  setModel(model: ModelInfo | undefined): void {
    this.model = model;
  }

  private modelText(): string {
    return this.model ? `${this.model.name} · ${this.model.executionProvider}` : 'no model loaded';
  }

  idle(note?: string): void {
    const parts = [this.modelText()];
    if (this.speed) parts.push(this.speed);
    if (note) parts.push(note);
    this.item.text = `$(sparkle) ${parts.join(' · ')}`;
    this.item.tooltip = this.model
      ? `Diffusion Infill: ${this.model.name} on ${this.model.executionProvider}${this.model.providerNotice ? ` (${this.model.providerNotice})` : ''}\n${this.model.modelDir}\nClick to show the log.`
      : 'Diffusion Infill: click to show the log.';
  }

  loading(): void {
    this.item.text = '$(sync~spin) Diffusion Infill: loading model…';
  }

  running(step: number, totalSteps: number): void {
    this.item.text = `$(sync~spin) ${this.modelText()} · step ${step}/${totalSteps}`;
  }

  finished(steps: number, totalMs: number): void {
    this.speed = totalMs > 0 ? `${((steps * 1000) / totalMs).toFixed(1)} steps/s` : undefined;
  }

  /** The text shown now (tests read it). */
  get text(): string {
    return this.item.text;
  }

  dispose(): void {
    this.item.dispose();
  }
}
