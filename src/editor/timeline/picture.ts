/**
 * The timeline as a picture: one layout of rectangles, lines and labels, drawn by two renderers
 * (SVG with labels and tooltips, PNG without text). Rows are steps, columns token positions; under
 * the grid, each position's final confidence, then the masked-tokens curve and the remask events per
 * step. Two runs are laid out side by side for comparison. Pure.
 */
import {
  columnsOf,
  frameAt,
  lastFrame,
  runTitle,
  skippedSteps,
  stepStats,
  type StepStats,
  type TimelineRun,
} from './model';
import { cellClass } from './palette';
import { appendAll } from '../../core/arrays';
import { TokenState } from '../../core/types';

export type Shape =
  | { kind: 'rect'; x: number; y: number; w: number; h: number; cls: string; title?: string }
  | { kind: 'line'; points: [number, number][]; cls: string }
  | { kind: 'text'; x: number; y: number; text: string; cls: string; anchor?: 'start' | 'middle' | 'end' };

export interface Picture {
  width: number;
  height: number;
  shapes: Shape[];
}

export interface PictureOptions {
  cellWidth?: number;
  cellHeight?: number;
  /** Per-cell tooltips (token text, state, confidence). */
  titles?: boolean;
}

const LEFT = 44;
const TOP = 40;
const GAP = 28;
const CONF_HEIGHT = 16;
const CHART_HEIGHT = 84;
const STATE_NAMES: Record<number, string> = {
  [TokenState.Settled]: 'settled',
  [TokenState.Masked]: 'masked',
  [TokenState.Decoded]: 'decoded this step',
  [TokenState.Remasked]: 'remasked this step',
};

/** A probability for a tooltip: two decimals, or one significant digit below 0.01 (small models are often unsure). */
export function formatP(p: number): string {
  return p >= 0.01 || p === 0 ? p.toFixed(2) : p.toExponential(0);
}

/** How a token reads in a tooltip: whitespace made visible. */
export function displayToken(text: string): string {
  return text.replace(/\r?\n/g, '↵').replace(/\t/g, '⇥');
}

/** The masked-tokens curve and remask bars for `stats`, in a box at (x, y). */
export function chartShapes(stats: readonly StepStats[], positions: number, x: number, y: number, width: number, height: number): Shape[] {
  const shapes: Shape[] = [];
  const T = Math.max(1, stats.length);
  const stepX = (s: number) => x + ((s - 0.5) / T) * width;
  const maxRemask = Math.max(1, ...stats.map((s) => s.remasked));
  const barHeight = height * 0.35;
  const barWidth = Math.max(1, width / T - 1);
  shapes.push({ kind: 'line', points: [[x, y], [x, y + height], [x + width, y + height]], cls: 'axis' });
  for (const s of stats) {
    if (s.recorded && s.remasked > 0) {
      const h = (s.remasked / maxRemask) * barHeight;
      shapes.push({ kind: 'rect', x: stepX(s.step) - barWidth / 2, y: y + height - h, w: barWidth, h, cls: 'bar-remask', title: `step ${s.step}: ${s.remasked} remasked` });
    }
  }
  // The masked curve only joins recorded steps: a gap would otherwise be drawn as data.
  let segment: [number, number][] = [];
  const flush = () => {
    if (segment.length > 0) shapes.push({ kind: 'line', points: segment, cls: 'curve-masked' });
    segment = [];
  };
  for (const s of stats) {
    if (!s.recorded) {
      flush();
      continue;
    }
    segment.push([stepX(s.step), y + height - (s.masked / Math.max(1, positions)) * height]);
  }
  flush();
  shapes.push({ kind: 'text', x: x + width, y: y - 4, text: `masked of ${positions} ·  remasks (max ${maxRemask}/step)`, cls: 'label', anchor: 'end' });
  return shapes;
}

/** Where a run's block puts things: each hole's first column, the grid's width. */
interface BlockLayout {
  x0: number;
  columns: number[];
  holeX: number[];
  gridWidth: number;
  cw: number;
  ch: number;
  titles: boolean;
}

function blockLayout(run: TimelineRun, x0: number, options: Required<PictureOptions>): BlockLayout {
  const { cellWidth: cw, cellHeight: ch } = options;
  const columns = columnsOf(run);
  const holeX: number[] = [];
  let cursor = x0 + LEFT;
  for (const n of columns) {
    holeX.push(cursor);
    cursor += (n + 1) * cw;
  }
  return { x0, columns, holeX, gridWidth: Math.max(cw, cursor - cw - (x0 + LEFT)), cw, ch, titles: options.titles };
}

/** The run's title and a line on its size, skipped steps and status. */
function headerShapes(run: TimelineRun, { x0, columns }: BlockLayout): Shape[] {
  const skipped = skippedSteps(run);
  const note = `${run.frames.length} steps × ${columns.join(' + ')} positions${skipped.length ? ` · ${skipped.length} step(s) not recorded (memory bound)` : ''}${run.status !== 'done' ? ` · ${run.status}${run.note ? ` (${run.note})` : ''}` : ''}`;
  return [
    { kind: 'text', x: x0 + 4, y: 14, text: runTitle(run), cls: 'title' },
    { kind: 'text', x: x0 + 4, y: 30, text: note, cls: 'label' },
  ];
}

