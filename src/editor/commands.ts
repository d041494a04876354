/**
 * The commands, one factory each: `name(ctx)` returns the handler that `registerCommands.ts`
 * registers as `diffusionInfill.name` (names and gates: commandTable.ts). Starting commands only
 * read the document; the one write is Accept.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { InfillRequest, ModelInfo } from '../protocol/protocol';
import type { Ctx } from './ctx';
import { LENGTH_CHOICES, parseTokens } from './lengthChoices';
import type { OffsetRange } from './holes';
import { findPlaceholders, holeTokens } from '../core/placeholders';
import { randomSeed, type Session } from './session';
import { buildSegments, selectionBound, toLf, type HoleSpec } from './text';
import { samplerFor } from './presets';
import { samplesFor } from '../core/presets';
import { isDecoderStrategy } from '../core/options';
import { listModelFolders, USER_MODELS_DIR } from './modelList';
import { convertModelFolder, type ConvertArgs } from './convertModel';

export type Cmd = (...args: any[]) => unknown;

/** Characters of document sent on each side of the holes; the worker crops to the model window. */
const CONTEXT_CHARS = 16_000;
const PROMPT_HISTORY_KEY = 'diffusionInfill.promptHistory';
const PROMPT_HISTORY_SIZE = 20;

function warn(message: string): void {
  void vscode.window.showWarningMessage(`Diffusion Infill: ${message}`);
}

/** The active editor, if its document may be written (checked before any run, so a preview is never offered for nothing). */
function writableEditor(): vscode.TextEditor | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    warn('Open a text editor first.');
    return undefined;
  }
  const scheme = editor.document.uri.scheme;
  if (scheme === 'output' || vscode.workspace.fs.isWritableFileSystem(scheme) === false) {
    warn('This document is read-only; nothing to infill.');
    return undefined;
  }
  return editor;
}

function offsetsOf(document: vscode.TextDocument, selections: readonly vscode.Selection[]): OffsetRange[] {
  return selections
    .map((s) => ({ start: document.offsetAt(s.start), end: document.offsetAt(s.end) }))
    .sort((a, b) => a.start - b.start);
}

/** The request around the segments, from settings; undefined (with a message) if a setting is invalid. */
function makeRequest(ctx: Ctx, segments: InfillRequest['segments'], strength?: number): InfillRequest | undefined {
  let sampler;
  try {
    sampler = samplerFor(ctx.config, segments);
  } catch (err) {
    warn(`invalid sampler settings: ${(err as Error).message}`);
    return undefined;
  }
  const clamped = ctx.config.takeClampMessages();
  if (clamped.length > 0) {
    ctx.log.warn(clamped.join('; '));
    warn(clamped.join('; '));
  }
  return {
    segments,
    sampler,
    seed: ctx.config.seed ?? randomSeed(),
    samples: samplesFor(sampler, ctx.config.candidates),
    ...(strength !== undefined ? { strength } : {}),
    maxFramesPerSecond: ctx.config.maxFramesPerSecond,
  };
}

/** Short / medium / long, or a number of tokens typed in (the pick's first row, `initial` offered). */
async function askLength(initial: number): Promise<number | undefined> {
  const pick = vscode.window.createQuickPick<vscode.QuickPickItem & { tokens?: number }>();
  pick.title = 'Diffusion Infill: how much text?';
  pick.placeholder = `Short, medium or long, or type a number of tokens (e.g. ${initial})`;
  const choices = LENGTH_CHOICES.map((c) => ({ label: c.label, description: c.description, tokens: c.tokens }));
  pick.items = choices;
  pick.onDidChangeValue((v) => {
    const n = parseTokens(v);
    pick.items = n === undefined ? choices : [{ label: `${n} tokens`, tokens: n, alwaysShow: true }, ...choices];
  });
  const tokens = await new Promise<number | undefined>((resolve) => {
    pick.onDidAccept(() => resolve(pick.selectedItems[0]?.tokens ?? parseTokens(pick.value)));
    pick.onDidHide(() => resolve(undefined));
    pick.show();
  });
  pick.dispose();
  return tokens;
}

/** Token counts for the selected holes, by the length policy; undefined if the user cancelled. */
async function selectionLengths(ctx: Ctx, document: vscode.TextDocument, ranges: readonly OffsetRange[]): Promise<number[] | undefined> {
  const policy = ctx.config.lengthPolicy;
  if (policy === 'fixed') return ranges.map(() => ctx.config.fixedLength);
  if (policy === 'prompt') {
    const n = await askLength(ctx.config.fixedLength);
    return n === undefined ? undefined : ranges.map(() => n);
  }
  const modelDir = ctx.config.modelDir;
  const text = document.getText();
  return Promise.all(ranges.map(async (r) => (await ctx.tokens.count(modelDir, text.slice(r.start, r.end))).tokens));
}

