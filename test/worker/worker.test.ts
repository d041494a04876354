// The real worker thread (dist/worker.js, built by `node esbuild.mjs`) driven through WorkerClient,
// with the real embedded model: what the CLI and the editor do.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { parsePlaceholders } from '../../src/core';
import { WorkerClient } from '../../src/host/client';
import type { InfillError } from '../../src/protocol/errors';
import { holeTexts, type FrameMessage, type InfillRequest } from '../../src/protocol/protocol';
import { TokenState } from '../../src/core/types';
import { copyModel, editJson, embeddedModel, removeDir, workerScript } from './fixtures';

const load = { modelDir: embeddedModel, executionProvider: 'cpu' as const, quantized: false, threads: 1 };
const crashes: InfillError[] = [];
const client = new WorkerClient(workerScript, { onDidCrash: (e) => crashes.push(e) });
after(() => client.dispose());

function request(text: string, overrides: Partial<InfillRequest> = {}): InfillRequest {
  return {
    segments: parsePlaceholders(text),
    sampler: { strategy: 'remdm-loop', steps: 16, topP: 0.9 },
    seed: 1,
    samples: 1,
    maxFramesPerSecond: 0,
    ...overrides,
  };
}

const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: InfillError) => e.code);
const joined = (frame: FrameMessage) => holeTexts(frame.holes);

test('infill before any load is not-loaded; a missing model is model-missing', async () => {
  assert.equal(await codeOf(client.infill(request('x = [MASK:4]')).result), 'not-loaded');
  assert.equal(await codeOf(client.load({ ...load, modelDir: '/nonexistent/model' })), 'model-missing');
});

test('load reports the model; frames carry the drawn (first) sample per hole; done has every sample, the first as the last frame, each with its fit', async () => {
  const info = await client.load(load);
  assert.equal(info.name, 'mdlm-code-small');
  assert.equal(info.executionProvider, 'cpu');
  assert.deepEqual(info.endTokenIds, [0], '<|endoftext|> ends a hole');
  assert.ok(info.loadMs > 0);
  const frames: FrameMessage[] = [];
  const handle = client.infill(request('def f(x):\n    return [MASK:8] + [MASK:4]\n', { samples: 3 }), (f) => frames.push(f));
  const done = await handle.result;
  assert.equal(done.id, handle.id);
  assert.equal(done.samples.length, 3);
  for (const s of done.samples) assert.equal(s.holes.length, 2);
  assert.equal(frames.length, done.steps, 'maxFramesPerSecond 0 sends every frame');
  frames.forEach((f, i) => assert.equal(f.step, i + 1));
  const last = frames.at(-1)!;
  assert.equal(last.step, last.totalSteps);
  // A frame's payload is one sample: [hole] → views, never the other samples.
  for (const f of frames) {
    assert.equal(f.holes.length, 2);
    for (const views of f.holes) assert.ok(views.every((v) => typeof v.text === 'string' && typeof v.state === 'number'));
  }
  assert.deepEqual(joined(last), done.samples[0].holes);
  assert.ok(new Set(done.samples.map((s) => JSON.stringify(s.holes))).size > 1, 'the other samples differ and come only in done');
  // The first frame still shows masks; the last one none.
  assert.ok(frames[0].holes[0].some((v) => v.state === TokenState.Masked));
  assert.ok(last.holes.flat().every((v) => v.state !== TokenState.Masked && v.state !== TokenState.Remasked));
  // Several samples are ranked: each has its fit, read in one more call per hole.
  assert.ok(done.samples.every((s) => s.fit !== undefined && Number.isFinite(s.fit) && s.fit < 0), JSON.stringify(done.samples));
  assert.ok(done.forwardCalls >= 1 && done.forwardCalls <= done.steps + 2);
  const t = done.timings;
  assert.ok(t.rankingMs !== undefined && t.rankingMs > 0 && t.rankingMs < t.totalMs);
  const single = await client.infill(request('def f(x):\n    return [MASK:8]\n')).result;
  assert.deepEqual([single.samples[0].fit, single.timings.rankingMs], [undefined, undefined], 'one sample is not ranked');
  assert.ok(t.forwardMs > 0 && t.totalMs >= t.forwardMs && t.firstFrameMs > 0 && t.messagingMs >= 0);
  assert.ok(typeof last.sentAt === 'number' && Math.abs(Date.now() - last.sentAt) < 60_000);
});

