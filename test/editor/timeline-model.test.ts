import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenState } from '../../src/core/types';
import {
  columnsOf,
  frameAt,
  holeTexts,
  MAX_VIEWS_PER_RUN,
  recordedSteps,
  runTitle,
  skippedSteps,
  stepStats,
  TimelineRecorder,
} from '../../src/editor/timeline/model';
import { gridPayload, parseFromWebview, stepPayload } from '../../src/editor/timeline/payload';
import { M, META, STEPS, recordedRun } from './timeline-fixtures';

test('a fully recorded run: T rows, one per step, the hole length in columns', () => {
  const { run } = recordedRun();
  assert.equal(run.frames.length, 4);
  assert.equal(recordedSteps(run), 4);
  assert.deepEqual(skippedSteps(run), []);
  assert.deepEqual(columnsOf(run), [3]);
  assert.deepEqual(holeTexts(frameAt(run, 4).holes), ['cae']);
});

test('stats per step: masked (incl. remasked), remask events, decodes', () => {
  const { run } = recordedRun();
  assert.deepEqual(
    stepStats(run).map((s) => [s.masked, s.remasked, s.decoded]),
    [
      [2, 0, 1],
      [1, 0, 1],
      [1, 1, 1],
      [0, 0, 1],
    ],
  );
});

test('steps not recorded are marked, and scrubbing there shows the step before', () => {
  const { run } = recordedRun([1, 4]);
  assert.deepEqual(skippedSteps(run), [2, 3]);
  const at3 = frameAt(run, 3);
  assert.equal(at3.step, 3);
  assert.equal(at3.shownStep, 1);
  assert.deepEqual(holeTexts(at3.holes), ['a']);
  assert.equal(stepStats(run)[1].recorded, false);
  // Out-of-range steps are clamped.
  assert.equal(frameAt(run, 99).step, 4);
  assert.equal(frameAt(run, -3).shownStep, 1);
});

test('memory is bounded: a run too long keeps every k-th step and its last, the rest marked', () => {
  const recorder = new TimelineRecorder();
  const holeLength = 1000;
  const steps = 250; // 250,000 views at every step: 2.5x the bound
  const run = recorder.begin(1, { ...META, steps, holeLengths: [holeLength] });
  const views = [Array.from({ length: holeLength }, () => ({ text: 'x', state: TokenState.Settled, confidence: 1 }))];
  for (let step = 1; step <= steps; step++) recorder.record(run, step, steps, views);
  assert.equal(run.stride, Math.ceil((steps * holeLength) / MAX_VIEWS_PER_RUN));
  assert.ok(recordedSteps(run) * holeLength <= MAX_VIEWS_PER_RUN + holeLength, `${recordedSteps(run)} steps kept`);
  assert.ok(run.frames[steps - 1], 'the last step is kept');
  assert.equal(skippedSteps(run).length, steps - recordedSteps(run));

  const small = recorder.begin(2, { ...META, steps: 1024, holeLengths: [64] });
  for (let step = 1; step <= 1024; step++) recorder.record(small, step, 1024, [views[0].slice(0, 64)]);
  assert.equal(recordedSteps(small), 1024, 'a typical run keeps every step');
});

test('before any frame a step shows the hole all masked; a stopped run does not count its missing tail as skipped', () => {
  const recorder = new TimelineRecorder();
  const run = recorder.begin(3, META);
  recorder.record(run, 2, 4, STEPS[1]);
  recorder.finish(run, 'stopped', 'cancelled');
  const first = frameAt(run, 1);
  assert.equal(first.shownStep, 0);
  assert.deepEqual(first.holes[0].map((v) => v.state), [TokenState.Masked, TokenState.Masked, TokenState.Masked]);
  assert.deepEqual(skippedSteps(run), [1]);
  assert.equal(run.status, 'stopped');
  assert.equal(run.note, 'cancelled');
  recorder.finish(run, 'done'); // a finished run stays as it ended
  assert.equal(run.status, 'stopped');
});

