/**
 * The one table of commands: every `diffusionInfill.*` command, the gate it passes before its
 * handler runs, and when the command palette offers it. package.json's `contributes.commands` and
 * `menus.commandPalette` must agree with it (test/editor/commandTable.test.ts); the handlers are
 * keyed by the same names in `registerCommands.ts`, so the compiler finds a missing one. Pure: no
 * `vscode`.
 */

/**
 * - `start`: starts a run; refused while paused or in a language the extension is off for.
 * - `preview`: acts on a preview; refused while paused.
 * - `always`: runs in any state (settings, log, timeline, pause itself).
 */
export type Gate = 'start' | 'preview' | 'always';

export interface CommandSpec {
  gate: Gate;
  /** The command palette's when-clause; absent: always offered. */
  palette?: string;
}

const EDITABLE = 'editorIsOpen && !editorReadonly';
const PREVIEW = 'diffusionInfill.previewVisible';
const PREVIEW_OR_RUN = 'diffusionInfill.previewVisible || diffusionInfill.running';

export const COMMANDS = {
  infillSelection: { gate: 'start', palette: EDITABLE },
  infillPlaceholders: { gate: 'start', palette: EDITABLE },
  generate: { gate: 'start', palette: EDITABLE },
  instruct: { gate: 'start', palette: EDITABLE },
  refineSelection: { gate: 'start', palette: EDITABLE },
  accept: { gate: 'preview', palette: PREVIEW },
  reject: { gate: 'always', palette: PREVIEW_OR_RUN },
  reroll: { gate: 'preview', palette: PREVIEW_OR_RUN },
  cancel: { gate: 'always', palette: 'diffusionInfill.running' },
  selectModel: { gate: 'always' },
  showLog: { gate: 'always' },
  showTimeline: { gate: 'always' },
  exportTimeline: { gate: 'always' },
  compareTimeline: { gate: 'always' },
  nextCandidate: { gate: 'preview', palette: PREVIEW },
  previousCandidate: { gate: 'preview', palette: PREVIEW },
  acceptWord: { gate: 'preview', palette: PREVIEW },
  acceptLine: { gate: 'preview', palette: PREVIEW },
  selectPreset: { gate: 'always' },
  togglePause: { gate: 'always' },
  setUpCuda: { gate: 'always', palette: 'isLinux' },
  showRuntimeInfo: { gate: 'always' },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

export const COMMAND_PREFIX = 'diffusionInfill.';

export function commandId(name: CommandName): string {
  return COMMAND_PREFIX + name;
}
