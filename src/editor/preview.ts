/**
 * Draws sessions inline with decorations; never touches the document.
 *
 * Each hole's preview is a row of runs (consecutive tokens of one state) injected as `before`
 * content at the hole's start; the original text of the hole stays in place, dimmed and struck
 * through. VS Code orders several injected texts at one position by their CSS class name, and the
 * class name of a decoration starts with its type's key. So every run gets its own "slot"
 * decoration type, and slots are assigned in the string order of their keys: run i always sorts
 * before run i+1. (The UI test checks this order in the real DOM.)
 */
import * as vscode from 'vscode';
import { TokenState } from '../core/types';
import type { TokenView } from '../protocol/protocol';
import { previewRuns } from './previewText';

/** The most runs drawn per hole; more are merged into the last one (text unchanged). */
export const MAX_RUNS = 48;

export interface PreviewHole {
  range: vscode.Range;
  tokens: readonly TokenView[];
}

const STATE_STYLE: Record<TokenState, vscode.ThemableDecorationAttachmentRenderOptions> = {
  [TokenState.Settled]: {
    color: new vscode.ThemeColor('diffusionInfill.settledForeground'),
    backgroundColor: new vscode.ThemeColor('diffusionInfill.previewBackground'),
  },
  [TokenState.Masked]: {
    color: new vscode.ThemeColor('diffusionInfill.maskedForeground'),
    backgroundColor: new vscode.ThemeColor('diffusionInfill.previewBackground'),
  },
  [TokenState.Decoded]: {
    color: new vscode.ThemeColor('diffusionInfill.decodedForeground'),
    backgroundColor: new vscode.ThemeColor('diffusionInfill.decodedBackground'),
  },
  [TokenState.Remasked]: {
    color: new vscode.ThemeColor('diffusionInfill.remaskedForeground'),
    backgroundColor: new vscode.ThemeColor('diffusionInfill.remaskedBackground'),
  },
};

export class PreviewRenderer implements vscode.Disposable {
  private readonly slots: vscode.TextEditorDecorationType[];
  private readonly original: vscode.TextEditorDecorationType;
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
      color: new vscode.ThemeColor('diffusionInfill.originalForeground'),
      textDecoration: 'line-through',
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    });
  }

  render(editor: vscode.TextEditor, holes: readonly PreviewHole[]): void {
    const tabSize = typeof editor.options.tabSize === 'number' ? editor.options.tabSize : 4;
    const bySlot: vscode.DecorationOptions[][] = this.slots.map(() => []);
    for (const hole of holes) {
      const at = new vscode.Range(hole.range.start, hole.range.start);
      previewRuns(hole.tokens, tabSize, MAX_RUNS).forEach((run, i) => {
        bySlot[i].push({
          range: at,
          renderOptions: { before: { contentText: run.text, ...STATE_STYLE[run.state], fontStyle: run.state === TokenState.Remasked ? 'italic' : 'normal' } },
        });
      });
    }
    // Every slot is set on every render, empty ones too, so stale runs always clear.
    this.slots.forEach((slot, i) => editor.setDecorations(slot, bySlot[i]));
    editor.setDecorations(
      this.original,
      holes.filter((h) => !h.range.isEmpty).map((h) => h.range),
    );
  }

  clear(editor: vscode.TextEditor): void {
    for (const slot of this.slots) editor.setDecorations(slot, []);
    editor.setDecorations(this.original, []);
  }

  /** Decoration types this renderer holds (created once; 0 after dispose). */
  get liveDecorationTypes(): number {
    return this.disposed ? 0 : this.slots.length + 1;
  }

  dispose(): void {
    this.disposed = true;
    for (const slot of this.slots) slot.dispose();
    this.original.dispose();
  }
}
