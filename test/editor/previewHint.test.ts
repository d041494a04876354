import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hintText } from '../../src/editor/previewHint';

test('the hint names the keys that act now, and only at the hole', () => {
  assert.equal(hintText({ phase: 'ready', candidate: '1/3', atHole: true }), '1/3 Alt+] · Tab accept · Esc reject · Alt+\\ reroll');
  assert.equal(hintText({ phase: 'ready', candidate: '', atHole: true }), 'Tab accept · Esc reject · Alt+\\ reroll');
  assert.equal(hintText({ phase: 'running', step: 3, totalSteps: 16, candidate: '', atHole: true }), 'forming 3/16 · Esc stop · Alt+\\ reroll');
  // Away from the hole no key acts: the hint says so instead of listing keys.
  assert.match(hintText({ phase: 'ready', candidate: '1/3', atHole: false }), /^parked/);
  assert.doesNotMatch(hintText({ phase: 'running', candidate: '', atHole: false }), /Tab|Esc/);
});
