import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { resolveModelPath, settingForTrust } from '../../src/editor/trust';

const embedded = '/ext/models/mdlm-code-small';
const base = { embeddedModelDir: embedded, homeDir: '/home/u', workspaceFolder: '/repo' };

test('untrusted: workspace and folder values of a restricted setting are ignored', () => {
  const inspected = { defaultValue: '', globalValue: '/home/u/models/mine', workspaceValue: '/repo/evil', workspaceFolderValue: '/repo/evil2' };
  assert.equal(settingForTrust(inspected, false), '/home/u/models/mine');
  assert.equal(settingForTrust({ defaultValue: '', workspaceValue: '/repo/evil' }, false), '');
  assert.equal(settingForTrust({ defaultValue: 'auto', workspaceFolderValue: 'cuda' }, false), 'auto');
  assert.equal(settingForTrust(undefined, false), undefined);
});

test('trusted: VS Code precedence (folder, workspace, user, default)', () => {
  assert.equal(settingForTrust({ defaultValue: '', globalValue: 'g', workspaceValue: 'w', workspaceFolderValue: 'f' }, true), 'f');
  assert.equal(settingForTrust({ defaultValue: '', globalValue: 'g', workspaceValue: 'w' }, true), 'w');
  assert.equal(settingForTrust({ defaultValue: '', globalValue: 'g' }, true), 'g');
});

test('a workspace-supplied model path never reaches the model folder when untrusted', () => {
  const fromWorkspace = settingForTrust({ defaultValue: '', workspaceValue: './models/evil' }, false);
  assert.equal(resolveModelPath(fromWorkspace, { ...base, trusted: false }), embedded);
  const absolute = settingForTrust({ defaultValue: '', workspaceValue: '/tmp/evil' }, false);
  assert.equal(resolveModelPath(absolute, { ...base, trusted: false }), embedded);
});

test('untrusted: a relative user path is not resolved against the (untrusted) workspace folder', () => {
  assert.equal(resolveModelPath('models/mine', { ...base, trusted: false }), embedded);
  assert.equal(resolveModelPath('models/mine', { ...base, trusted: true }), path.resolve('/repo', 'models/mine'));
});

test('model paths: empty is embedded, ~ is home, absolute stays', () => {
  for (const trusted of [true, false]) {
    assert.equal(resolveModelPath('  ', { ...base, trusted }), embedded);
    assert.equal(resolveModelPath(undefined, { ...base, trusted }), embedded);
    assert.equal(resolveModelPath('~/m', { ...base, trusted }), path.join('/home/u', 'm'));
    assert.equal(resolveModelPath('/opt/m/../m2', { ...base, trusted }), '/opt/m2');
  }
  // '~evil' is not a home path: it is relative.
  assert.equal(resolveModelPath('~evil', { ...base, trusted: false }), embedded);
  assert.equal(resolveModelPath('rel', { ...base, workspaceFolder: undefined, trusted: true }), path.resolve('/home/u', 'rel'));
});