/** A selection of only whitespace has nothing to rewrite: say so (with the alternative) and start nothing. */
function onlyWhitespace(document: vscode.TextDocument, ranges: readonly OffsetRange[]): boolean {
  const text = document.getText();
  if (!ranges.some((r) => text.slice(r.start, r.end).trim() === '')) return false;
  warn('The selection is only whitespace: there is nothing to rewrite. Select the text to replace, or put the cursor there and use "Continue from Text…".');
  return true;
}

/**
 * The document changed while the command counted tokens (e.g. Tab pressed right after the command):
 * the holes' offsets are stale, so nothing starts, and the user is told.
 */
function changedMeanwhile(document: vscode.TextDocument, version: number): boolean {
  if (document.version === version) return false;
  warn('The text changed before the run began, so nothing started. Run the command again.');
  return true;
}

/** The non-empty selections as offset ranges, or undefined (with a message) when there are none or they are only whitespace. */
function selectedRanges(editor: vscode.TextEditor, whenNone: string): OffsetRange[] | undefined {
  const ranges = offsetsOf(editor.document, editor.selections.filter((s) => !s.isEmpty));
  if (ranges.length === 0) {
    warn(whenNone);
    return undefined;
  }
  return onlyWhitespace(editor.document, ranges) ? undefined : ranges;
}

export function infillSelection(ctx: Ctx): Cmd {
  return async (): Promise<Session | undefined> => {
    const editor = writableEditor();
    if (!editor) return undefined;
    const document = editor.document;
    const ranges = selectedRanges(editor, 'Select the text to infill (each selection becomes a hole). To fill [MASK] markers, use "Fill Placeholders".');
    if (!ranges) return undefined;
    const version = document.version;
    const lengths = await selectionLengths(ctx, document, ranges);
    if (!lengths || changedMeanwhile(document, version)) return undefined;
    // By default the model picks the length, up to a bound from the selection's; a setting forces it.
    const modelPicks = ctx.config.lengthPolicy === 'selection' && !ctx.config.exactSelectionLength;
    const holes: HoleSpec[] = ranges.map((r, i) => (modelPicks ? { ...r, length: selectionBound(lengths[i]), upTo: true } : { ...r, length: lengths[i] }));
    const request = makeRequest(ctx, buildSegments(document.getText(), holes, CONTEXT_CHARS));
    return request && ctx.sessions.start(document, ranges, request, 'Infill Selection');
  };
}

export function infillPlaceholders(ctx: Ctx): Cmd {
  return async (): Promise<Session | undefined> => {
    const editor = writableEditor();
    if (!editor) return undefined;
    const document = editor.document;
    const text = document.getText();
    const patterns = ctx.config.placeholderPatterns;
    const scopes = editor.selections.filter((s) => !s.isEmpty);
    const areas = scopes.length > 0 ? offsetsOf(document, scopes) : [{ start: 0, end: text.length }];
    const found: HoleSpec[] = [];
    const escapes: number[] = [];
    for (const area of areas) {
      let parsed;
      try {
        parsed = findPlaceholders(text, { patterns, defaultMaxTokens: ctx.config.placeholderDefaultLength, from: area.start, to: area.end });
      } catch (err) {
        warn(err instanceof Error ? err.message : String(err));
        return undefined;
      }
      for (const p of parsed.holes) found.push({ start: p.start, end: p.end, length: holeTokens(p.size), upTo: p.size.kind === 'bound' });
      for (const e of parsed.escapes) escapes.push(e);
    }
    if (found.length === 0) {
      const where = scopes.length > 0 ? 'the selection' : 'the document';
      warn(`No placeholders in ${where}. Write ${patterns.map((p) => `\`${p}\``).join(' or ')} where text should go (a length as e.g. \`[MASK:12]\`).`);
      return undefined;
    }
    const request = makeRequest(ctx, buildSegments(text, found, CONTEXT_CHARS, '', escapes));
    return request && ctx.sessions.start(document, found, request, 'Fill Placeholders');
  };
}

/** A prompt from a quick pick that offers earlier prompts; what is typed becomes the first item. */
/** How the typed text is used: continued by a base model, or answered by an instruct model. */
interface PromptKind {
  title: string;
  placeholder: string;
}

const CONTINUE_PROMPT: PromptKind = {
  // A base model continues text; it does not follow instructions: the title says so.
  title: 'Continue from Text: the model continues what you type here (not an instruction)',
  placeholder: 'Text to continue (not inserted); empty: the document before the cursor',
};

function instructionPrompt(model: ModelInfo): PromptKind {
  return { title: `Generate from Instruction: ${model.name} answers at the cursor`, placeholder: 'What to write, e.g. "a function that reverses a string"' };
}

