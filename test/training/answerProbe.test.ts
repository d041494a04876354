// training/answer_probe.mjs, the card's measure of how far the model is from the simple answers:
// on the shipped model each example's hole must be exactly its answer's tokens (a blank before it
// included, nothing of the text after it), with a log-probability for the answer and for what
// confidence decoding writes at the same length.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { root } from './python';

const probe = (...args: string[]) => {
  const run = spawnSync(process.execPath, [path.join(root, 'training/answer_probe.mjs'), path.join(root, 'models/mdlm-code-small'), '--json', ...args], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.trim().split('\n').map((l) => JSON.parse(l));
};

test('answer_probe.mjs reads every CLI example with its answer as the hole', () => {
  const lines = probe();
  const { sum } = lines.pop();
  const examples = JSON.parse(fs.readFileSync(path.join(root, 'training/cli-examples.json'), 'utf8'));
  assert.equal(lines.length, examples.length);
  lines.forEach((row, i) => {
    assert.equal(row.answer, examples[i].answer);
    assert.equal(row.hole.trimStart(), row.answer, `example ${i + 1}: the hole covers ${JSON.stringify(row.hole)}`);
    assert.ok(row.tokens >= 1);
    assert.ok(row.logp < 0 && Number.isFinite(row.logp), `example ${i + 1}: log p ${row.logp}`);
    assert.ok(row.writtenLogp < 0 && Number.isFinite(row.writtenLogp));
    assert.ok(row.written.length > 0);
  });
  assert.ok(Math.abs(sum - lines.reduce((s, r) => s + r.logp, 0)) < 1e-9);
});

test('answer_probe.mjs reads the logits as the runtime does: raised by the context bias asked for', () => {
  const [none, raised] = ['0', '3'].map((b) => probe('--context-bias', b).pop().sum);
  assert.notEqual(none, raised);
});