test('same seed, same text; different seeds differ', async () => {
  await client.load(load);
  const text = 'import os\n\ndef [MASK:24]\n';
  const run = async (seed: number) => (await client.infill(request(text, { seed })).result).samples[0].holes[0];
  const a = await run(7);
  assert.equal(await run(7), a);
  const others = [await run(8), await run(9)];
  assert.ok(others.some((o) => o !== a), 'another seed should give another text');
});

test('throttled frames: few messages, the last frame always sent, done equals it', async () => {
  await client.load(load);
  const frames: FrameMessage[] = [];
  const done = await client.infill(request('x = [MASK:32]', { maxFramesPerSecond: 1, sampler: { strategy: 'mdlm', steps: 64 } }), (f) => frames.push(f)).result;
  const seconds = done.timings.totalMs / 1000;
  assert.ok(frames.length <= Math.ceil(seconds) + 2, `${frames.length} frames in ${seconds.toFixed(2)} s at 1 fps`);
  assert.ok(frames.length < done.steps);
  assert.equal(frames[0].step, 1);
  assert.equal(frames.at(-1)!.step, frames.at(-1)!.totalSteps);
  assert.deepEqual(joined(frames.at(-1)!), done.samples[0].holes);
});

test('the beam through the real model: distinct candidates in its own order, the first as one beam writes it, no fit ranking', async () => {
  await client.load(load);
  const text = 'import os\n\ndef read_text(path):\n    with open(path) as f:\n        return [MASK:4]\n';
  const sampler = { strategy: 'beam' as const, steps: 4 };
  const beams = await client.infill(request(text, { samples: 3, sampler })).result;
  assert.equal(beams.samples.length, 3);
  assert.equal(new Set(beams.samples.map((s) => s.holes[0])).size, 3);
  assert.ok(beams.samples.every((s) => s.fit === undefined) && beams.timings.rankingMs === undefined, 'the beam ranks its own rows');
  assert.equal(beams.steps, 4, 'one token a step');
  // One beam is topk-confidence one token a step.
  const one = await client.infill(request(text, { sampler })).result;
  const greedy = await client.infill(request(text, { sampler: { strategy: 'topk-confidence', steps: 4 } })).result;
  assert.deepEqual(one.samples[0].holes, greedy.samples[0].holes);
});

test('cancel mid-run stops it before the next model call', async () => {
  await client.load(load);
  const frames: FrameMessage[] = [];
  let cancelledAt = 0;
  // Deterministic top-k decoding commits one token per step, so every step calls the model.
  const handle = client.infill(
    request('[MASK:200]', { samples: 4, sampler: { strategy: 'topk-confidence', steps: 200 } }),
    (f) => {
      frames.push(f);
      if (f.step === 3) {
        cancelledAt = f.step;
        client.cancel(handle.id);
      }
    },
  );
  assert.equal(await codeOf(handle.result), 'cancelled');
  // One step may be running when the cancel is posted and one more when it arrives; none after.
  assert.ok(frames.length < 200);
  assert.ok(frames.at(-1)!.step <= cancelledAt + 2, `ran on to step ${frames.at(-1)!.step} after a cancel at ${cancelledAt}`);
});

test('a new infill cancels the running one', async () => {
  await client.load(load);
  const first = client.infill(request('[MASK:128]', { sampler: { strategy: 'topk-confidence', steps: 128 } }));
  const second = client.infill(request('y = [MASK:4]'));
  assert.equal(await codeOf(first.result), 'cancelled');
  assert.equal((await second.result).samples.length, 1);
});

