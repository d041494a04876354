// Shared steps of the integration tests: the extension's test API, test settings, documents, runs.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { after, afterEach, before } from 'mocha';
import type { DiffusionInfillApi } from '../../src/editor/extension';
import type { Session } from '../../src/editor/session';

export const EXTENSION_ID = 'diffusion-infill.diffusion-infill';

export async function getApi(): Promise<DiffusionInfillApi> {
  const ext = vscode.extensions.getExtension<DiffusionInfillApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  return ext.activate();
}

/** Settings for fast, reproducible runs; returns a function that puts the old values back. */
export async function useSettings(values: Record<string, unknown>): Promise<() => Promise<void>> {
  const cfg = vscode.workspace.getConfiguration('diffusionInfill');
  const old: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    old[key] = cfg.inspect(key)?.globalValue;
    await cfg.update(key, value, vscode.ConfigurationTarget.Global);
  }
  return async () => {
    for (const key of Object.keys(values)) await cfg.update(key, old[key], vscode.ConfigurationTarget.Global);
  };
}

export const FAST = {
  // The sampler settings below apply only with the custom preset.
  preset: 'custom',
  'sampler.steps': 8,
  seed: 7,
  'preview.maxFramesPerSecond': 0,
  'length.policy': 'selection',
  // One sample: the result is the last frame (several are ranked, and the best may be another: Candidates).
  candidates: 1,
};

export interface SuiteHooks {
  /** After each test, instead of closing every editor. */
  afterEach?: () => Promise<unknown>;
  /** After the suite, before its settings are put back. */
  after?: () => Promise<unknown>;
  /** How long the set-up may take (mocha's per-test timeout otherwise). */
  setUpTimeoutMs?: number;
}

/**
 * The set-up every suite shares; call it in describe(): the extension's API, handed to `got` once
 * `settings` are in place (they are put back after the suite), and every editor closed after each test.
 */
export function useSuite(settings: Record<string, unknown>, got: (api: DiffusionInfillApi) => unknown, hooks: SuiteHooks = {}): void {
  let restore: (() => Promise<void>) | undefined;
  before(async function () {
    if (hooks.setUpTimeoutMs) this.timeout(hooks.setUpTimeoutMs);
    const api = await getApi();
    restore = await useSettings(settings);
    await got(api);
  });
  after(async () => {
    await hooks.after?.();
    await restore?.();
  });
  afterEach(hooks.afterEach ?? closeAll);
}

/** Waits until `condition()` holds, checked every 50 ms: for a state that has no event of its own. */
export async function until(condition: () => boolean, what: string | (() => string), timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolves on the session's first frame (or when it is no longer running). */
export function untilFirstFrame(api: DiffusionInfillApi, session: Session): Promise<void> {
  const reached = () => session.lastFrame !== undefined || session.phase !== 'running';
  return new Promise((resolve) => {
    if (reached()) return resolve();
    const listener = api.onDidChange((s) => {
      if (s !== session || !reached()) return;
      listener.dispose();
      resolve();
    });
  });
}

let fileCounter = 0;

/**
 * Opens `content` as a real file in the workspace (not an untitled document: those start dirty,
 * and closing a dirty editor would block the run on a save dialog).
 */
export async function openEditor(content: string, extension = 'py'): Promise<vscode.TextEditor> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder');
  const uri = vscode.Uri.joinPath(folder.uri, `it-${process.pid}-${Date.now()}-${fileCounter++}.${extension}`);
  await vscode.workspace.fs.writeFile(uri, Buffer.from(content, 'utf8'));
  const doc = await vscode.workspace.openTextDocument(uri);
  return vscode.window.showTextDocument(doc, { preview: false });
}

export function select(editor: vscode.TextEditor, text: string, occurrence = 0): vscode.Selection {
  const full = editor.document.getText();
  let at = -1;
  for (let i = 0; i <= occurrence; i++) at = full.indexOf(text, at + 1);
  assert.ok(at >= 0, `"${text}" not in the document`);
  return new vscode.Selection(editor.document.positionAt(at), editor.document.positionAt(at + text.length));
}

/**
 * Watches a document while a session runs: every frame and state change, the text must still be
 * exactly `expected()` (the document is only ever written by Accept).
 */
export function watchDocument(api: DiffusionInfillApi, doc: vscode.TextDocument, expected: () => string): { violations: string[]; frames: number; dispose(): void } {
  const state = { violations: [] as string[], frames: 0 };
  const listener = api.onDidChange((s: Session) => {
    if (s.document !== doc || s.phase === 'closed') return;
    if (s.lastFrame) state.frames++;
    if (doc.getText() !== expected()) state.violations.push(`phase ${s.phase}, frame ${s.lastFrame?.step}: ${JSON.stringify(doc.getText())}`);
  });
  return {
    get violations() {
      return state.violations;
    },
    get frames() {
      return state.frames;
    },
    dispose: () => listener.dispose(),
  };
}

/** Runs a command on the active editor and waits for the run to end; returns the session. */
export async function runCommand(_api: DiffusionInfillApi, command: string, doc: vscode.TextDocument, ...args: unknown[]): Promise<Session> {
  // The command returns its session (a run can end before the command's promise reaches us).
  const session = (await vscode.commands.executeCommand(command, ...args)) as Session | undefined;
  assert.ok(session, `${command} started no session`);
  assert.equal(session.document, doc);
  await session.whenIdle();
  if (session.phase === 'closed') assert.fail(`${command} ended ${session.closeReason}: ${session.error?.message ?? ''}`);
  assert.equal(session.phase, 'ready');
  return session;
}

/** The texts Accept writes: the candidate shown. */
export function resultTexts(session: Session): string[] {
  assert.ok(session.result, 'no result');
  return session.candidates[session.shown];
}

/** Reverts and closes every editor (no save prompts). */
export async function closeAll(): Promise<void> {
  for (let i = 0; i < 50 && vscode.window.activeTextEditor; i++) {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}
