/**
 * Registers every command of the table (commandTable.ts) with its handler, behind its gate: a
 * paused extension, or one turned off for the document's language, explains and does nothing.
 */
import * as vscode from 'vscode';
import * as commands from './commands';
import * as candidateCommands from './candidateCommands';
import { COMMANDS, commandId, type CommandName, type Gate } from './commandTable';
import type { Ctx } from './ctx';
import { isLanguageEnabled } from './enablement';
import * as gpuCommands from './gpuCommands';
import * as modeCommands from './modeCommands';
import * as timelineCommands from './timeline/commands';

type Cmd = commands.Cmd;

const HANDLERS: Record<CommandName, (ctx: Ctx) => Cmd> = {
  infillSelection: commands.infillSelection,
  infillPlaceholders: commands.infillPlaceholders,
  generate: commands.generate,
  instruct: commands.instruct,
  refineSelection: commands.refineSelection,
  accept: commands.accept,
  reject: commands.reject,
  reroll: commands.reroll,
  cancel: commands.cancel,
  selectModel: commands.selectModel,
  showLog: commands.showLog,
  showTimeline: timelineCommands.showTimeline,
  exportTimeline: timelineCommands.exportTimeline,
  compareTimeline: timelineCommands.compareTimeline,
  nextCandidate: candidateCommands.nextCandidate,
  previousCandidate: candidateCommands.previousCandidate,
  acceptWord: candidateCommands.acceptWord,
  acceptLine: candidateCommands.acceptLine,
  selectPreset: modeCommands.selectPreset,
  togglePause: modeCommands.togglePause,
  setUpCuda: gpuCommands.setUpCuda,
  showRuntimeInfo: gpuCommands.showRuntimeInfo,
};

export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  return (Object.keys(COMMANDS) as CommandName[]).map((name) =>
    vscode.commands.registerCommand(commandId(name), gated(ctx, COMMANDS[name].gate, HANDLERS[name](ctx))),
  );
}

/** The handler behind its gate: explains and does nothing when paused or off for the language. */
function gated(ctx: Ctx, gate: Gate, handler: Cmd): Cmd {
  if (gate === 'always') return handler;
  return (...args: unknown[]) => {
    if (ctx.mode.paused) {
      void vscode.window
        .showInformationMessage('Diffusion Infill is paused. Resume it from its status bar item or with "Diffusion Infill: Pause / Resume".', 'Resume')
        .then((choice) => choice === 'Resume' && vscode.commands.executeCommand(commandId('togglePause'), false));
      ctx.status.note('paused');
      return undefined;
    }
    const document = vscode.window.activeTextEditor?.document;
    if (gate === 'start' && document) {
      const { enabled, disabled } = ctx.config.languageSettings;
      if (!isLanguageEnabled(document.languageId, enabled, disabled)) {
        void vscode.window.showInformationMessage(
          `Diffusion Infill is turned off for ${document.languageId} files (settings diffusionInfill.enabledLanguages / disabledLanguages).`,
        );
        ctx.status.note(`off for ${document.languageId}`);
        return undefined;
      }
    }
    return handler(...args);
  };
}
