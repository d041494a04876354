// The length search scores candidates over the context near the hole, not the whole window
// (issue 19: the search may cost at most as much again as the infill), with the real embedded model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftShortlist, moveOverlaps, parsePlaceholders, type Denoiser, type Segment } from '../../src/core';
import { LoadedModel } from '../../src/worker/model';
import { searchHoleLengths } from '../../src/worker/lengthSearch';
import { nearHole, SCORING_CONTEXT } from '../../src/worker/holeWindow';
import { MemoTokenizer } from '../../src/worker/memoTokenizer';
import { logitRowBytes } from '../../src/worker/batchMemory';
import { plannerOf, recordingDenoiser, scriptedDenoiser } from './denoisers';
import { embeddedModel } from './fixtures';

test('candidates are scored in a window of the holes plus SCORING_CONTEXT tokens a side, one call per batch', async () => {
  const model = await LoadedModel.load({ modelDir: embeddedModel, executionProvider: 'cpu', quantized: false, threads: 1 });
  try {
    const lengths: number[] = [];
    const recording = recordingDenoiser(model.denoiser, (length) => lengths.push(length));
    const windows: (number | undefined)[] = [];
    const planned = plannerOf(model);
    const plan = (segments: Segment[], window?: number) => {
      windows.push(window);
      return planned(segments, window);
    };
    const text = `${'total = total + values[i] * weights[i]\n'.repeat(80)}def add(a, b):\n    return [MASK:..12]\n\n${'print(add(1, 2))\n'.repeat(80)}`;
    const segments = parsePlaceholders(text);
    assert.ok(plan(segments).ids.length >= 500, 'the document fills the whole window');
    const run = await searchHoleLengths(segments, plan, recording, () => false);
    const limit = 12 + 2 * SCORING_CONTEXT + 8;
    assert.ok(lengths.length > 0 && lengths.every((n) => n <= limit), `scoring calls of ${lengths.join(', ')} tokens (at most ${limit})`);
    assert.equal(run.forwardCalls, lengths.length);
    assert.ok(Math.ceil(run.choices[0].tried.length / 4) === lengths.length, 'one call per batch of four candidates');
  } finally {
    await model.dispose();
  }
});

test("scoring calls stay within the batch-memory limit: each call's logits fit it, batches split to fit, and the choice is the same", async () => {
  const model = await LoadedModel.load({ modelDir: embeddedModel, executionProvider: 'cpu', quantized: false, threads: 1 });
  try {
    const bytes: number[] = [];
    const recording: Denoiser = {
      ...recordingDenoiser(model.denoiser, (_, logits) => bytes.push(logits.byteLength)),
      forward: () => Promise.reject(new Error('the search gathers its positions')),
    };
    const plan = plannerOf(model);
    // A document that fills the window: every candidate has the same total length, so a batch is one call.
    const segments = parsePlaceholders(`${'total = total + values[i] * weights[i]\n'.repeat(80)}def add(a, b):\n    return [MASK:..8]\n\n${'print(add(1, 2))\n'.repeat(80)}`);
    const whole = await searchHoleLengths(segments, plan, recording, () => false);
    const calls = bytes.length;
    // Two candidates of the longest bound (8 hole rows and a probe each side) fit; four do not.
    const limit = 2 * (8 + 2) * logitRowBytes(model.denoiser.vocabSize);
    bytes.length = 0;
    const split = await searchHoleLengths(segments, plan, recording, () => false, { logitsLimit: limit });
    assert.ok(bytes.every((n) => n <= limit), `calls of ${bytes.join(', ')} bytes, limit ${limit}`);
    assert.ok(bytes.length > calls, `${bytes.length} calls with the limit, ${calls} without`);
    assert.equal(split.choices[0].chosen, whole.choices[0].chosen);
    assert.deepEqual(split.choices[0].tried.map((t) => t.length), whole.choices[0].tried.map((t) => t.length));
  } finally {
    await model.dispose();
  }
});

test("a candidate's score adds the hole's own confidence: with the probes alike at every length, the length the model is surest of wins", async () => {
  const model = await LoadedModel.load({ modelDir: embeddedModel, executionProvider: 'cpu', quantized: false, threads: 1 });
  try {
    const { maskId } = model.info;
    const sure = 3;
    // Logits written by hand: the probes score alike at every length, and the hole's positions
    // are sure of their token only when the row has a 3-token hole.
    const scripted = scriptedDenoiser(model, (row) => {
      const holeLength = row.filter((id) => id === maskId).length - 2; // less the two probes
      return (l, logits) => {
        const isHole = row[l] === maskId && row[l - 1] === maskId && row[l + 1] === maskId;
        logits[row[l] === maskId ? 5 : row[l]] = isHole ? (holeLength === sure ? 12 : 2) : 6;
      };
    });
    const plan = plannerOf(model);
    const run = await searchHoleLengths(parsePlaceholders('def add(a, b):\n    return [MASK:..16]\n\nprint(add(1, 2))\n'), plan, scripted, () => false);
    assert.equal(run.choices[0].chosen, sure, `scores ${JSON.stringify(run.choices[0].tried)}`);
  } finally {
    await model.dispose();
  }
});

