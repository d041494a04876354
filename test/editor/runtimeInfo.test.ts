import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runtimeInfoLines, type RuntimeFacts } from '../../src/editor/runtimeInfo';

const base: RuntimeFacts = {
  extensionVersion: '0.1.0', vscodeVersion: '1.100.3', nodeVersion: '20.19.0', onnxRuntimeVersion: '1.30.0',
  platform: 'linux', arch: 'x64', cpu: 'AMD EPYC', cores: 2, threadsSetting: 0, providerSetting: 'auto', cudaLibrariesInstalled: true,
};
const model = { name: 'mdlm-code-small', modelDir: '/m', onnxFile: 'onnx/model_quantized.onnx', vocabSize: 8192, maskId: 8191, endTokenIds: [0], maxLength: 512, usesTime: false, loadMs: 120 };

test('runtime info: provider, versions, device, threads, model file and precision, last fallback', () => {
  const lines = runtimeInfoLines({ ...base, model: { ...model, executionProvider: 'cpu', providerNotice: 'cuda execution provider failed (libcudnn.so.9: cannot open shared object file); using CPU' } });
  assert.match(lines[0], /ONNX Runtime 1\.30\.0/);
  assert.match(lines[1], /linux-x64, AMD EPYC \(2 logical cores\)/);
  assert.match(lines[2], /^Provider: cpu \(setting: auto; CUDA provider libraries installed\)$/);
  assert.match(lines[3], /default/);
  assert.match(lines[4], /onnx\/model_quantized\.onnx · int8 \(quantized\) · vocab 8192 · window 512 · loaded in/);
  const biased = runtimeInfoLines({ ...base, model: { ...model, executionProvider: 'cpu', contextBias: 3 } });
  assert.match(biased[4], /· window 512 · context bias 3 · loaded in/);
  assert.match(lines[5], /^Last fallback: cuda execution provider failed \(libcudnn\.so\.9/);
});

test('runtime info per platform: the CUDA line only on Linux x64; fp32 model; no model', () => {
  const mac = runtimeInfoLines({ ...base, platform: 'darwin', arch: 'arm64', model: { ...model, onnxFile: 'onnx/model.onnx', executionProvider: 'coreml' } });
  assert.equal(mac[2], 'Provider: coreml (setting: auto)');
  assert.match(mac[4], /fp32/);
  assert.equal(mac[5], 'Last fallback: none');
  assert.match(runtimeInfoLines({ ...base, threadsSetting: 4, loadError: 'no such folder' })[4], /^Model: no such folder$/);
});
