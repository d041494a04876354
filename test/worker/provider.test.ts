import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { bindingSubfolder, CUDA_PROVIDER_LIBRARIES, cudaElsewhere } from '../../src/protocol/providerLibraries';
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

test('Set Up GPU (CUDA)… elsewhere names what auto uses there; on Linux x64 it proceeds', () => {
  assert.equal(cudaElsewhere('linux', 'x64'), undefined);
  assert.equal(cudaElsewhere('win32', 'x64'), 'the CUDA provider is for Linux x64. This is win32-x64: DirectML is used with the provider setting auto.');
  assert.equal(cudaElsewhere('win32', 'arm64'), 'the CUDA provider is for Linux x64. This is win32-arm64: DirectML is used with the provider setting auto.');
  assert.equal(cudaElsewhere('darwin', 'arm64'), 'the CUDA provider is for Linux x64. This is darwin-arm64: CoreML is used with the provider setting auto.');
  assert.equal(cudaElsewhere('linux', 'arm64'), 'the CUDA provider is for Linux x64. This is linux-arm64: the CPU is used with the provider setting auto.');
  // The message and the choice agree on every platform.
  for (const [platform, arch, name] of [['win32', 'x64', 'DirectML'], ['darwin', 'arm64', 'CoreML'], ['linux', 'arm64', 'the CPU']] as const) {
    const provider = chooseProvider('auto', { platform, arch, cudaLibraryPresent: false }).provider;
    assert.equal({ dml: 'DirectML', coreml: 'CoreML', cpu: 'the CPU', cuda: 'CUDA' }[provider], name);
  }
});

test('the native binding folder each platform loads from is where onnxruntime-node ships it; CUDA libraries are Linux .so files', () => {
  const root = path.dirname(require.resolve('onnxruntime-node/package.json'));
  const shipped = fs.readdirSync(path.join(root, 'bin/napi-v6')).flatMap((platform) => fs.readdirSync(path.join(root, 'bin/napi-v6', platform)).map((arch) => [platform, arch]));
  assert.ok(shipped.length >= 5, `only ${shipped.length} platforms`);
  for (const [platform, arch] of shipped) {
    const folder = path.join(root, bindingSubfolder(platform, arch));
    assert.ok(fs.existsSync(path.join(folder, 'onnxruntime_binding.node')), `${platform}-${arch}: no binding in ${folder}`);
    const runtime = fs.readdirSync(folder).filter((f) => /^(lib)?onnxruntime\./.test(f));
    const expected = platform === 'win32' ? /\.dll$/ : platform === 'darwin' ? /\.dylib$/ : /\.so\.1$/;
    assert.ok(runtime.length > 0 && runtime.every((f) => expected.test(f)), `${platform}-${arch}: runtime ${runtime.join(', ')}`);
  }
  for (const library of CUDA_PROVIDER_LIBRARIES) assert.match(library, /^libonnxruntime_providers_\w+\.so$/);
});
