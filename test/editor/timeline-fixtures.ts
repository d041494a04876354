// A small recorded run for the timeline's unit tests: 4 steps of one 3-token hole, step 3 remasks.
import { TokenState } from '../../src/core/types';
import type { TokenView } from '../../src/protocol/protocol';
import { TimelineRecorder, type RunMeta } from '../../src/editor/timeline/model';

export const M = (): TokenView => ({ text: '', state: TokenState.Masked, confidence: 0 });
export const R = (): TokenView => ({ text: '', state: TokenState.Remasked, confidence: 0 });
export const D = (text: string, confidence = 0.5): TokenView => ({ text, state: TokenState.Decoded, confidence });
export const S = (text: string, confidence = 0.5): TokenView => ({ text, state: TokenState.Settled, confidence });

export const META: RunMeta = { label: 'Infill Selection', document: 'a.py', strategy: 'remdm-cap', steps: 4, seed: 7, holeLengths: [3] };

/** A 4-step run of one 3-token hole in which step 3 remasks a token. */
export const STEPS: TokenView[][][] = [
  [[M(), D('a', 0.9), M()]],
  [[M(), S('a', 0.9), D('b', 0.4)]],
  [[D('c', 0.7), S('a', 0.9), R()]],
  [[S('c', 0.7), S('a', 0.9), D('e', 0.3)]],
];

export function recordedRun(steps: number[] = [1, 2, 3, 4], recorder = new TimelineRecorder()) {
  const run = recorder.begin(11, META);
  for (const s of steps) recorder.record(run, s, 4, STEPS[s - 1]);
  recorder.finish(run, 'done');
  return { recorder, run };
}

