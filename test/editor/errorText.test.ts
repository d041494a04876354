import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logText } from '../../src/editor/errorText';

test('the log records an expected user error by its message, anything else with its stack', () => {
  const missing = Object.assign(new Error('no config.json in /m'), { code: 'model-missing' });
  assert.equal(logText(missing), 'no config.json in /m');
  const tooLong = new Error('The hole is 900 tokens long');
  tooLong.name = 'UserFacingError';
  assert.equal(logText(tooLong), 'The hole is 900 tokens long');
  const bug = Object.assign(new Error('x is undefined'), { code: 'runtime' });
  assert.match(logText(bug), /^Error: x is undefined\n\s+at /);
});
