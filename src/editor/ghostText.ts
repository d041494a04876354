/**
 * A finished result of several lines at a point hole (Continue from Text, Generate from
 * Instruction, a placeholder) is shown as VS Code's own inline suggestion, which draws its lines in
 * their shape; decorations cannot add lines, so they would flatten it onto one line with '↵'.
 * The preview's keys stay ours (Tab accepts through the session, one undo), so this only draws.
 */
import * as vscode from 'vscode';

interface Offer {
  document: vscode.TextDocument;
  position: vscode.Position;
  text: string;
}

export class GhostText implements vscode.InlineCompletionItemProvider, vscode.Disposable {
  private offer: Offer | undefined;
  private readonly registration: vscode.Disposable;

  constructor() {
    this.registration = vscode.languages.registerInlineCompletionItemProvider({ pattern: '**' }, this);
  }

  /** Whether inline suggestions are on for the document (else the decorations flatten the text). */
  static enabled(document: vscode.TextDocument): boolean {
    return vscode.workspace.getConfiguration('editor', document).get<boolean>('inlineSuggest.enabled', true);
  }

  /** Offers `text` at `position` and asks the editor to show it now. */
  show(document: vscode.TextDocument, position: vscode.Position, text: string): void {
    const same = this.offer && this.offer.document === document && this.offer.position.isEqual(position) && this.offer.text === text;
    this.offer = { document, position, text };
    if (!same) void vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
  }

  hide(document: vscode.TextDocument): void {
    if (this.offer?.document !== document) return;
    this.offer = undefined;
    void vscode.commands.executeCommand('editor.action.inlineSuggest.hide');
  }

  /** The text on offer in the document, if any (tests). */
  shown(document: vscode.TextDocument): string | undefined {
    return this.offer?.document === document ? this.offer.text : undefined;
  }

  provideInlineCompletionItems(document: vscode.TextDocument, position: vscode.Position): vscode.InlineCompletionItem[] {
    const offer = this.offer;
    if (!offer || offer.document !== document || !offer.position.isEqual(position)) return [];
    return [new vscode.InlineCompletionItem(offer.text, new vscode.Range(position, position))];
  }

  dispose(): void {
    this.offer = undefined;
    this.registration.dispose();
  }
}