test('the recorder keeps the last N runs, files frames by request id, and follows totalSteps', () => {
  const recorder = new TimelineRecorder(2);
  const r1 = recorder.begin(100, META);
  const r2 = recorder.begin(101, META);
  assert.equal(recorder.begin(101, META), r2, 'one run per request');
  const r3 = recorder.begin(102, { ...META, steps: 2 });
  assert.deepEqual(recorder.list().map((r) => r.id), [r2.id, r3.id]);
  assert.equal(recorder.get(r1.id), undefined);
  assert.equal(recorder.byRequest(102), r3);
  assert.equal(recorder.latest(), r3);
  recorder.record(r3, 1, 5, STEPS[0]);
  assert.equal(r3.frames.length, 5, 'the frames say T=5');
  recorder.record(r3, 9, 5, STEPS[0]); // out of range: ignored
  assert.equal(recordedSteps(r3), 1);
});

test('columns grow when a frame has more views than the requested length', () => {
  const recorder = new TimelineRecorder();
  const run = recorder.begin(1, { ...META, holeLengths: [2, 1] });
  recorder.record(run, 1, 4, [[M(), M(), M()], [M()]]);
  assert.deepEqual(columnsOf(run), [3, 1]);
});

test('the webview payload: a row per step (null when skipped), state letters, texts', () => {
  const { run } = recordedRun([1, 3, 4]);
  const grid = gridPayload(run);
  assert.equal(grid.rows.length, 4);
  assert.equal(grid.rows[1], null);
  assert.deepEqual(grid.rows[2]![0], { s: 'dsr', t: ['c', 'a', ''], p: [0.7, 0.9, 0] });
  assert.deepEqual(grid.skipped, [2]);
  assert.deepEqual(grid.masked, [2, 0, 1, 0]);
  assert.match(grid.curveSvg, /^<svg[^>]*>[\s\S]*<polyline[^>]*class="curve-masked"/);
  const step = stepPayload([run], 2, 'here');
  assert.deepEqual(step.shown, [{ id: run.id, shownStep: 1, texts: ['░a░'] }]);
});

test('messages from the webview are validated', () => {
  assert.deepEqual(parseFromWebview({ type: 'scrub', step: 3.4 }), { type: 'scrub', step: 3 });
  assert.equal(parseFromWebview({ type: 'scrub', step: 'x' }), undefined);
  assert.equal(parseFromWebview({ type: 'scrub', step: Infinity }), undefined);
  assert.deepEqual(parseFromWebview({ type: 'select', a: 1, b: null }), { type: 'select', a: 1, b: null });
  assert.equal(parseFromWebview({ type: 'export', format: 'gif' }), undefined);
  assert.equal(parseFromWebview('ready'), undefined);
  assert.equal(parseFromWebview({ type: 'eval' }), undefined);
});

test("a run's title names each searched hole's lengths: those tried, those drafted, and the one kept", () => {
  const { run } = recordedRun();
  assert.ok(!runTitle(run).includes('lengths'), 'no search, no lengths');
  run.lengths = [
    { hole: 0, chosen: 3, tried: [1, 2, 3, 4].map((length) => ({ length, score: -length })), drafted: [{ length: 2, score: -9 }, { length: 3, score: -4 }] },
    { hole: 1, chosen: 1, tried: [{ length: 1, score: 0 }] },
  ];
  assert.match(runTitle(run), / · hole 1 lengths tried 1 2 3 4, drafted 2 3 → 3 · hole 2 lengths tried 1 → 1$/);
});

test("a run that ranked its samples says so in its title: how many, which fit best, and that the frames are sample 1's", () => {
  const recorder = new TimelineRecorder();
  const ranked = recorder.begin(1, META);
  recorder.done(ranked, [{ holes: ['a'], fit: -7 }, { holes: ['b'], fit: -9 }, { holes: ['c'], fit: -3 }]);
  assert.equal(ranked.status, 'done');
  assert.match(runTitle(ranked), / · 3 samples, best fit sample 3 \(frames: sample 1\)$/);
  const single = recorder.begin(2, META);
  recorder.done(single, [{ holes: ['a'] }]);
  assert.equal(single.ranked, undefined);
  assert.ok(!runTitle(single).includes('samples'));
});
