/**
 * The second status bar item: the quality preset (click: pick another) or "paused" (click: resume).
 * Owns the pause flag, kept across restarts in the global state.
 */
import * as vscode from 'vscode';
import { findPreset } from '../core/presets';
import type { Config } from './config';

const PAUSED_KEY = 'diffusionInfill.paused';
export const PAUSED_CONTEXT_KEY = 'diffusionInfill.paused';

export class ModeStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('diffusionInfill.mode', vscode.StatusBarAlignment.Right, 99);
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly state: vscode.Memento,
    private readonly config: Config,
  ) {
    this.item.name = 'Diffusion Infill Quality';
    this.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('diffusionInfill.preset')) this.refresh();
      }),
    );
    this.refresh();
    this.item.show();
  }

  get paused(): boolean {
    return this.state.get<boolean>(PAUSED_KEY, false);
  }

  async setPaused(paused: boolean): Promise<void> {
    await this.state.update(PAUSED_KEY, paused);
    this.refresh();
  }

  refresh(): void {
    void vscode.commands.executeCommand('setContext', PAUSED_CONTEXT_KEY, this.paused);
    if (this.paused) {
      this.item.text = '$(debug-pause) Diffusion Infill paused';
      this.item.tooltip = 'Diffusion Infill is paused: its commands do nothing. Click to resume.';
      this.item.command = 'diffusionInfill.togglePause';
      return;
    }
    const preset = findPreset(this.config.preset);
    this.item.text = `$(dashboard) ${preset ? preset.label : 'Custom'}`;
    this.item.tooltip = `Diffusion Infill quality: ${preset ? `${preset.label} (${preset.description})` : 'Custom (the sampler settings)'}.\nClick to choose a preset or to pause.`;
    this.item.command = 'diffusionInfill.selectPreset';
  }

  /** The text shown now (tests read it). */
  get text(): string {
    return this.item.text;
  }

  dispose(): void {
    this.subscriptions.forEach((d) => d.dispose());
    this.item.dispose();
  }
}
