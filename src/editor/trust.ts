/**
 * Which settings values an untrusted workspace may supply, and where a model path points. Pure (no
 * `vscode`) so the rules are unit-tested with fake `inspect()` results: the integration harness runs
 * with workspace trust disabled.
 *
 * An untrusted repository must not choose a file we load native code from (the model, its ONNX
 * graph and custom-op paths, the execution provider). So in an untrusted workspace:
 *  - workspace and workspace-folder values of a restricted setting are ignored (user settings and
 *    the default still apply), and
 *  - a relative model path, even from user settings, is not resolved against the workspace folder
 *    (that would let the repository provide the files); it falls back to the embedded model.
 */
import * as path from 'node:path';

/** The fields of `WorkspaceConfiguration.inspect()` that matter here. */
export interface InspectedSetting<T> {
  defaultValue?: T;
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

/** The value to use: VS Code's precedence when trusted; only user and default values when not. */
export function settingForTrust<T>(inspected: InspectedSetting<T> | undefined, trusted: boolean): T | undefined {
  if (!inspected) return undefined;
  if (trusted) return inspected.workspaceFolderValue ?? inspected.workspaceValue ?? inspected.globalValue ?? inspected.defaultValue;
  return inspected.globalValue ?? inspected.defaultValue;
}

export interface ModelPathContext {
  trusted: boolean;
  embeddedModelDir: string;
  homeDir: string;
  /** The first workspace folder, if any (relative paths are resolved against it when trusted). */
  workspaceFolder?: string;
}

/** The model folder for a `modelPath` value: empty → embedded, `~` → home, relative → workspace folder (trusted only). */
export function resolveModelPath(value: string | undefined, ctx: ModelPathContext): string {
  const trimmed = (value ?? '').trim();
  if (trimmed === '') return ctx.embeddedModelDir;
  const expanded = trimmed === '~' || trimmed.startsWith('~/') || trimmed.startsWith('~\\') ? path.join(ctx.homeDir, trimmed.slice(1)) : trimmed;
  if (path.isAbsolute(expanded)) return path.normalize(expanded);
  if (!ctx.trusted) return ctx.embeddedModelDir;
  return ctx.workspaceFolder ? path.resolve(ctx.workspaceFolder, expanded) : path.resolve(ctx.homeDir, expanded);
}