test('bad requests come back as errors with codes', async () => {
  await client.load(load);
  assert.equal(await codeOf(client.infill(request('x = [MASK:4]', { sampler: { strategy: 'remdm-cap', steps: 0 } })).result), 'bad-request');
  assert.equal(await codeOf(client.infill(request('x = [MASK:600]')).result), 'hole-too-long');
  assert.equal(await codeOf(client.infill(request('no holes here')).result), 'bad-request');
  assert.equal(await codeOf(client.infill(request('x = [MASK:4]', { samples: 0 })).result), 'bad-request');
  // The worker is still fine afterwards.
  assert.equal((await client.infill(request('x = [MASK:4]')).result).samples.length, 1);
});

test('refine: an initial hole keeps some of its tokens and is re-denoised from t = strength', async () => {
  await client.load(load);
  const initial = 'return total_count + 1';
  const segments = [{ kind: 'text' as const, text: 'def f(total_count):\n    ' }, { kind: 'hole' as const, length: 1, initial }];
  const done = await client.infill({ ...request(''), segments, strength: 0.25, sampler: { strategy: 'remdm-cap', steps: 8 } }).result;
  const filled = done.samples[0].holes[0];
  assert.notEqual(filled, '');
  // With only a quarter remasked, most of the initial text's characters survive in place.
  let same = 0;
  for (let i = 0; i < Math.min(filled.length, initial.length); i++) if (filled[i] === initial[i]) same++;
  assert.ok(same >= initial.length / 3, `refined ${JSON.stringify(filled)} kept too little of ${JSON.stringify(initial)}`);
});

test('a killed worker is reported, rejects what was pending, and the next request restarts it', async () => {
  await client.load(load);
  let killed = false;
  const running = client.infill(request('[MASK:128]', { sampler: { strategy: 'topk-confidence', steps: 128 } }), () => {
    if (!killed) void client.terminateWorker();
    killed = true;
  });
  assert.equal(await codeOf(running.result), 'worker-crashed');
  assert.equal(crashes.length, 1);
  assert.equal(crashes[0].code, 'worker-crashed');
  assert.equal(client.running, false);
  // No load call: the client reloads the last model in the fresh worker by itself.
  const done = await client.infill(request('z = [MASK:4]')).result;
  assert.equal(done.samples.length, 1);
  assert.equal(client.running, true);
});

test('dispose during a run cancels it and ends the worker cleanly (no process abort)', async () => {
  const other = new WorkerClient(workerScript);
  await other.load(load);
  let disposing: Promise<void> | undefined;
  const running = other.infill(request('[MASK:128]', { sampler: { strategy: 'topk-confidence', steps: 128 } }), () => {
    disposing ??= other.dispose();
  });
  assert.equal(await codeOf(running.result), 'cancelled');
  await disposing;
  assert.equal(other.running, false);
  assert.equal(await codeOf(other.infill(request('x = [MASK:4]')).result), 'not-loaded');
});

test('a restarted worker whose model is gone says why, not just not-loaded', async () => {
  const dir = copyModel();
  const other = new WorkerClient(workerScript);
  try {
    await other.load({ ...load, modelDir: dir });
    await other.terminateWorker();
    removeDir(dir);
    const err = await other.infill(request('x = [MASK:4]')).result.then(() => undefined, (e: InfillError) => e);
    assert.equal(err?.code, 'model-missing');
    assert.match(err?.message ?? '', /Model folder not found/);
  } finally {
    await other.dispose();
    removeDir(dir);
  }
});

