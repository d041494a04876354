// The batch-memory limit counts the rows the graph returns, crops context to fit where the graph
// returns the whole window, and gives advice that is true (issue 17, item 11).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planSpans, type Segment, type TokenizerPort } from '../../src/core';
import { MAX_LOGITS_BYTES, planWithinMemory, type BatchShape } from '../../src/worker/batchMemory';
import { InfillError } from '../../src/protocol/errors';

/** One token per character. */
const chars: TokenizerPort = { encode: (text) => Array.from(text, (c) => c.charCodeAt(0)) };
const MASK = 1;
const LLADA_VOCAB = 126464;

const request = (context: number, hole: number): Segment[] => [
  { kind: 'text', text: 'a'.repeat(context) },
  { kind: 'hole', length: hole },
  { kind: 'text', text: 'b'.repeat(context) },
];
/** As the runner plans: the window less the sequence specials (left out here: they are never cropped). */
const planner = (segments: Segment[], reserved = 0) => (window: number) => planSpans(segments, chars, MASK, window - reserved);
const shape = (over: Partial<BatchShape>): BatchShape => ({ window: 512, reserved: 0, samples: 1, vocab: 8192, gathers: true, ...over });

function refusal(segments: Segment[], s: BatchShape): string {
  try {
    planWithinMemory(planner(segments, s.reserved), s);
  } catch (err) {
    assert.ok(err instanceof InfillError && err.code === 'bad-request', String(err));
    return err.message;
  }
  assert.fail('the batch was not refused');
}

test('a gathering graph: 64 samples of an 8-token hole in a full window fit (only the hole rows count)', () => {
  const plan = planWithinMemory(planner(request(1000, 8)), shape({ samples: 64 }));
  assert.equal(plan.ids.length, 512, 'the context is not cropped');
  assert.deepEqual(plan.cropped, { left: 748, right: 748 });
});

test('a whole-window graph: the context is cropped until the logits fit; holes kept', () => {
  const plan = planWithinMemory(planner(request(1000, 8), 2), shape({ samples: 64, gathers: false, reserved: 2 }));
  // 256 MiB / (64 samples x 8192 x 4 bytes) = 128 rows, 2 of them the sequence specials.
  assert.equal(plan.ids.length, 126);
  assert.equal(plan.holes[0].length, 8);
  assert.equal(plan.ids.filter((id) => id === MASK).length, 8);
  assert.ok(64 * (plan.ids.length + 2) * 8192 * 4 <= MAX_LOGITS_BYTES);
  // Nothing to crop when it already fits.
  assert.equal(planWithinMemory(planner(request(1000, 8)), shape({ samples: 16, gathers: false })).ids.length, 512);
});

test('a 126k vocabulary: one sample runs (gathered, or cropped), where the whole window was refused', () => {
  const gathered = planWithinMemory(planner(request(5000, 16)), shape({ window: 4096, vocab: LLADA_VOCAB }));
  assert.equal(gathered.ids.length, 4096);
  const cropped = planWithinMemory(planner(request(5000, 16)), shape({ window: 4096, vocab: LLADA_VOCAB, gathers: false }));
  assert.equal(cropped.ids.length, Math.floor(MAX_LOGITS_BYTES / (LLADA_VOCAB * 4)));
});

test('the advice is true: the named sample count fits and one more does not', () => {
  for (const gathers of [true, false]) {
    const segments = request(1000, 300);
    const message = refusal(segments, shape({ samples: 64, gathers }));
    const fits = Number(message.match(/Ask for at most (\d+) samples at this length\.$/)?.[1]);
    assert.ok(fits >= 1, message);
    assert.match(message, gathers ? /^64 samples of 300 hole tokens need 600 MiB/ : /^64 samples of 300 tokens \(the holes and the text between them\) need 600 MiB/);
    assert.doesNotThrow(() => planWithinMemory(planner(segments), shape({ samples: fits, gathers })));
    assert.throws(() => planWithinMemory(planner(segments), shape({ samples: fits + 1, gathers })));
  }
});

test('when even one sample does not fit, the advice says so and names the hole size that would', () => {
  const message = refusal(request(10, 600), shape({ window: 4096, vocab: LLADA_VOCAB }));
  assert.match(message, /^1 sample of 600 hole tokens need 289 MiB .* Even one sample is too many: make the holes at most 530 tokens in all\.$/);
  assert.doesNotMatch(message, /at most 1 samples/);
  assert.doesNotThrow(() => planWithinMemory(planner(request(10, 530)), shape({ window: 4096, vocab: LLADA_VOCAB })));
  assert.throws(() => planWithinMemory(planner(request(10, 531)), shape({ window: 4096, vocab: LLADA_VOCAB })));
  const whole = refusal(request(10, 600), shape({ window: 4096, vocab: LLADA_VOCAB, gathers: false, reserved: 2 }));
  assert.match(whole, /Even one sample is too many: make the holes and the text between them at most 528 tokens\.$/);
  assert.doesNotThrow(() => planWithinMemory(planner(request(10, 528), 2), shape({ window: 4096, vocab: LLADA_VOCAB, gathers: false, reserved: 2 })));
});