test("a hole with an overlap is scored as it will be drawn: its first position's confidence among the tokens that begin with the overlap", async () => {
  const model = await LoadedModel.load({ modelDir: embeddedModel, executionProvider: 'cpu', quantized: false, threads: 1 });
  try {
    const { maskId } = model.info;
    const [spaced] = model.tokenizer.encode(' return');
    const [bare] = model.tokenizer.encode('return');
    // Logits written by hand: a 3-token hole is surest of `return` at every position, a 5-token
    // hole a little less sure of ` return`; other lengths and the probes are alike. The hole takes
    // in the indentation's last blank, so its first token must begin with one: `return` cannot be
    // drawn there, and 5 is the length the model can fill surely.
    const scripted = scriptedDenoiser(model, (row) => {
      const masked = row.reduce<number[]>((at, id, l) => (id === maskId ? [...at, l] : at), []);
      const [probeLeft, probeRight] = [masked[0], masked[masked.length - 1]];
      const holeLength = masked.length - 2;
      return (l, logits) => {
        if (l === probeLeft || l === probeRight) logits[5] = 6;
        else if (holeLength === 3) logits[bare] = 12;
        else if (holeLength === 5) logits[spaced] = 11;
        else logits[5] = 2;
      };
    });
    const plan = plannerOf(model);
    const segments = moveOverlaps(parsePlaceholders('def add(a, b):\n    [MASK:..16]\n'), model.tokenizer);
    assert.deepEqual(segments.filter((s) => s.kind === 'hole').map((s) => s.kind === 'hole' && s.overlap), [' ']);
    const run = await searchHoleLengths(segments, plan, scripted, () => false, { rules: model.drawRules });
    assert.equal(run.choices[0].chosen, 5, `scores ${JSON.stringify(run.choices[0].tried)}`);
    assert.deepEqual(run.segments.filter((s) => s.kind === 'hole'), [{ kind: 'hole', length: 5, overlap: ' ' }], 'the sized hole keeps its overlap');
  } finally {
    await model.dispose();
  }
});

test('close first scores are settled by drafts: each close length sampled once in the scoring window, the best-fitting draft kept', async () => {
  const model = await LoadedModel.load({ modelDir: embeddedModel, executionProvider: 'cpu', quantized: false, threads: 1 });
  try {
    const { maskId } = model.info;
    const answer = 7;
    const fitsAt = 4;
    const callLengths: number[] = [];
    // Logits written by hand, told apart by batch size (the document fills the window, so every
    // scoring call holds a batch of 3-4 candidates; a draft samples one row and is fitted in two).
    // First step: 2 is a little surer than 4, every other length far less sure. Drafts: every
    // position takes `answer`. Fit: the drafted `answer`s are likely only in a 4-token hole.
    const scripted = recordingDenoiser(
      scriptedDenoiser(model, (row, { batch, positions }) => {
        const holeLength = row.filter((id) => id === maskId).length - 2;
        return (l, logits) => {
          if (batch >= 3) {
            const isHole = row[l] === maskId && row[l - 1] === maskId && row[l + 1] === maskId;
            logits[5] = isHole ? (holeLength === 2 ? 8 : holeLength === fitsAt ? 7.8 : 2) : 6;
          } else if (batch === 1) logits[answer] = 20;
          else logits[answer] = positions.length - 2 === fitsAt ? 10 : 0;
        };
      }),
      (length) => callLengths.push(length),
    );
    const plan = plannerOf(model);
    const segments = parsePlaceholders(`${'total = total + values[i] * weights[i]\n'.repeat(80)}def add(a, b):\n    return [MASK:..16]\n\n${'print(add(1, 2))\n'.repeat(80)}`);
    const firstOnly = await searchHoleLengths(segments, plan, scripted, () => false);
    assert.equal(firstOnly.choices[0].chosen, 2, `first scores ${JSON.stringify(firstOnly.choices[0].tried)}`);
    assert.equal(firstOnly.choices[0].drafted, undefined, 'no drafts unless asked');
    callLengths.length = 0;
    const drafts = { sampler: { strategy: 'remdm-cap' as const, steps: 4 }, seed: 3 };
    const run = await searchHoleLengths(segments, plan, scripted, () => false, { drafts });
    const [choice] = run.choices;
    assert.deepEqual(choice.drafted?.map((t) => t.length), [2, fitsAt], 'the two close lengths, best first score first');
    assert.equal(choice.chosen, fitsAt);
    assert.deepEqual(run.segments.filter((s) => s.kind === 'hole'), [{ kind: 'hole', length: fitsAt }]);
    const limit = 16 + 2 * SCORING_CONTEXT + 8;
    assert.ok(callLengths.every((n) => n <= limit), `calls of ${callLengths.join(', ')} tokens (at most ${limit})`);
    assert.equal(run.forwardCalls, callLengths.length);
  } finally {
    await model.dispose();
  }
});

