/**
 * Draws sessions inline with decorations; never touches the document.
 *
 * A hole's preview is laid over the hole's own lines (see previewText.ts): line k of the text is
 * injected as `before` content at the start of the hole's line k (line 0 at the hole's start).
 * The original text of the hole stays in place, dimmed and struck through, a bar in the gutter
 * side marks the hole's lines, and a short hint with the keys follows the hole's last line.
 *
 * Each line is a row of runs (consecutive text of one style). VS Code orders several injected texts
 * at one position by their CSS class name, and the class name of a decoration starts with its
 * type's key. So every run gets its own "slot" decoration type, and slots are assigned in the
 * string order of their keys: run i always sorts before run i+1. (The UI test checks this order in
 * the real DOM.)
 */
import * as vscode from 'vscode';
import { TokenState } from '../core/types';
import type { TokenView } from '../protocol/protocol';
import { previewLines, type RunStyle } from './previewText';

/** The most runs drawn per line; more are merged into the last one (text unchanged). */
export const MAX_RUNS = 48;

export interface PreviewHole {
  range: vscode.Range;
  tokens: readonly TokenView[];
  /** Text taken by partial accepts, drawn before the tokens in the accepted style. */
  accepted?: string;
}

const color = (id: string) => new vscode.ThemeColor(`diffusionInfill.${id}`);

/** Preview text is italic and in the theme's ghost-text colours (never a syntax colour), with a border only high-contrast themes colour. */
const PREVIEW_TEXT: vscode.ThemableDecorationAttachmentRenderOptions = {
  fontStyle: 'italic',
  border: '1px dotted',
  borderColor: color('previewBorder'),
};

const RUN_STYLE: Record<RunStyle, vscode.ThemableDecorationAttachmentRenderOptions> = {
  [TokenState.Settled]: { ...PREVIEW_TEXT, color: color('settledForeground'), backgroundColor: color('previewBackground') },
  [TokenState.Masked]: { ...PREVIEW_TEXT, color: color('maskedForeground'), backgroundColor: color('previewBackground') },
  [TokenState.Decoded]: { ...PREVIEW_TEXT, color: color('decodedForeground'), backgroundColor: color('decodedBackground') },
  [TokenState.Remasked]: { ...PREVIEW_TEXT, color: color('remaskedForeground'), backgroundColor: color('remaskedBackground') },
  // Taken by a partial accept: upright, in the accepted colours (still not written).
  accepted: { ...PREVIEW_TEXT, fontStyle: 'normal', color: color('acceptedForeground'), backgroundColor: color('acceptedBackground') },
};

export class PreviewRenderer implements vscode.Disposable {
  private readonly slots: vscode.TextEditorDecorationType[];
  private readonly original: vscode.TextEditorDecorationType;
  private readonly marker: vscode.TextEditorDecorationType;
  private readonly hint: vscode.TextEditorDecorationType;
  private disposed = false;

  constructor() {
    const created: vscode.TextEditorDecorationType[] = [];
    for (let i = 0; i < MAX_RUNS; i++) {
      created.push(
        // The style comes with each decoration (per state), so the type itself is bare.
        vscode.window.createTextEditorDecorationType({ rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed }),
      );
    }
    // Slot order = the order VS Code sorts class names in (see the header comment).
    this.slots = created.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.original = vscode.window.createTextEditorDecorationType({
      color: color('originalForeground'),
      textDecoration: 'line-through',
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    });
    this.marker = vscode.window.createTextEditorDecorationType({
      isWholeLine: true,
      borderWidth: '0 0 0 2px',
      borderStyle: 'solid',
      borderColor: color('holeMarker'),
      overviewRulerColor: color('holeMarker'),
      overviewRulerLane: vscode.OverviewRulerLane.Center,
    });
    this.hint = vscode.window.createTextEditorDecorationType({
      after: { color: color('hintForeground'), fontStyle: 'italic', margin: '0 0 0 2em' },
    });
  }

  /** Draws `holes` in `editor`, and `hint` (a few words on the keys) after the first hole's last line. */
  render(editor: vscode.TextEditor, holes: readonly PreviewHole[], hint?: string): void {
    const tabSize = typeof editor.options.tabSize === 'number' ? editor.options.tabSize : 4;
    const bySlot: vscode.DecorationOptions[][] = this.slots.map(() => []);
    const markers: vscode.Range[] = [];
    for (const hole of holes) {
      const { start, end } = hole.range;
      markers.push(new vscode.Range(start.line, 0, end.line, 0));
      const lines = previewLines(hole.accepted ?? '', hole.tokens, tabSize, MAX_RUNS, end.line - start.line + 1);
      lines.forEach((runs, k) => {
        const at = k === 0 ? start : new vscode.Position(start.line + k, 0);
        const range = new vscode.Range(at, at);
        runs.forEach((run, i) => bySlot[i].push({ range, renderOptions: { before: { contentText: run.text, ...RUN_STYLE[run.state] } } }));
      });
    }
    // Every slot is set on every render, empty ones too, so stale runs always clear.
    this.slots.forEach((slot, i) => editor.setDecorations(slot, bySlot[i]));
    editor.setDecorations(
      this.original,
      holes.filter((h) => !h.range.isEmpty).map((h) => h.range),
    );
    editor.setDecorations(this.marker, markers);
    const hintLine = holes[0]?.range.end.line;
    editor.setDecorations(
      this.hint,
      hint && hintLine !== undefined ? [{ range: editor.document.lineAt(hintLine).range.with({ start: editor.document.lineAt(hintLine).range.end }), renderOptions: { after: { contentText: hint } } }] : [],
    );
  }

  clear(editor: vscode.TextEditor): void {
    for (const type of [...this.slots, this.original, this.marker, this.hint]) editor.setDecorations(type, []);
  }

  /** Decoration types this renderer holds (created once; 0 after dispose). */
  get liveDecorationTypes(): number {
    return this.disposed ? 0 : this.slots.length + 3;
  }

  dispose(): void {
    this.disposed = true;
    for (const type of [...this.slots, this.original, this.marker, this.hint]) type.dispose();
  }
}
