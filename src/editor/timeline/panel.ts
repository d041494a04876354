/**
 * The Refinement Timeline webview panel: owns the webview, its page and its message channel; knows
 * nothing of runs (the controller decides what to send and what a message means).
 */
import * as vscode from 'vscode';
import { makeNonce, timelineHtml } from './html';
import { parseFromWebview, type FromWebview, type ToWebview } from './payload';

export interface PanelEvents {
  message(message: FromWebview): void;
  /** The panel went out of view (another tab on top, or closed). */
  hidden(): void;
  disposed(): void;
}

export class TimelinePanel implements vscode.Disposable {
  static readonly viewType = 'diffusionInfill.timeline';
  private readonly panel: vscode.WebviewPanel;
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Messages wait until the page says it is ready; only the latest of each type matters. */
  private ready = false;
  private readonly pending = new Map<ToWebview['type'], ToWebview>();
  private disposed = false;

  constructor(extensionUri: vscode.Uri, private readonly events: PanelEvents) {
    const media = vscode.Uri.joinPath(extensionUri, 'media');
    this.panel = vscode.window.createWebviewPanel(
      TimelinePanel.viewType,
      'Refinement Timeline',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, localResourceRoots: [media], retainContextWhenHidden: false },
    );
    const webview = this.panel.webview;
    webview.html = timelineHtml(
      {
        cspSource: webview.cspSource,
        script: webview.asWebviewUri(vscode.Uri.joinPath(media, 'timeline.js')).toString(),
        style: webview.asWebviewUri(vscode.Uri.joinPath(media, 'timeline.css')).toString(),
      },
      makeNonce(),
    );
    this.subscriptions.push(
      webview.onDidReceiveMessage((raw) => {
        const message = parseFromWebview(raw);
        if (!message) return;
        if (message.type === 'ready') {
          this.ready = true;
          this.flush();
        }
        this.events.message(message);
      }),
      this.panel.onDidChangeViewState((e) => {
        // Without retainContextWhenHidden the page is rebuilt when shown again and says 'ready'.
        if (!e.webviewPanel.visible) {
          this.ready = false;
          this.events.hidden();
        }
      }),
      this.panel.onDidDispose(() => {
        this.disposed = true;
        this.events.hidden();
        this.events.disposed();
        this.subscriptions.forEach((d) => d.dispose());
      }),
    );
  }

  get visible(): boolean {
    return !this.disposed && this.panel.visible;
  }

  reveal(): void {
    this.panel.reveal(undefined, true);
  }

  post(message: ToWebview): void {
    if (this.disposed) return;
    this.pending.set(message.type, message);
    if (this.ready) this.flush();
  }

  private flush(): void {
    // 'runs' before 'step': a step refers to grids the page must already have.
    for (const type of ['runs', 'step'] as const) {
      const message = this.pending.get(type);
      if (!message) continue;
      this.pending.delete(type);
      void this.panel.webview.postMessage(message);
    }
  }

  dispose(): void {
    if (!this.disposed) this.panel.dispose();
  }
}