test('how long a hole may be is the worker\'s answer: a bound is capped at the window, an exact length past it is hole-too-long naming the window', async () => {
  const info = await client.load(load);
  // The embedded tokenizer puts no specials around the text: the whole window is the holes'.
  const window = info.maxLength;
  const fast = { sampler: { strategy: 'mdlm' as const, steps: 2 }, holeLength: 'bound' as const };
  const frames: FrameMessage[] = [];
  const capped = await client.infill(request(`x = [MASK:..${window + 88}]`, fast), (f) => frames.push(f)).result;
  assert.equal(capped.samples.length, 1);
  assert.equal(frames[0].holes[0].length, window, 'a bound past the window is sampled at the window');
  assert.equal((await client.infill(request(`x = [MASK:${window}]`, fast)).result).samples.length, 1, 'a hole the size of the window fits');
  const refused = await client.infill(request(`x = [MASK:${window + 1}]`, fast)).result.catch((e: InfillError) => e);
  assert.equal((refused as InfillError).code, 'hole-too-long');
  assert.match((refused as InfillError).message, new RegExp(`the hole is ${window + 1} tokens, but the model window allows at most ${window} tokens`));
});

test('a hole whose length the model picks is sized by the length search first; bound mode skips it', async () => {
  await client.load(load);
  const frames: FrameMessage[] = [];
  const text = 'def add(a, b):\n    return [MASK:..12]\n\nprint(add(1, 2))\n';
  const done = await client.infill(request(text), (f) => frames.push(f)).result;
  const [choice] = done.lengths!;
  assert.equal(choice.hole, 0);
  const tried = choice.tried.map((t) => t.length);
  assert.deepEqual(tried, [...tried].sort((a, b) => a - b), 'shortest first');
  assert.ok(tried.includes(choice.chosen) && tried.every((n) => n >= 1 && n <= 12));
  assert.ok(choice.tried.every((t) => Number.isFinite(t.score)));
  assert.ok(done.timings.lengthSearchMs! > 0);
  assert.ok(frames.every((f) => f.lengths?.[0].chosen === choice.chosen), 'every frame says which lengths were tried');
  // The sampled hole has the chosen length: its masked first frame has that many positions at most.
  assert.ok(frames[0].holes[0].length <= choice.chosen);
  const bound = await client.infill(request(text, { holeLength: 'bound' })).result;
  assert.equal(bound.lengths, undefined);
  const exact = await client.infill(request('def add(a, b):\n    return [MASK:3]\n')).result;
  assert.equal(exact.lengths, undefined, 'an exact hole is never searched');
});

test('the batch-memory limit counts the rows the graph returns: 64 samples of an 8-token hole in a full window run', async () => {
  await client.load(load);
  // The embedded graph gathers the hole rows: 64 x 8 x 8192 floats, not 64 x 512 x 8192 (1 GiB, refused before).
  const done = await client.infill(request(`${'x = 1\n'.repeat(600)}y = [MASK:8]\n`, { samples: 64, sampler: { strategy: 'mdlm', steps: 2 } })).result;
  assert.equal(done.samples.length, 64);
  const refused = await client.infill(request(`${'x = 1\n'.repeat(600)}y = [MASK:300]\n`, { samples: 64 })).result.then(() => '', (e: InfillError) => e.message);
  assert.match(refused, /^64 samples of 300 hole tokens need 600 MiB .* Ask for at most 27 samples at this length\.$/);
});

test('fills near CJK and emoji are whole characters: no U+FFFD from byte-level tokens (64 samples at temperature 1.3)', async () => {
  await client.load(load);
  // This seed gave 6 samples with U+FFFD before the draws were constrained (issue 17, item 9).
  const text = 'msg = "🎉 完成了 [MASK:16] 😀👍"\n# 日本語のコメント：[MASK:16] です。\n';
  const sampler = { strategy: 'remdm-cap' as const, steps: 32, eta: 0.02, topP: 0.9, temperature: 1.3 };
  const done = await client.infill(request(text, { seed: 1, samples: 64, sampler })).result;
  assert.deepEqual(done.samples.filter((s) => s.holes.some((h) => h.includes('\uFFFD'))), []);
});