async function askPrompt(ctx: Ctx, kind: PromptKind): Promise<string | undefined> {
  const history = ctx.extension.globalState.get<string[]>(PROMPT_HISTORY_KEY, []);
  const pick = vscode.window.createQuickPick();
  pick.title = kind.title;
  pick.placeholder = kind.placeholder;
  const historyItems = history.map((label) => ({ label }));
  pick.items = historyItems;
  pick.onDidChangeValue((v) => (pick.items = v ? [{ label: v }, ...historyItems.filter((i) => i.label !== v)] : historyItems));
  const prompt = await new Promise<string | undefined>((resolve) => {
    pick.onDidAccept(() => resolve(pick.selectedItems[0]?.label ?? pick.value));
    pick.onDidHide(() => resolve(undefined));
    pick.show();
  });
  pick.dispose();
  if (prompt === undefined) return undefined;
  if (prompt.trim() !== '') {
    const next = [prompt, ...history.filter((h) => h !== prompt)].slice(0, PROMPT_HISTORY_SIZE);
    await ctx.extension.globalState.update(PROMPT_HISTORY_KEY, next);
  }
  return prompt;
}

/** Continue from Text… (command `generate`): args `{ prompt, length }` skip the inputs (used by tests and keybindings). */
export function generate(ctx: Ctx): Cmd {
  return async (args?: { prompt?: string; length?: number }): Promise<Session | undefined> => {
    const editor = writableEditor();
    if (!editor) return undefined;
    const prompt = args?.prompt ?? (await askPrompt(ctx, CONTINUE_PROMPT));
    if (prompt === undefined) return undefined;
    const length = args?.length ?? (await askLength(ctx.config.fixedLength));
    if (length === undefined) return undefined;
    const document = editor.document;
    const at = document.offsetAt(editor.selection.active);
    const hole: HoleSpec = { start: at, end: at, length };
    // The prompt is context right before the hole: the model continues it; only the result is inserted.
    const request = makeRequest(ctx, buildSegments(document.getText(), [hole], CONTEXT_CHARS, toLf(prompt)));
    return request && ctx.sessions.start(document, [hole], request, 'Continue from Text');
  };
}

/**
 * Generate from Instruction… (command `instruct`): an instruct model (one whose tokenizer has a
 * chat template) answers at the cursor; the model picks the length up to the one chosen. Args
 * `{ instruction, length }` skip the inputs.
 */
export function instruct(ctx: Ctx): Cmd {
  return async (args?: { instruction?: string; length?: number }): Promise<Session | undefined> => {
    const editor = writableEditor();
    if (!editor) return undefined;
    let model: ModelInfo;
    try {
      model = await ctx.ensureModel();
    } catch (err) {
      void vscode.window.showErrorMessage(`Diffusion Infill: the model could not be loaded: ${(err as Error).message}`);
      return undefined;
    }
    if (!model.chat) {
      warn(`${model.name} has no chat template, so it continues text rather than following instructions. Use "Continue from Text…", or select an instruct model (Select Model…).`);
      return undefined;
    }
    const instruction = args?.instruction ?? (await askPrompt(ctx, instructionPrompt(model)));
    if (instruction === undefined || instruction.trim() === '') return undefined;
    const length = args?.length ?? (await askLength(ctx.config.fixedLength));
    if (length === undefined) return undefined;
    const at = editor.document.offsetAt(editor.selection.active);
    const hole: HoleSpec = { start: at, end: at, length, upTo: true };
    const request = makeRequest(ctx, [{ kind: 'hole', length, upTo: true }]);
    return request && ctx.sessions.start(editor.document, [hole], { ...request, instruction: toLf(instruction) }, 'Generate from Instruction');
  };
}

export function refineSelection(ctx: Ctx): Cmd {
  return async (): Promise<Session | undefined> => {
    const editor = writableEditor();
    if (!editor) return undefined;
    const document = editor.document;
    const ranges = selectedRanges(editor, 'Select the text to refine.');
    if (!ranges) return undefined;
    const text = document.getText();
    const version = document.version;
    const modelDir = ctx.config.modelDir;
    const holes: HoleSpec[] = await Promise.all(
      ranges.map(async (r) => {
        const initial = toLf(text.slice(r.start, r.end));
        return { ...r, length: (await ctx.tokens.count(modelDir, initial)).tokens, initial };
      }),
    );
    if (changedMeanwhile(document, version)) return undefined;
    const request = makeRequest(ctx, buildSegments(text, holes, CONTEXT_CHARS), ctx.config.refineStrength);
    return request && ctx.sessions.start(document, ranges, request, 'Refine Selection');
  };
}

function activeSession(ctx: Ctx, verb: string): Session | undefined {
  const session = ctx.sessions.active();
  if (!session) ctx.status.note(`nothing to ${verb}`);
  return session;
}

