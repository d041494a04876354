import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TokenCounter } from '../../src/editor/tokenCounter';

// The real embedded tokenizer (out/test/editor → repository root).
const MODEL = path.resolve(__dirname, '../../../models/mdlm-code-small');

test('the selection length is counted with the model tokenizer, CRLF as LF', async () => {
  const counter = new TokenCounter();
  const lf = await counter.count(MODEL, 'def add(a, b):\n    return a + b\n');
  assert.equal(lf.exact, true);
  assert.ok(lf.tokens >= 5 && lf.tokens <= 30, `got ${lf.tokens}`);
  assert.deepEqual(await counter.count(MODEL, 'def add(a, b):\r\n    return a + b\r\n'), lf);
});

test('a folder without a tokenizer falls back to an estimate', async () => {
  const counter = new TokenCounter();
  const r = await counter.count('/nonexistent-model-folder', 'x'.repeat(32));
  assert.deepEqual(r, { tokens: 10, exact: false });
});

test('a tokenizer.json that is a FIFO or /dev/zero is refused at once (an estimate), never read', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-tokenizer-'));
  try {
    execFileSync('mkfifo', [path.join(dir, 'tokenizer.json')]);
    assert.deepEqual(await new TokenCounter().count(dir, 'x'.repeat(32)), { tokens: 10, exact: false });
    fs.rmSync(path.join(dir, 'tokenizer.json'));
    fs.symlinkSync('/dev/zero', path.join(dir, 'tokenizer.json'));
    assert.deepEqual(await new TokenCounter().count(dir, 'x'.repeat(32)), { tokens: 10, exact: false });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
