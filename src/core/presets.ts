/**
 * Quality presets: ReMDM's inference-time-scaling knob (more steps, and remasking, buy quality with
 * time) as three named points. Pure, so the editor and the bench run exactly the same settings.
 * Steps scale with the tokens to fill: ReMDM's gains come from steps beyond the token count, where
 * plain MDLM has nothing left to decode.
 */
import { isDecoderStrategy, rowsAreRankedCandidates } from './options';
import type { SamplerOptions, Segment } from './types';

export type PresetName = 'fast' | 'balanced' | 'best';
export type PresetSetting = PresetName | 'custom';

export interface Preset {
  name: PresetName;
  label: string;
  /**
   * What a user decides by: time and quality with the editor's default 3 candidates, the best fit
   * first, on two CPU cores (stage 23 weights with the context bias, user cuts, exact length, the
   * mean of four seeds; bench/RESULTS.md, "The presets' figures with stage 23").
   */
  description: string;
  /** How it samples, for those who ask. */
  detail: string;
  /** The sampler for `holeTokens` tokens to fill (all holes of one request together). */
  sampler(holeTokens: number): SamplerOptions;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(v)));

export const PRESETS: readonly Preset[] = [
  {
    name: 'fast',
    label: 'Fast',
    description: 'quickest: ~0.5 s for a short span, the first candidate exactly right on 25% of held-out spans',
    detail: 'MDLM ancestral sampling, few steps (about one per two tokens, 4-16); no remasking',
    sampler: (n) => ({ strategy: 'mdlm', steps: clamp(n / 2, 4, 16), topP: 0.9 }),
  },
  {
    name: 'balanced',
    label: 'Balanced',
    description: '~0.7 s for a short span, the first candidate exactly right on 26%',
    detail: 'ReMDM-cap (eta 0.02), one step per token (16-128)',
    sampler: (n) => ({ strategy: 'remdm-cap', steps: clamp(n, 16, 128), eta: 0.02, topP: 0.9 }),
  },
  {
    name: 'best',
    label: 'Best',
    description: '~0.7 s for a short span, the first candidate exactly right on 31% (searches the order it fills in; the same text every time)',
    detail: 'beam search over unmasking orders, one token a step: each candidate is a beam, best first',
    // Mode-seeking: on held-out 1-8 token spans the beam's first candidate was right on 76 of 300,
    // where the remasking loop at top-p 0.5 and temperature 0.7 averaged 71 over five seeds
    // (bench/RESULTS.md, "A beam over unmasking orders").
    sampler: (n) => ({ strategy: 'beam', steps: clamp(n, 1, 512) }),
  },
];

export const PRESET_SETTINGS: readonly PresetSetting[] = [...PRESETS.map((p) => p.name), 'custom'];

/**
 * The default sampler everywhere: the editor's default preset and the CLI's without --preset. The
 * fields a preset leaves out come from DEFAULT_SAMPLER_OPTIONS (options.ts), which are also the
 * `diffusionInfill.sampler.*` settings' defaults for `custom`.
 */
export const DEFAULT_PRESET: PresetName = 'balanced';

/** Tokens to fill in all holes of a request (a preset's steps scale with it). */
export function tokensToFill(segments: readonly Segment[]): number {
  return segments.reduce((n, s) => n + (s.kind === 'hole' ? s.length : 0), 0);
}

export function findPreset(name: string): Preset | undefined {
  return PRESETS.find((p) => p.name === name);
}

/**
 * Samples to draw for `wanted` candidates: a deterministic decoder gives the same text every time,
 * so it draws one, except the beam, whose rows are its beams.
 */
export function samplesFor(sampler: SamplerOptions, wanted: number): number {
  return isDecoderStrategy(sampler.strategy) && !rowsAreRankedCandidates(sampler.strategy) ? 1 : Math.max(1, Math.floor(wanted));
}
