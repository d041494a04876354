/**
 * What the extension sends the timeline webview, and what the webview sends back: plain JSON, built
 * here from the data model. Pure.
 */
import { TokenState } from '../../core/types';
import { columnsOf, runTitle, skippedSteps, stepStats, type RunStatus, type TimelineRun } from './model';
import { chartShapes, stepText, type Picture } from './picture';
import { pictureToSvg } from './svg';

/** One step of one hole: a state letter per view (m masked, d decoded, r remasked, s settled), texts, confidences. */
export interface HoleRow {
  s: string;
  t: string[];
  p: number[];
}

export interface GridPayload {
  id: number;
  title: string;
  status: RunStatus;
  note?: string;
  steps: number;
  columns: number[];
  /** rows[step - 1]; null where the step was not recorded. */
  rows: (HoleRow[] | null)[];
  skipped: number[];
  /** The masked curve and the remask bars, as an SVG element coloured by the panel's CSS. */
  curveSvg: string;
  masked: number[];
  remasked: number[];
}

export interface RunChoice {
  id: number;
  title: string;
}

export interface StepPayload {
  step: number;
  /** Per shown run: the step whose frame is shown (a skipped step shows the one before) and its texts. */
  shown: { id: number; shownStep: number; texts: string[] }[];
  /** Where the step is drawn: inline in the editor, or only here (and why). */
  previewNote: string;
}

export type ToWebview =
  | { type: 'runs'; runs: RunChoice[]; a?: GridPayload; b?: GridPayload }
  | { type: 'step'; payload: StepPayload };

export type FromWebview =
  | { type: 'ready' }
  | { type: 'scrub'; step: number }
  | { type: 'select'; a: number; b: number | null }
  | { type: 'export'; format: 'svg' | 'png' };

const STATE_LETTER: Record<number, string> = {
  [TokenState.Settled]: 's',
  [TokenState.Masked]: 'm',
  [TokenState.Decoded]: 'd',
  [TokenState.Remasked]: 'r',
};

export function gridPayload(run: TimelineRun): GridPayload {
  const stats = stepStats(run);
  const columns = columnsOf(run);
  const positions = columns.reduce((a, b) => a + b, 0);
  const width = Math.max(240, Math.min(900, run.frames.length * 6));
  const height = 90;
  const chart: Picture = { width: width + 8, height: height + 22, shapes: chartShapes(stats, positions, 4, 16, width, height) };
  return {
    id: run.id,
    title: runTitle(run),
    status: run.status,
    note: run.note,
    steps: run.frames.length,
    columns,
    rows: run.frames.map((holes) =>
      holes
        ? holes.map((views) => ({
            s: views.map((v) => STATE_LETTER[v.state] ?? 's').join(''),
            t: views.map((v) => v.text),
            p: views.map((v) => Number(v.confidence.toPrecision(3))),
          }))
        : null,
    ),
    skipped: skippedSteps(run),
    curveSvg: pictureToSvg(chart),
    masked: stats.map((s) => s.masked),
    remasked: stats.map((s) => s.remasked),
  };
}

export function stepPayload(runs: readonly TimelineRun[], step: number, previewNote: string): StepPayload {
  return {
    step,
    shown: runs.map((run) => ({ id: run.id, ...stepText(run, step) })),
    previewNote,
  };
}

/** Validates a message from the webview (it is untrusted input). */
export function parseFromWebview(message: unknown): FromWebview | undefined {
  if (!message || typeof message !== 'object') return undefined;
  const m = message as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      return { type: 'ready' };
    case 'scrub':
      return typeof m.step === 'number' && Number.isFinite(m.step) ? { type: 'scrub', step: Math.round(m.step) } : undefined;
    case 'select':
      return typeof m.a === 'number' && (m.b === null || typeof m.b === 'number') ? { type: 'select', a: m.a, b: m.b as number | null } : undefined;
    case 'export':
      return m.format === 'svg' || m.format === 'png' ? { type: 'export', format: m.format } : undefined;
    default:
      return undefined;
  }
}
