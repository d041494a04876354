/** Quality preset picker and pause toggle. */
import * as vscode from 'vscode';
import { findPreset, PRESETS, type PresetSetting } from '../core/presets';
import type { Cmd } from './commands';
import { commandId } from './commandTable';
import type { Ctx } from './ctx';

/** Pause / resume; `paused` forces a state. Pausing ends every run and preview (nothing is written). */
export function togglePause(ctx: Ctx): Cmd {
  return async (paused?: boolean): Promise<boolean> => {
    const next = typeof paused === 'boolean' ? paused : !ctx.mode.paused;
    if (next) for (const s of ctx.sessions.all()) s.phase === 'running' ? s.cancel() : s.reject();
    await ctx.mode.setPaused(next);
    ctx.status.note(next ? 'paused' : 'resumed');
    return next;
  };
}

/** Quick pick of the presets (and pause); `name` picks without asking. */
export function selectPreset(ctx: Ctx): Cmd {
  return async (name?: PresetSetting): Promise<PresetSetting | undefined> => {
    let choice: string | undefined = name;
    if (choice === undefined) {
      const current = ctx.config.preset;
      type Item = vscode.QuickPickItem & { value: string };
      const items: Item[] = [
        ...PRESETS.map((p) => ({ label: `${p.name === current ? '$(check) ' : ''}${p.label}`, description: p.description, detail: p.detail, value: p.name })),
        { label: `${current === 'custom' ? '$(check) ' : ''}Custom`, description: 'the advanced diffusionInfill.sampler.* settings', value: 'custom' },
        { label: '', kind: vscode.QuickPickItemKind.Separator, value: '' },
        { label: ctx.mode.paused ? '$(play) Resume Diffusion Infill' : '$(debug-pause) Pause Diffusion Infill', value: 'pause' },
      ];
      const picked = await vscode.window.showQuickPick(items, { title: 'Diffusion Infill: Quality', placeHolder: 'More steps and remasking: better text, slower' });
      if (!picked) return undefined;
      if (picked.value === 'pause') {
        await vscode.commands.executeCommand(commandId('togglePause'));
        return undefined;
      }
      choice = picked.value;
    }
    if (choice !== 'custom' && !findPreset(choice)) {
      void vscode.window.showWarningMessage(`Diffusion Infill: unknown preset '${choice}'.`);
      return undefined;
    }
    await vscode.workspace.getConfiguration('diffusionInfill').update('preset', choice, vscode.ConfigurationTarget.Global);
    ctx.mode.refresh();
    return choice as PresetSetting;
  };
}
