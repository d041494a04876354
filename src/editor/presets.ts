/** The sampler a request runs with: the chosen quality preset, or the advanced settings (`custom`). */
import { validateSamplerOptions } from '../core/options';
import { findPreset } from '../core/presets';
import type { SamplerOptions, Segment } from '../core/types';
import type { Config } from './config';

/** Tokens to fill in all holes of a request (a preset's steps scale with it). */
export function holeTokens(segments: readonly Segment[]): number {
  return segments.reduce((n, s) => n + (s.kind === 'hole' ? s.length : 0), 0);
}

/** Throws DiffusionError naming the field when custom settings are invalid. */
export function samplerFor(config: Config, segments: readonly Segment[]): Required<SamplerOptions> {
  const preset = findPreset(config.preset);
  return preset ? validateSamplerOptions(preset.sampler(holeTokens(segments))) : config.samplerOptions();
}
