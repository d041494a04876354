// Counts the messages the extension shows while a test runs. The test files load as part of the
// extension under development, so they share its `vscode` API object and can wrap its calls.
import * as vscode from 'vscode';

export interface CapturedMessages {
  errors: string[];
  warnings: string[];
  infos: string[];
  dispose(): void;
}

export function captureMessages(): CapturedMessages {
  const w = vscode.window as unknown as Record<string, (...args: unknown[]) => Thenable<unknown>>;
  const originals = { showErrorMessage: w.showErrorMessage, showWarningMessage: w.showWarningMessage, showInformationMessage: w.showInformationMessage };
  const captured = { errors: [] as string[], warnings: [] as string[], infos: [] as string[] };
  const wrap = (name: keyof typeof originals, into: string[]) => {
    w[name] = (message: unknown) => {
      into.push(String(message));
      return Promise.resolve(undefined); // no toast piles up in the workbench
    };
  };
  wrap('showErrorMessage', captured.errors);
  wrap('showWarningMessage', captured.warnings);
  wrap('showInformationMessage', captured.infos);
  return {
    ...captured,
    dispose: () => Object.assign(w, originals),
  };
}