test('special tokens are never drawn into text: not <|endoftext|> when the folder does not name it an end token, nor an end token in a fixed-length hole', async () => {
  const dir = copyModel();
  try {
    // A folder that declares no end token: <|endoftext|> is then just a special token (issue 17, item 10).
    editJson(path.join(dir, 'config.json'), (c) => {
      delete c.eos_token_id;
      delete c.pad_token_id;
    });
    editJson(path.join(dir, 'tokenizer_config.json'), (c) => {
      c.eos_token = null;
      c.pad_token = null;
    });
    const sampler = { strategy: 'remdm-cap' as const, steps: 32, eta: 0.02, topP: 0.9, temperature: 1.3 };
    const info = await client.load({ ...load, modelDir: dir });
    assert.deepEqual(info.endTokenIds, []);
    // Seed 3 printed <|endoftext|> in 3 of these 64 samples before.
    const bare = await client.infill(request('[MASK:32]\nimport os\n', { seed: 3, samples: 64, sampler })).result;
    assert.deepEqual(bare.samples.filter((s) => s.holes[0].includes('<|endoftext|>')), []);
    // With the end token declared, a fixed-length hole ends at it: never printed either.
    await client.load(load);
    const ended = await client.infill(request('[MASK:32]\nimport os\n', { seed: 3, samples: 64, sampler })).result;
    assert.deepEqual(ended.samples.filter((s) => s.holes[0].includes('<|endoftext|>')), []);
  } finally {
    removeDir(dir);
  }
});

// `[MASK:..8]`: the length search planned each candidate without the overlap and sized the hole
// without it, so the blank came back as the hole's first character and its first token was free.
for (const hole of ['[MASK:3]', '[MASK:..8]']) {
  test(`a hole after an indentation takes in its last blank: the model writes a statement, not a second indentation (${hole}, 32 samples)`, async () => {
    await client.load(load);
    // The tokenizer spells `    return` as `   ` + ` return`: before the hole's first token had to
    // begin with a blank of its own (src/core/overlap.ts), all 32 samples of this seed began with
    // one (` return b`, ` * Re use`: five blanks in the document) and none with a letter.
    const sampler = { strategy: 'remdm-cap' as const, steps: 16, topP: 0.9 };
    const done = await client.infill(request(`def add(a, b):\n    ${hole}\n`, { seed: 1, samples: 32, sampler })).result;
    const texts = done.samples.map((s) => s.holes[0]);
    // The first token may still be a longer blank, the model's own choice: stage 6's weights write
    // one of 32 that way (`       + traceback`), stage 5's none.
    assert.ok(texts.filter((t) => /^\s/.test(t)).length <= 2, `the blank the document already has, repeated: ${JSON.stringify(texts)}`);
    // Most write a statement or open a docstring (22-25 statements of 32 with stage 5's weights;
    // stage 20's: 15 statements and 12 docstrings at [MASK:..8]). A lone quote or bracket, the
    // one-token drafts of a search that leans short, counts as neither.
    assert.ok(texts.filter((t) => /^([A-Za-z_]|""")/.test(t)).length >= 16, JSON.stringify(texts));
  });
}

test('refine after an indentation: the hole starts from its last blank and the selected text, and no sample writes a second indentation (16 samples)', async () => {
  await client.load(load);
  // Before (the selected text tokenized on its own after a four-blank token), all 16 samples of this
  // seed began with a blank: ` return totalize(query)`, ` * total_count(result`.
  const segments = [{ kind: 'text' as const, text: 'def f(total_count):\n    ' }, { kind: 'hole' as const, length: 1, initial: 'return total_count + 1' }];
  const done = await client.infill({ ...request(''), segments, samples: 16, seed: 2, strength: 0.75, sampler: { strategy: 'remdm-cap', steps: 8 } }).result;
  const texts = done.samples.map((s) => s.holes[0]);
  assert.deepEqual(texts.filter((t) => /^\s/.test(t)), [], JSON.stringify(texts));
});
