import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failureMessage, logText } from '../../src/editor/errorText';

test('the log records an expected user error by its message, anything else with its stack', () => {
  const missing = Object.assign(new Error('no config.json in /m'), { code: 'model-missing' });
  assert.equal(logText(missing), 'no config.json in /m');
  const readOnly = new Error('This document is read-only');
  readOnly.name = 'UserFacingError';
  assert.equal(logText(readOnly), 'This document is read-only');
  const tooLong = Object.assign(new Error('Hole too long: the hole is 900 tokens, but the model window allows at most 512 tokens.'), { code: 'hole-too-long' });
  assert.equal(logText(tooLong), tooLong.message);
  const bug = Object.assign(new Error('x is undefined'), { code: 'runtime' });
  assert.match(logText(bug), /^Error: x is undefined\n\s+at /);
});

test("a hole too long shows the worker's message, says nothing was written and what to do", () => {
  const tooLong = Object.assign(new Error('Hole too long: the hole is 900 tokens, but the model window allows at most 512 tokens.'), { code: 'hole-too-long' });
  assert.equal(failureMessage(tooLong), 'Hole too long: the hole is 900 tokens, but the model window allows at most 512 tokens. Nothing was written; select less text or ask for fewer tokens.');
});
