/**
 * Typed getters over the `diffusionInfill.*` settings. Numbers are clamped into their valid ranges
 * (each clamp is reported so the caller can tell the user); the sampler options are then checked
 * by the engine's own validator.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_SAMPLER_OPTIONS, MAX_STEPS, validateSamplerOptions } from '../core/options';
import type { SamplerOptions, StrategyName } from '../core/types';
import { DEFAULT_PRESET, PRESET_SETTINGS, type PresetSetting } from '../core/presets';
import { EXECUTION_PROVIDERS, MAX_CONTEXT_BIAS, type ExecutionProviderSetting, type LoadSettings } from '../protocol/protocol';
import { resolveModelPath, settingForTrust } from './trust';

export const SECTION = 'diffusionInfill';
export type LengthPolicy = 'selection' | 'fixed' | 'prompt';
export type CursorAway = 'park' | 'dismiss';

/** Settings that only a model reload picks up. */
export const MODEL_KEYS = ['modelPath', 'executionProvider', 'quantized', 'threads', 'contextBias'].map((k) => `${SECTION}.${k}`);

export class Config {
  private clamped: string[] = [];

  constructor(private readonly extensionPath: string) {}

  private get cfg(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SECTION);
  }

  /** A number setting clamped into [min, max]; not a number: its default (package.json owns the defaults). */
  private num(key: string, min: number, max: number, integer = false): number {
    const raw = this.cfg.get<unknown>(key);
    if (typeof raw !== 'number' || !Number.isFinite(raw)) return this.cfg.inspect<number>(key)?.defaultValue ?? min;
    let v = integer ? Math.round(raw) : raw;
    v = Math.min(max, Math.max(min, v));
    if (v !== raw) this.clamped.push(`${SECTION}.${key} = ${raw} is out of range; using ${v}`);
    return v;
  }

  /** Messages about settings that were out of range and were clamped since the last call. */
  takeClampMessages(): string[] {
    const messages = this.clamped;
    this.clamped = [];
    return messages;
  }

  /** The embedded model shipped inside the extension. */
  get embeddedModelDir(): string {
    return path.join(this.extensionPath, 'models', 'mdlm-code-small');
  }

  /**
   * The model folder. In an untrusted workspace a workspace-level value is ignored: a repository
   * must not be able to point the extension at a model (native code paths) of its choosing.
   */
  get modelDir(): string {
    const trusted = vscode.workspace.isTrusted;
    const value = trusted ? this.cfg.get<string>('modelPath') : settingForTrust(this.cfg.inspect<string>('modelPath'), false);
    return resolveModelPath(value, {
      trusted,
      embeddedModelDir: this.embeddedModelDir,
      homeDir: os.homedir(),
      workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    });
  }

  get executionProvider(): ExecutionProviderSetting {
    const v = vscode.workspace.isTrusted
      ? this.cfg.get<ExecutionProviderSetting>('executionProvider')
      : settingForTrust(this.cfg.inspect<ExecutionProviderSetting>('executionProvider'), false);
    return v && EXECUTION_PROVIDERS.includes(v) ? v : 'auto';
  }

  loadSettings(): LoadSettings {
    return {
      modelDir: this.modelDir,
      executionProvider: this.executionProvider,
      quantized: this.cfg.get<boolean>('quantized', true),
      threads: this.num('threads', 0, 64, true),
      contextBias: this.contextBias(),
    };
  }

  /** A number (clamped), else undefined: the model folder's own. */
  private contextBias(): number | undefined {
    const raw = this.cfg.get<unknown>('contextBias');
    return typeof raw === 'number' && Number.isFinite(raw) ? this.num('contextBias', 0, MAX_CONTEXT_BIAS) : undefined;
  }

  /** The sampler options from settings, clamped, then validated (throws DiffusionError with the field named). */
  samplerOptions(): Required<SamplerOptions> {
    const d = DEFAULT_SAMPLER_OPTIONS; // equal to package.json's sampler.* defaults (test/editor/settings.test.ts)
    const options: SamplerOptions = {
      strategy: this.cfg.get<StrategyName>('sampler.strategy', d.strategy),
      steps: this.num('sampler.steps', 1, MAX_STEPS, true),
      schedule: this.cfg.get('sampler.schedule', d.schedule),
      eta: this.num('sampler.eta', 0, 1),
      tOn: this.num('sampler.tOn', 0.001, 0.999),
      tOff: this.num('sampler.tOff', 0.001, 0.999),
      alphaOn: this.num('sampler.alphaOn', 0.001, 0.999),
      temperature: this.num('sampler.temperature', 0.01, 10),
      topP: this.num('sampler.topP', 0.01, 1),
      topK: this.num('sampler.topK', 0, 100000, true),
    };
    return validateSamplerOptions(options);
  }

  /** A fixed seed, or undefined for a fresh random seed per run. */
  get seed(): number | undefined {
    const raw = this.cfg.get<unknown>('seed');
    return typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 ? raw : undefined;
  }

  get lengthPolicy(): LengthPolicy {
    const v = this.cfg.get<string>('length.policy', 'selection');
    return v === 'fixed' || v === 'prompt' ? v : 'selection';
  }

  /** Infill Selection writes exactly the selection's token count (off: the model picks, up to a bound). */
  get exactSelectionLength(): boolean {
    return this.cfg.get<boolean>('length.exactSelection', false) === true;
  }

  get fixedLength(): number {
    return this.num('length.fixed', 1, 4096, true);
  }

  /** `[MASK]` always (as the CLI's parser), plus the configured extra patterns. */
  get placeholderPatterns(): string[] {
    const v = this.cfg.get<unknown>('placeholders.patterns');
    const extra = Array.isArray(v) ? v.filter((p): p is string => typeof p === 'string' && p.length > 0) : [];
    return ['[MASK]', ...extra.filter((p) => p !== '[MASK]')];
  }

  get placeholderDefaultLength(): number {
    return this.num('placeholders.defaultLength', 1, 4096, true);
  }

  get refineStrength(): number {
    return this.num('refine.strength', 0.01, 1);
  }

  /** What a preview does when the cursor leaves its hole: stays parked, or is dismissed. */
  get cursorAway(): CursorAway {
    return this.cfg.get<string>('preview.cursorAway') === 'dismiss' ? 'dismiss' : 'park';
  }

  get maxFramesPerSecond(): number {
    return this.num('preview.maxFramesPerSecond', 0, 240);
  }

  /** Samples drawn per request, offered as candidates. */
  get candidates(): number {
    return this.num('candidates', 1, 8, true);
  }

  get preset(): PresetSetting {
    const v = this.cfg.get<string>('preset', DEFAULT_PRESET);
    return (PRESET_SETTINGS as readonly string[]).includes(v) ? (v as PresetSetting) : DEFAULT_PRESET;
  }

  /** Raw values for `isLanguageEnabled`. */
  get languageSettings(): { enabled: unknown; disabled: unknown } {
    return { enabled: this.cfg.get<unknown>('enabledLanguages'), disabled: this.cfg.get<unknown>('disabledLanguages') };
  }
}
