/**
 * The refinement timeline's data: every frame of a run that reached the editor, kept per step, for
 * the last few runs. Pure (no `vscode`): the controller feeds it frames, the panel, the SVG and the
 * PNG read it.
 *
 * Recording choice: the worker sends the editor every step (the preview draws at most its frame
 * rate), so a timeline opened after a run has all of it. Memory is bounded: a run too long for
 * MAX_VIEWS_PER_RUN keeps every k-th step and its last, and the steps it left are marked as not
 * recorded (never invented).
 */
import { TokenState } from '../../core/types';
import { bestFirst, holeTexts, type HoleLengthReport, type SampleTexts, type TokenView } from '../../protocol/protocol';

/** Token views one run may keep (about 10 MB): 1,024 steps of a 97-token hole. */
export const MAX_VIEWS_PER_RUN = 100_000;

/** What a run was asked to do (shown in the panel and the exported picture). */
export interface RunMeta {
  /** The command that started it, e.g. 'Infill Selection'. */
  label: string;
  /** The document's name. */
  document: string;
  strategy: string;
  /** T as requested; frames may report their own `totalSteps`, which wins. */
  steps: number;
  seed: number;
  /** Tokens per hole, from the request. */
  holeLengths: number[];
}

export type RunStatus = 'running' | 'done' | 'stopped';

/** [hole] → the views of that hole at one step (sample 0: the editor draws one sample). */
export type StepHoles = TokenView[][];

export interface TimelineRun {
  /** The recorder's own number for the run (1, 2, ...). */
  readonly id: number;
  /** The worker's request id: frames of one run share it. */
  readonly requestId: number;
  readonly meta: RunMeta;
  /** frames[step - 1]: what step `step` showed, or undefined if that step never reached the editor. */
  frames: (StepHoles | undefined)[];
  status: RunStatus;
  /** Why it stopped early (cancelled, edited, error...). */
  note?: string;
  /** The lengths a length search tried per hole, when the model picked the length. */
  lengths?: HoleLengthReport[];
  /** Every how many steps a frame is kept (1 unless the run is too long for MAX_VIEWS_PER_RUN). */
  stride?: number;
  /** When the run ranked several samples by fit: how many, and which (1-based) fit best; the frames are sample 1's. */
  ranked?: { samples: number; best: number };
}

/** The frame shown for a step: the step itself, or the closest earlier one that was recorded. */
export interface ShownFrame {
  /** The step asked for. */
  step: number;
  /** The step whose frame this is (0: before the first frame, everything masked). */
  shownStep: number;
  holes: StepHoles;
}

export interface StepStats {
  step: number;
  recorded: boolean;
  /** Positions masked after this step (masked or remasked this step). */
  masked: number;
  /** Positions turned back into masks in this step (ReMDM). */
  remasked: number;
  /** Positions decoded in this step. */
  decoded: number;
}

export function stepCount(run: TimelineRun): number {
  return run.frames.length;
}

/** Steps that were recorded. */
export function recordedSteps(run: TimelineRun): number {
  return run.frames.reduce((n, f) => n + (f ? 1 : 0), 0);
}

/**
 * Steps not recorded (the memory bound's stride): missing steps before the last recorded one (a stopped run's
 * missing tail was never computed, so it does not count).
 */
export function skippedSteps(run: TimelineRun): number[] {
  let last = run.frames.length;
  if (run.status !== 'done') {
    while (last > 0 && !run.frames[last - 1]) last--;
  }
  const skipped: number[] = [];
  for (let s = 1; s <= last; s++) if (!run.frames[s - 1]) skipped.push(s);
  return skipped;
}

/** Columns per hole: the hole's token count, or more if a frame ever had more views. */
export function columnsOf(run: TimelineRun): number[] {
  const columns = [...run.meta.holeLengths];
  for (const frame of run.frames) {
    frame?.forEach((views, h) => (columns[h] = Math.max(columns[h] ?? 0, views.length)));
  }
  return columns;
}

function allMasked(run: TimelineRun): StepHoles {
  return run.meta.holeLengths.map((n) => Array.from({ length: n }, () => ({ text: '', state: TokenState.Masked, confidence: 0 })));
}

/** What the editor showed at `step` (clamped to 1..T); skipped steps show the frame before them. */
export function frameAt(run: TimelineRun, step: number): ShownFrame {
  const T = run.frames.length;
  const asked = Math.min(Math.max(1, Math.round(step)), Math.max(1, T));
  for (let s = asked; s >= 1; s--) {
    const holes = run.frames[s - 1];
    if (holes) return { step: asked, shownStep: s, holes };
  }
  return { step: asked, shownStep: 0, holes: allMasked(run) };
}

/** The last recorded frame (the run's result once it is done). */
export function lastFrame(run: TimelineRun): ShownFrame {
  return frameAt(run, run.frames.length);
}

