/**
 * The extension's context: owns the worker client (the model), the log, the status bar, the
 * sessions, and every lifetime; commands get it and nothing else.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { WorkerClient } from '../host/client';
import type { LoadSettings, ModelInfo } from '../protocol/protocol';
import { Config, MODEL_KEYS } from './config';
import { logText } from './errorText';
import { SessionPresenter } from './sessionPresenter';
import { SessionRegistry } from './sessionRegistry';
import { StatusBar } from './status';
import { ModeStatus } from './modeStatus';
import type { InfillRequest } from '../protocol/protocol';
import { TimelineController } from './timeline/controller';
import { TokenCounter } from './tokenCounter';

export class Ctx implements vscode.Disposable {
  readonly log = vscode.window.createOutputChannel('Diffusion Infill', { log: true });
  readonly status = new StatusBar();
  readonly config: Config;
  readonly tokens = new TokenCounter();
  readonly client: WorkerClient;
  readonly sessions: SessionRegistry;
  /** Draws the sessions: previews, status bar, context keys, progress. */
  readonly presenter: SessionPresenter;
  readonly timeline: TimelineController;
  /** Quality preset and pause (second status bar item). */
  readonly mode: ModeStatus;
  /** A copy of the last request sent to the worker (for the tests). */
  lastRequest: InfillRequest | undefined;
  private loaded: { key: string; info: Promise<ModelInfo> } | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(readonly extension: vscode.ExtensionContext) {
    this.config = new Config(extension.extensionPath);
    this.mode = new ModeStatus(extension.globalState, this.config);
    // The bundle puts the worker beside the extension: dist/extension.js, dist/worker.js.
    this.client = new WorkerClient(path.join(__dirname, 'worker.js'), {
      onDidCrash: (error) => {
        this.log.error(`The model worker stopped: ${error.message}. It restarts with the next request.`);
        this.status.idle('worker restarted');
      },
      onStrayError: (error) => this.log.error(`Worker: ${error.stack ?? error.message}`),
    });
    this.sessions = new SessionRegistry(
      {
        ensureModel: () => this.ensureModel(),
        // The worker sends every step, so the timeline has them all; the session draws at most
        // the request's frames per second.
        infill: (request, onFrame) => (this.lastRequest = structuredClone(request)) && this.client.infill({ ...request, maxFramesPerSecond: 0 }, onFrame),
        cancel: (id) => this.client.cancel(id),
        log: this.log,
      },
      () => this.config.cursorAway,
    );
    this.presenter = new SessionPresenter(this.sessions, this.status, this.log);
    this.timeline = new TimelineController(extension.extensionUri, this.sessions, this.presenter, this.log);
    this.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (MODEL_KEYS.some((k) => e.affectsConfiguration(k))) this.loaded = undefined;
      }),
    );
  }

  /** The model for the current settings, loaded once and reused until they change. */
  ensureModel(settings: LoadSettings = this.config.loadSettings()): Promise<ModelInfo> {
    const key = JSON.stringify(settings);
    if (this.loaded?.key === key) return this.loaded.info;
    this.status.loading();
    this.log.info(`Loading model ${settings.modelDir} (provider ${settings.executionProvider}, quantized ${settings.quantized})`);
    const info = this.client.load(settings).then(
      (model) => {
        this.log.info(
          `Loaded ${model.name}: ${model.onnxFile}, vocab ${model.vocabSize}, window ${model.maxLength} tokens, provider ${model.executionProvider}${model.providerNotice ? ` (${model.providerNotice})` : ''}, ${model.loadMs.toFixed(0)} ms`,
        );
        if (model.providerNotice) void vscode.window.showWarningMessage(`Diffusion Infill: ${model.providerNotice}`);
        this.status.setModel(model);
        this.status.idle();
        return model;
      },
      (err: Error) => {
        if (this.loaded?.info === info) this.loaded = undefined;
        this.log.error(`Could not load ${settings.modelDir}: ${logText(err)}`);
        // Only the configured model's failure is news for the status bar (not a folder Select Model tried).
        if (key === JSON.stringify(this.config.loadSettings())) this.status.idle('model failed to load');
        throw err;
      },
    );
    this.loaded = { key, info };
    return info;
  }

  /** Forgets the loaded model (after loading another folder to validate it). */
  forgetModel(): void {
    this.loaded = undefined;
  }

  dispose(): void {
    this.timeline.dispose();
    this.sessions.dispose();
    this.presenter.dispose();
    this.subscriptions.forEach((d) => d.dispose());
    void this.client.dispose();
    this.status.dispose();
    this.mode.dispose();
    this.log.dispose();
  }
}