/**
 * One row per step, one cell per position coloured by its state; a step not recorded is one grey
 * row, a step not run (yet) is left blank.
 */
function gridShapes(run: TimelineRun, layout: BlockLayout): Shape[] {
  const { x0, holeX, gridWidth, cw, ch, titles } = layout;
  const shapes: Shape[] = [];
  const T = run.frames.length;
  const skipped = new Set(skippedSteps(run));
  for (let step = 1; step <= T; step++) {
    const y = TOP + (step - 1) * ch;
    if (step === 1 || step === T || step % 10 === 0) shapes.push({ kind: 'text', x: x0 + LEFT - 6, y: y + ch, text: String(step), cls: 'label', anchor: 'end' });
    const holes = run.frames[step - 1];
    if (!holes) {
      if (skipped.has(step)) shapes.push({ kind: 'rect', x: x0 + LEFT, y, w: gridWidth, h: ch, cls: 'skipped', title: titles ? `step ${step}: not recorded (memory bound)` : undefined });
      continue;
    }
    holes.forEach((views, h) =>
      views.forEach((v, c) => {
        const title = titles
          ? `step ${step} · hole ${h + 1} · #${c + 1} · ${v.state === TokenState.Masked ? '(mask)' : JSON.stringify(displayToken(v.text))} · ${STATE_NAMES[v.state] ?? ''}${v.state !== TokenState.Masked ? ` · p=${formatP(v.confidence)}` : ''}`
          : undefined;
        shapes.push({ kind: 'rect', x: holeX[h] + c * cw, y, w: cw - 1, h: ch - 1, cls: cellClass(v.state), title });
      }),
    );
  }
  return shapes;
}

/** Final confidence at `y`: a bar per position, as tall as the probability it was decoded with. */
function confidenceShapes(run: TimelineRun, { x0, holeX, cw, titles }: BlockLayout, y: number): Shape[] {
  const shapes: Shape[] = [{ kind: 'text', x: x0 + LEFT - 6, y: y + CONF_HEIGHT, text: 'p', cls: 'label', anchor: 'end' }];
  lastFrame(run).holes.forEach((views, h) =>
    views.forEach((v, c) => {
      const p = v.state === TokenState.Masked || v.state === TokenState.Remasked ? 0 : Math.max(0, Math.min(1, v.confidence));
      shapes.push({ kind: 'rect', x: holeX[h] + c * cw, y, w: cw - 1, h: CONF_HEIGHT, cls: 'conf-bg' });
      if (p > 0) {
        shapes.push({
          kind: 'rect',
          x: holeX[h] + c * cw,
          y: y + CONF_HEIGHT * (1 - p),
          w: cw - 1,
          h: CONF_HEIGHT * p,
          cls: 'conf',
          title: titles ? `final #${c + 1} ${JSON.stringify(displayToken(v.text))}: p=${formatP(v.confidence)}` : undefined,
        });
      }
    }),
  );
  return shapes;
}

/** One run's block at x0: header, step grid, final confidence, then the chart. */
function runBlock(run: TimelineRun, x0: number, options: Required<PictureOptions>): { shapes: Shape[]; width: number; height: number } {
  const layout = blockLayout(run, x0, options);
  const confY = TOP + run.frames.length * layout.ch + 8;
  const chartY = confY + CONF_HEIGHT + 22;
  const chartWidth = Math.max(layout.gridWidth, 160);
  const positions = layout.columns.reduce((a, b) => a + b, 0);
  const shapes = headerShapes(run, layout);
  appendAll(shapes, gridShapes(run, layout));
  appendAll(shapes, confidenceShapes(run, layout, confY));
  appendAll(shapes, chartShapes(stepStats(run), positions, x0 + LEFT, chartY, chartWidth, CHART_HEIGHT));
  return { shapes, width: LEFT + Math.max(layout.gridWidth, chartWidth) + 12, height: chartY + CHART_HEIGHT + 10 };
}

/** The whole picture of one run, or of two side by side. */
export function timelinePicture(runs: readonly TimelineRun[], options: PictureOptions = {}): Picture {
  const opts: Required<PictureOptions> = { cellWidth: options.cellWidth ?? 10, cellHeight: options.cellHeight ?? 8, titles: options.titles ?? true };
  const shapes: Shape[] = [];
  let width = 0;
  let height = 0;
  for (const run of runs) {
    const block = runBlock(run, width === 0 ? 0 : width + GAP, opts);
    appendAll(shapes, block.shapes);
    width = (width === 0 ? 0 : width + GAP) + block.width;
    height = Math.max(height, block.height);
  }
  return { width: Math.ceil(Math.max(width, 200)), height: Math.ceil(Math.max(height, 60)), shapes };
}

/** The text a step shows per hole (for the panel's text strip): masks as '░'. */
export function stepText(run: TimelineRun, step: number): { shownStep: number; texts: string[] } {
  const shown = frameAt(run, step);
  return { shownStep: shown.shownStep, texts: shown.holes.map((views) => views.map((v) => (v.state === TokenState.Masked || v.state === TokenState.Remasked ? '░' : v.text)).join('')) };
}
