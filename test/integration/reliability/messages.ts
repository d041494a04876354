// Counts the messages the extension shows while a test runs. The test files load as part of the
// extension under development, so they share its `vscode` API object and can wrap its calls.
import * as vscode from 'vscode';

export interface CapturedMessages {
  errors: string[];
  warnings: string[];
  infos: string[];
  /** Resolves once `count` messages of any kind were shown; fails after `timeoutMs`. */
  shown(count: number, timeoutMs?: number): Promise<void>;
  dispose(): void;
}

export function captureMessages(): CapturedMessages {
  const w = vscode.window as unknown as Record<string, (...args: unknown[]) => Thenable<unknown>>;
  const originals = { showErrorMessage: w.showErrorMessage, showWarningMessage: w.showWarningMessage, showInformationMessage: w.showInformationMessage };
  const captured = { errors: [] as string[], warnings: [] as string[], infos: [] as string[] };
  const count = () => captured.errors.length + captured.warnings.length + captured.infos.length;
  let waiters: (() => void)[] = [];
  const wrap = (name: keyof typeof originals, into: string[]) => {
    w[name] = (message: unknown) => {
      into.push(String(message));
      const woken = waiters;
      waiters = [];
      woken.forEach((wake) => wake());
      return Promise.resolve(undefined); // no toast piles up in the workbench
    };
  };
  const shown = async (wanted: number, timeoutMs = 30_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (count() < wanted) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${wanted} message(s): ${JSON.stringify(captured)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };
  wrap('showErrorMessage', captured.errors);
  wrap('showWarningMessage', captured.warnings);
  wrap('showInformationMessage', captured.infos);
  return {
    ...captured,
    shown,
    dispose: () => Object.assign(w, originals),
  };
}
