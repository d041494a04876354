import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseProvider, type PlatformFacts } from '../../src/worker/provider';

const linuxCuda: PlatformFacts = { platform: 'linux', arch: 'x64', cudaLibraryPresent: true };
const linuxNoCuda: PlatformFacts = { platform: 'linux', arch: 'x64', cudaLibraryPresent: false };
const linuxArm: PlatformFacts = { platform: 'linux', arch: 'arm64', cudaLibraryPresent: true };
const windows: PlatformFacts = { platform: 'win32', arch: 'x64', cudaLibraryPresent: false };
const mac: PlatformFacts = { platform: 'darwin', arch: 'arm64', cudaLibraryPresent: false };

test('auto picks CUDA only on Linux x64 with the provider library, DirectML on Windows, CoreML on macOS', () => {
  assert.deepEqual(chooseProvider('auto', linuxCuda), { provider: 'cuda' });
  assert.deepEqual(chooseProvider('auto', linuxNoCuda), { provider: 'cpu' });
  assert.deepEqual(chooseProvider('auto', linuxArm), { provider: 'cpu' });
  assert.deepEqual(chooseProvider('auto', windows), { provider: 'dml' });
  assert.deepEqual(chooseProvider('auto', mac), { provider: 'coreml' });
});

test('cpu is always cpu, with no notice', () => {
  for (const facts of [linuxCuda, windows, mac]) assert.deepEqual(chooseProvider('cpu', facts), { provider: 'cpu' });
});

test('an explicit provider that cannot work here falls back to CPU with a notice saying why', () => {
  const cuda = chooseProvider('cuda', linuxNoCuda);
  assert.equal(cuda.provider, 'cpu');
  assert.match(cuda.notice ?? '', /libonnxruntime_providers_cuda\.so/);
  assert.match(chooseProvider('cuda', mac).notice ?? '', /only available on Linux x64/);
  assert.match(chooseProvider('dml', linuxCuda).notice ?? '', /DirectML is only available on Windows/);
  assert.match(chooseProvider('coreml', windows).notice ?? '', /CoreML is only available on macOS/);
  assert.deepEqual(chooseProvider('cuda', linuxCuda), { provider: 'cuda' });
  assert.deepEqual(chooseProvider('dml', windows), { provider: 'dml' });
  assert.deepEqual(chooseProvider('coreml', mac), { provider: 'coreml' });
});
