/** The sampler a request runs with: the chosen quality preset, or the advanced settings (`custom`). */
import { validateSamplerOptions } from '../core/options';
import { findPreset, tokensToFill } from '../core/presets';
import type { SamplerOptions, Segment } from '../core/types';
import type { Config } from './config';

/** Throws DiffusionError naming the field when custom settings are invalid. */
export function samplerFor(config: Config, segments: readonly Segment[]): Required<SamplerOptions> {
  const preset = findPreset(config.preset);
  return preset ? validateSamplerOptions(preset.sampler(tokensToFill(segments))) : config.samplerOptions();
}
