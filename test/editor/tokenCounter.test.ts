import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { TokenCounter } from '../../src/editor/tokenCounter';

// The real embedded tokenizer (out/test/editor → repository root).
const MODEL = path.resolve(__dirname, '../../../models/mdlm-code-small');

test('the selection length is counted with the model tokenizer, CRLF as LF', () => {
  const counter = new TokenCounter();
  const lf = counter.count(MODEL, 'def add(a, b):\n    return a + b\n');
  assert.equal(lf.exact, true);
  assert.ok(lf.tokens >= 5 && lf.tokens <= 30, `got ${lf.tokens}`);
  assert.deepEqual(counter.count(MODEL, 'def add(a, b):\r\n    return a + b\r\n'), lf);
});

test('a folder without a tokenizer falls back to an estimate', () => {
  const counter = new TokenCounter();
  const r = counter.count('/nonexistent-model-folder', 'x'.repeat(32));
  assert.deepEqual(r, { tokens: 10, exact: false });
});
