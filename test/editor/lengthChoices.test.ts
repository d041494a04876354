import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LENGTH_CHOICES, parseTokens } from '../../src/editor/lengthChoices';

test('lengths are offered as short / medium / long, growing, and a typed number is checked', () => {
  assert.deepEqual(LENGTH_CHOICES.map((c) => c.label), ['Short', 'Medium', 'Long']);
  assert.ok(LENGTH_CHOICES.every((c, i) => i === 0 || c.tokens > LENGTH_CHOICES[i - 1].tokens));
  assert.equal(parseTokens(' 40 '), 40);
  assert.equal(parseTokens('0'), undefined);
  assert.equal(parseTokens('5000'), undefined);
  assert.equal(parseTokens('twelve'), undefined);
});
