/**
 * The timeline's commands, factories like `../commands.ts`: `name(ctx)` returns the handler that
 * `registerCommands.ts` registers as `diffusionInfill.name`. Arguments are for tests and scripts;
 * from the palette they come from pickers and dialogs.
 */
import * as vscode from 'vscode';
import type { Cmd } from '../commands';
import type { Ctx } from '../ctx';
import { runTitle } from './model';

/** `showTimeline(runId?)`: the panel on a run (default: the active editor's latest, or the latest). */
export function showTimeline(ctx: Ctx): Cmd {
  return (runId?: unknown) => {
    ctx.timeline.show(typeof runId === 'number' ? runId : undefined);
  };
}

/** `exportTimeline(target?)`: saves the picture (.svg or .png by the file's extension); returns the file's URI. */
export function exportTimeline(ctx: Ctx): Cmd {
  return (target?: unknown) =>
    ctx.timeline.exportPicture(typeof target === 'string' || target instanceof vscode.Uri ? target : undefined).catch((err: Error) => {
      ctx.log.error(`Timeline export failed: ${err.stack ?? err.message}`);
      void vscode.window.showErrorMessage(`Diffusion Infill: could not export the timeline: ${err.message}`);
      return undefined;
    });
}

/** `compareTimeline(a?, b?)`: two recorded runs side by side (picked when not given). */
export function compareTimeline(ctx: Ctx): Cmd {
  return async (a?: unknown, b?: unknown) => {
    const runs = [...ctx.timeline.recorder.list()].reverse();
    if (typeof a === 'number' && typeof b === 'number') {
      ctx.timeline.compare(a, b);
      return;
    }
    if (runs.length < 2) {
      void vscode.window.showInformationMessage(
        `Diffusion Infill: comparing needs two recorded runs (${runs.length} so far). Run the same infill with two samplers, e.g. mdlm and remdm-loop at one seed.`,
      );
      return;
    }
    const items = runs.map((r) => ({ label: runTitle(r), description: r.status === 'done' ? '' : r.status, id: r.id }));
    const first = await vscode.window.showQuickPick(items, { title: 'Compare Refinement Timelines (1/2)', placeHolder: 'First run' });
    if (!first) return;
    const second = await vscode.window.showQuickPick(
      items.filter((i) => i.id !== first.id),
      { title: 'Compare Refinement Timelines (2/2)', placeHolder: 'Compare with' },
    );
    if (!second) return;
    ctx.timeline.compare(first.id, second.id);
  };
}