test('drafts on the real model: only close lengths are drafted, the best-fitting draft is kept, and the same seed drafts the same', async () => {
  const model = await LoadedModel.load({ modelDir: embeddedModel, executionProvider: 'cpu', quantized: false, threads: 1 });
  try {
    const plan = plannerOf(model);
    const segments = moveOverlaps(parsePlaceholders('def add(a, b):\n    return [MASK:..8]\n\nprint(add(1, 2))\n'), model.tokenizer);
    const drafts = { sampler: { strategy: 'remdm-cap' as const, steps: 8, topP: 0.9 }, seed: 1 };
    const run = await searchHoleLengths(segments, plan, model.denoiser, () => false, { rules: model.drawRules, drafts });
    const [choice] = run.choices;
    assert.ok(choice.drafted, `this hole's first scores are close (${JSON.stringify(choice.tried)}), so it is drafted`);
    assert.deepEqual(choice.drafted.map((t) => t.length), draftShortlist(choice.tried));
    assert.equal(choice.chosen, choice.drafted.reduce((a, b) => (b.score > a.score ? b : a)).length);
    const again = await searchHoleLengths(segments, plan, model.denoiser, () => false, { rules: model.drawRules, drafts });
    assert.deepEqual(again.choices, run.choices);
    // Drafts whose logits would pass the batch-memory limit are left out: the first score decides.
    const longest = Math.max(...choice.drafted.map((t) => t.length));
    const logitsLimit = 2 * (longest + 2) * logitRowBytes(model.denoiser.vocabSize) - 1;
    const tight = await searchHoleLengths(segments, plan, model.denoiser, () => false, { rules: model.drawRules, drafts, logitsLimit });
    assert.equal(tight.choices[0].drafted, undefined);
    assert.equal(tight.choices[0].chosen, draftShortlist(choice.tried)[0]);
  } finally {
    await model.dispose();
  }
});

test('a hole is scored with the text and holes near it: holes further than the context are left out with everything beyond them', async () => {
  const model = await LoadedModel.load({ modelDir: embeddedModel, executionProvider: 'cpu', quantized: false, threads: 1 });
  try {
    const plan = plannerOf(model);
    const far = 'total = total + values[i] * weights[i]\n'.repeat(8); // about 100 tokens
    const segments = parsePlaceholders(`x = [MASK]\n${far}y = [MASK], [MASK:3]\n${far}z = [MASK]\n`);
    const holesOf = (s: Segment[]) => s.filter((x) => x.kind === 'hole').length;
    const middle = nearHole(segments, 1, plan);
    assert.deepEqual([holesOf(middle.segments), middle.hole, middle.first], [2, 0, 1], 'the close hole to its right is kept, the far ones are not');
    assert.equal(middle.segments[0].kind === 'text' && middle.segments[0].text, `\n${far}y = `);
    const last = nearHole(segments, 3, plan);
    assert.deepEqual([holesOf(last.segments), last.hole, last.first], [1, 0, 3]);
    assert.deepEqual(nearHole(segments, 2, plan, 0).segments.filter((x) => x.kind === 'hole').length, 1, 'no context: the hole alone');

    // Searched, drafted and sampled: every scoring call holds one hole's neighbourhood, not the text between far holes.
    const lengths: number[] = [];
    const recording = recordingDenoiser(model.denoiser, (length) => lengths.push(length));
    const drafts = { sampler: { strategy: 'remdm-cap' as const, steps: 8, topP: 0.9 }, seed: 1 };
    const run = await searchHoleLengths(moveOverlaps(segments, model.tokenizer), plan, recording, () => false, { rules: model.drawRules, drafts });
    assert.deepEqual(run.choices.map((c) => c.hole), [0, 1, 3]);
    const limit = 16 + 3 + 2 * SCORING_CONTEXT + 8;
    assert.ok(lengths.every((n) => n <= limit), `calls of ${lengths.join(', ')} tokens (at most ${limit})`);
    assert.ok(plan(run.segments).holes.every((h, k) => h.length === (k === 2 ? 3 : run.choices.find((c) => c.hole === k)!.chosen)));
  } finally {
    await model.dispose();
  }
});

test('the memo tokenizer gives the same tokens as the tokenizer, tokenizes each text once, and hands out copies', async () => {
  const model = await LoadedModel.load({ modelDir: embeddedModel, executionProvider: 'cpu', quantized: false, threads: 1 });
  try {
    let calls = 0;
    const counting = { encode: (t: string) => (calls++, model.tokenizer.encode(t)), encodeMarkup: (t: string) => model.tokenizer.encodeMarkup(t) };
    const memo = new MemoTokenizer(counting);
    const text = 'def add(a, b):\n    return a + b\n';
    const first = memo.encode(text);
    assert.deepEqual(first, model.tokenizer.encode(text));
    first.push(-1);
    assert.deepEqual(memo.encode(text), model.tokenizer.encode(text), 'a caller changing its array changes no later answer');
    assert.equal(calls, 1);
  } finally {
    await model.dispose();
  }
});
