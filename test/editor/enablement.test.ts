import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLanguageEnabled } from '../../src/editor/enablement';

test('a listed language beats *, the disabled list beats both, bad values mean enabled', () => {
  const enabled = { '*': true, plaintext: false };
  assert.equal(isLanguageEnabled('python', enabled, []), true);
  assert.equal(isLanguageEnabled('plaintext', enabled, []), false);
  assert.equal(isLanguageEnabled('python', { '*': false, python: true }, []), true);
  assert.equal(isLanguageEnabled('go', { '*': false, python: true }, []), false);
  assert.equal(isLanguageEnabled('python', enabled, ['python']), false);
  assert.equal(isLanguageEnabled('python', undefined, undefined), true);
  assert.equal(isLanguageEnabled('python', ['python'], 'python'), true);
  assert.equal(isLanguageEnabled('python', { python: 'no' }, []), true);
});
