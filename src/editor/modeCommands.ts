/** Quality preset picker, pause toggle, and the guard that keeps a paused or disabled extension quiet. */
import * as vscode from 'vscode';
import { findPreset, PRESETS, type PresetSetting } from '../core/presets';
import type { Cmd } from './commands';
import type { Ctx } from './ctx';
import { isLanguageEnabled } from './enablement';

/** Commands that start a run: refused when paused or in a disabled language. */
const STARTING = new Set(['infillSelection', 'infillPlaceholders', 'generate', 'refineSelection']);
/** Commands that act on a preview: refused when paused. */
const ACTING = new Set(['accept', 'reroll', 'nextCandidate', 'previousCandidate', 'acceptWord', 'acceptLine']);

/** Wraps command `name`'s handler: explains and does nothing when paused or off for the language. */
export function guard(ctx: Ctx, name: string, handler: Cmd): Cmd {
  if (!STARTING.has(name) && !ACTING.has(name)) return handler;
  return (...args: unknown[]) => {
    if (ctx.mode.paused) {
      void vscode.window
        .showInformationMessage('Diffusion Infill is paused. Resume it from its status bar item or with "Diffusion Infill: Pause / Resume".', 'Resume')
        .then((choice) => choice === 'Resume' && vscode.commands.executeCommand('diffusionInfill.togglePause', false));
      ctx.status.idle('paused');
      return undefined;
    }
    const document = vscode.window.activeTextEditor?.document;
    if (STARTING.has(name) && document) {
      const { enabled, disabled } = ctx.config.languageSettings;
      if (!isLanguageEnabled(document.languageId, enabled, disabled)) {
        void vscode.window.showInformationMessage(
          `Diffusion Infill is turned off for ${document.languageId} files (settings diffusionInfill.enabledLanguages / disabledLanguages).`,
        );
        ctx.status.idle(`off for ${document.languageId}`);
        return undefined;
      }
    }
    return handler(...args);
  };
}

/** Pause / resume; `paused` forces a state. Pausing ends every run and preview (nothing is written). */
export function togglePause(ctx: Ctx): Cmd {
  return async (paused?: boolean): Promise<boolean> => {
    const next = typeof paused === 'boolean' ? paused : !ctx.mode.paused;
    if (next) for (const s of ctx.sessions.all()) s.phase === 'running' ? s.cancel() : s.reject();
    await ctx.mode.setPaused(next);
    ctx.status.idle(next ? 'paused' : 'resumed');
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
        ...PRESETS.map((p) => ({ label: `${p.name === current ? '$(check) ' : ''}${p.label}`, description: p.description, value: p.name })),
        { label: `${current === 'custom' ? '$(check) ' : ''}Custom`, description: 'the advanced diffusionInfill.sampler.* settings', value: 'custom' },
        { label: '', kind: vscode.QuickPickItemKind.Separator, value: '' },
        { label: ctx.mode.paused ? '$(play) Resume Diffusion Infill' : '$(debug-pause) Pause Diffusion Infill', value: 'pause' },
      ];
      const picked = await vscode.window.showQuickPick(items, { title: 'Diffusion Infill: Quality', placeHolder: 'More steps and remasking: better text, slower' });
      if (!picked) return undefined;
      if (picked.value === 'pause') {
        await vscode.commands.executeCommand('diffusionInfill.togglePause');
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