function isMasked(view: TokenView): boolean {
  return view.state === TokenState.Masked || view.state === TokenState.Remasked;
}

/** Masked / remasked / decoded counts per step over all holes; zeros for steps not recorded. */
export function stepStats(run: TimelineRun): StepStats[] {
  return run.frames.map((holes, i) => {
    const stats: StepStats = { step: i + 1, recorded: !!holes, masked: 0, remasked: 0, decoded: 0 };
    for (const views of holes ?? []) {
      for (const v of views) {
        if (isMasked(v)) stats.masked++;
        if (v.state === TokenState.Remasked) stats.remasked++;
        if (v.state === TokenState.Decoded) stats.decoded++;
      }
    }
    return stats;
  });
}

/** Each hole's text at a frame (masked views are empty). */
export { holeTexts };

/** A one-line description of a run, for pickers and headers. */
export function runTitle(run: TimelineRun): string {
  const m = run.meta;
  return `#${run.id} ${m.strategy} · T=${run.frames.length} · seed ${m.seed} · ${m.label} in ${m.document}${lengthsTitle(run)}${rankedTitle(run)}`;
}

/** ' · 4 samples, best fit sample 3 (frames: sample 1)' when the run ranked its samples, or ''. */
export function rankedTitle(run: TimelineRun): string {
  return run.ranked ? ` · ${run.ranked.samples} samples, best fit sample ${run.ranked.best} (frames: sample 1)` : '';
}

/** ' · hole 1 lengths tried 1 2 3 4, drafted 3 4 → 3' per searched hole, or ''. */
export function lengthsTitle(run: TimelineRun): string {
  const drafted = (l: HoleLengthReport) => (l.drafted ? `, drafted ${l.drafted.map((t) => t.length).join(' ')}` : '');
  return (run.lengths ?? []).map((l) => ` · hole ${l.hole + 1} lengths tried ${l.tried.map((t) => t.length).join(' ')}${drafted(l)} → ${l.chosen}`).join('');
}

/** Keeps the last `capacity` runs and files each frame under its run. */
export class TimelineRecorder {
  private readonly runs: TimelineRun[] = [];
  private nextId = 1;

  constructor(readonly capacity = 8) {}

  /** All kept runs, oldest first. */
  list(): readonly TimelineRun[] {
    return this.runs;
  }

  get(id: number): TimelineRun | undefined {
    return this.runs.find((r) => r.id === id);
  }

  byRequest(requestId: number): TimelineRun | undefined {
    return this.runs.find((r) => r.requestId === requestId);
  }

  latest(): TimelineRun | undefined {
    return this.runs[this.runs.length - 1];
  }

  /** Starts a run (or returns the one already started for this request). */
  begin(requestId: number, meta: RunMeta): TimelineRun {
    const existing = this.byRequest(requestId);
    if (existing) return existing;
    const run: TimelineRun = {
      id: this.nextId++,
      requestId,
      meta: { ...meta, holeLengths: [...meta.holeLengths] },
      frames: new Array<StepHoles | undefined>(Math.max(1, meta.steps)).fill(undefined),
      status: 'running',
    };
    this.runs.push(run);
    while (this.runs.length > this.capacity) this.runs.shift();
    return run;
  }

  /**
   * Files one frame (sample 0) of a begun run; `totalSteps` resizes the run if it differs from T.
   * A length search's report sizes the searched holes to the length chosen.
   */
  record(run: TimelineRun, step: number, totalSteps: number, holes: StepHoles, lengths?: HoleLengthReport[]): void {
    if (lengths && !run.lengths) {
      run.lengths = lengths;
      for (const l of lengths) run.meta.holeLengths[l.hole] = l.chosen;
    }
    if (totalSteps >= 1 && totalSteps !== run.frames.length) {
      const resized = new Array<StepHoles | undefined>(totalSteps).fill(undefined);
      run.frames.slice(0, totalSteps).forEach((f, i) => (resized[i] = f));
      run.frames = resized;
    }
    if (step < 1 || step > run.frames.length) return;
    const views = holes.reduce((n, h) => n + h.length, 0);
    run.stride ??= Math.max(1, Math.ceil((run.frames.length * views) / MAX_VIEWS_PER_RUN));
    if (step % run.stride !== 0 && step !== run.frames.length) return;
    run.frames[step - 1] = holes;
  }

  finish(run: TimelineRun, status: Exclude<RunStatus, 'running'>, note?: string): void {
    if (run.status !== 'running') return;
    run.status = status;
    if (note) run.note = note;
  }

  /** Finishes a run that completed; `samples` (the result's) say whether it ranked them and which fit best. */
  done(run: TimelineRun, samples: readonly SampleTexts[]): void {
    if (run.status !== 'running') return;
    this.finish(run, 'done');
    const best = bestFirst(samples)[0];
    if (best?.fit !== undefined) run.ranked = { samples: samples.length, best: samples.indexOf(best) + 1 };
  }
}