/**
 * Accept. Pressed as Tab (`args.key`, from the keybinding), it acts only with the cursor at the
 * hole: the key's context can lag the cursor (the extension host is a round trip away), and a Tab
 * pressed away from the hole is the user's indent, so it gets VS Code's own Tab.
 */
export function accept(ctx: Ctx): Cmd {
  return async (args?: { key?: string }): Promise<boolean> => {
    const session = activeSession(ctx, 'accept');
    const editor = vscode.window.activeTextEditor;
    if (args?.key === 'tab' && editor && !session?.cursorAt(editor)) {
      await vscode.commands.executeCommand('tab');
      return false;
    }
    if (!session) return false;
    if (session.phase === 'running') {
      // Tab during a run must not reach the document, nor take text the user has not seen finished.
      ctx.status.note('still forming: accept when it is done');
      return false;
    }
    return session.accept(vscode.window.activeTextEditor);
  };
}

export function reject(ctx: Ctx): Cmd {
  return () => activeSession(ctx, 'reject')?.reject();
}

export function cancel(ctx: Ctx): Cmd {
  return () => activeSession(ctx, 'cancel')?.cancel();
}

export function reroll(ctx: Ctx): Cmd {
  return async () => {
    const session = activeSession(ctx, 'reroll');
    if (!session) return;
    // A deterministic decoder (Best's beam) would write the same candidates again.
    if (isDecoderStrategy(session.request.sampler.strategy)) {
      ctx.status.note('same candidates every run: the decoder is deterministic (Fast and Balanced sample)');
      return;
    }
    void session.reroll();
  };
}

/** Select Model…: args, a folder to use, or `{ convert }` to convert a snapshot first (tests). */
export function selectModel(ctx: Ctx): Cmd {
  return async (folder?: string | { convert: ConvertArgs }): Promise<boolean> => {
    let dir = typeof folder === 'string' ? folder : undefined;
    if (typeof folder === 'object') {
      dir = await convertModelFolder(ctx, folder.convert);
      if (dir === undefined) return false;
    } else if (dir === undefined) {
      const current = path.resolve(ctx.config.modelDir);
      const inUse = (dir: string) => (path.resolve(dir) === current ? ' (in use)' : '');
      const browse = { label: '$(folder-opened) Choose a model folder…' };
      const convert = { label: '$(sync) Convert a Hugging Face folder…', description: 'Dream, Dream-Coder, DiffuCoder, Open-dCoder, LLaDA snapshots' };
      const embedded = {
        label: `${inUse(ctx.config.embeddedModelDir) ? '$(check)' : '$(package)'} Use the embedded model${inUse(ctx.config.embeddedModelDir)}`,
        description: ctx.config.embeddedModelDir,
      };
      const userModels = listModelFolders().map((m) => ({ label: `${inUse(m.dir) ? '$(check)' : '$(file-directory)'} ${m.name}${inUse(m.dir)}`, description: m.dir, dir: m.dir as string }));
      const choice = await vscode.window.showQuickPick([embedded, ...userModels, browse, convert], {
        title: `Diffusion Infill: Select Model (now: ${path.basename(current)})`,
        placeHolder: `The embedded model, a model folder under ${USER_MODELS_DIR}, or any folder`,
      });
      if (!choice) return false;
      if (choice === embedded) {
        dir = '';
      } else if (choice === convert) {
        dir = await convertModelFolder(ctx);
        if (dir === undefined) return false;
      } else if ('dir' in choice && typeof choice.dir === 'string') {
        dir = choice.dir;
      } else {
        const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Use this model' });
        if (!picked?.[0]) return false;
        dir = picked[0].fsPath;
      }
    }
    const settings = { ...ctx.config.loadSettings(), modelDir: dir === '' ? ctx.config.embeddedModelDir : dir };
    try {
      // Validate by loading: a folder is accepted only if the worker can run it.
      const model = await ctx.ensureModel(settings);
      await vscode.workspace.getConfiguration('diffusionInfill').update('modelPath', dir, vscode.ConfigurationTarget.Global);
      void vscode.window.showInformationMessage(`Diffusion Infill: using ${model.name} (${model.executionProvider}).`);
      return true;
    } catch (err) {
      ctx.forgetModel();
      const help = 'What a model folder needs';
      void vscode.window.showErrorMessage(`Diffusion Infill: ${settings.modelDir} cannot be used: ${(err as Error).message}`, help).then((choice) => {
        if (choice === help) void vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(path.join(ctx.extension.extensionPath, 'media', 'model-folder.md')));
      });
      return false;
    }
  };
}

export function showLog(ctx: Ctx): Cmd {
  return () => ctx.log.show();
}
