/**
 * Colours of the exported picture. The panel takes its colours from the theme (CSS variables); a
 * saved SVG/PNG cannot, so it gets concrete colours picked by the theme's kind. Pure.
 */
import { TokenState } from '../../core/types';

export type ThemeKind = 'light' | 'dark' | 'highContrast' | 'highContrastLight';

export interface Palette {
  background: string;
  foreground: string;
  muted: string;
  masked: string;
  decoded: string;
  remasked: string;
  settled: string;
  /** A step not recorded (a run too long for the recorder's memory bound). */
  skipped: string;
  maskedCurve: string;
  remaskCurve: string;
}

export const PALETTES: Record<ThemeKind, Palette> = {
  dark: {
    background: '#1e1e1e',
    foreground: '#cccccc',
    muted: '#808080',
    masked: '#3c3c3c',
    decoded: '#3fb950',
    remasked: '#f0883e',
    settled: '#4f7cac',
    skipped: '#2a2a2a',
    maskedCurve: '#9cdcfe',
    remaskCurve: '#f0883e',
  },
  light: {
    background: '#ffffff',
    foreground: '#333333',
    muted: '#888888',
    masked: '#d8d8d8',
    decoded: '#2da44e',
    remasked: '#d4600c',
    settled: '#6b9bd2',
    skipped: '#f2f2f2',
    maskedCurve: '#0451a5',
    remaskCurve: '#d4600c',
  },
  highContrast: {
    background: '#000000',
    foreground: '#ffffff',
    muted: '#bbbbbb',
    masked: '#333333',
    decoded: '#00ff00',
    remasked: '#ff9900',
    settled: '#00bfff',
    skipped: '#111111',
    maskedCurve: '#ffffff',
    remaskCurve: '#ff9900',
  },
  highContrastLight: {
    background: '#ffffff',
    foreground: '#000000',
    muted: '#444444',
    masked: '#bbbbbb',
    decoded: '#006400',
    remasked: '#b34700',
    settled: '#0b3d91',
    skipped: '#eeeeee',
    maskedCurve: '#000000',
    remaskCurve: '#b34700',
  },
};

/** The CSS class of a grid cell, shared by the panel, the SVG and the PNG. */
export type CellClass = 'masked' | 'decoded' | 'remasked' | 'settled' | 'skipped' | 'empty';

export function cellClass(state: TokenState | undefined): CellClass {
  switch (state) {
    case TokenState.Masked:
      return 'masked';
    case TokenState.Decoded:
      return 'decoded';
    case TokenState.Remasked:
      return 'remasked';
    case TokenState.Settled:
      return 'settled';
    default:
      return 'empty';
  }
}

/** A palette colour for a cell class ('empty' is the background). */
export function cellColour(palette: Palette, cls: CellClass): string {
  return cls === 'empty' ? palette.background : palette[cls];
}

/** '#rrggbb' → [r, g, b]. */
export function parseHex(colour: string): [number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(colour);
  if (!m) throw new Error(`not a #rrggbb colour: ${colour}`);
  const n = parseInt(m[1], 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
