// A CUDA provider library that fails to load: the CLI (the same runtime the editor uses) warns with
// the loader's own reason and fills the hole on the CPU. Runs dist/cli.js against a copy of
// onnxruntime-node whose binding folder holds dummy provider libraries, as a broken setup leaves it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { bindingSubfolder, CUDA_PROVIDER_LIBRARIES } from '../../src/protocol/providerLibraries';
import { shortenLoaderMessage } from '../../src/worker/provider';

const repo = path.resolve(__dirname, '../../..');
const skip = process.platform === 'linux' && process.arch === 'x64' ? false : 'the CUDA provider exists for Linux x64 only';

function copyTree(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true, dereference: true });
}

test('a CUDA provider that fails to load: notice with the loader message, and the CPU fills the hole', { skip }, () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'di-fallback-'));
  try {
    fs.mkdirSync(path.join(root, 'dist'));
    for (const file of ['cli.js', 'worker.js']) fs.copyFileSync(path.join(repo, 'dist', file), path.join(root, 'dist', file));
    const ortFrom = path.join(repo, 'node_modules/onnxruntime-node');
    const ortTo = path.join(root, 'node_modules/onnxruntime-node');
    copyTree(path.join(repo, 'node_modules/onnxruntime-common'), path.join(root, 'node_modules/onnxruntime-common'));
    copyTree(path.join(ortFrom, 'dist'), path.join(ortTo, 'dist'));
    fs.copyFileSync(path.join(ortFrom, 'package.json'), path.join(ortTo, 'package.json'));
    // A real copy (not a link): ONNX Runtime looks for providers beside the file it was loaded from.
    copyTree(path.join(ortFrom, bindingSubfolder('linux', 'x64')), path.join(ortTo, bindingSubfolder('linux', 'x64')));
    for (const library of CUDA_PROVIDER_LIBRARIES) fs.writeFileSync(path.join(ortTo, bindingSubfolder('linux', 'x64'), library), 'not a shared library\n');

    const result = spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), '--model', path.join(repo, 'models/mdlm-code-small'), '--provider', 'auto', '--steps', '4', '--seed', '1', '--json', 'def add(a, b):\n    return [MASK:4]\n'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(result.status, 0, result.stderr);
    const out = JSON.parse(result.stdout);
    assert.equal(out.executionProvider, 'cpu');
    assert.match(out.providerNotice, /^cuda execution provider failed \(libonnxruntime_providers_shared\.so: (invalid ELF header|file too short)\); using CPU$/);
    assert.ok(out.texts?.[0]?.length > 0 || JSON.stringify(out).includes('return'), result.stdout);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('loader messages are shortened to their reason', () => {
  const ort = '/onnxruntime_src/onnxruntime/core/session/provider_bridge_ort.cc:1988 onnxruntime::Provider& onnxruntime::ProviderLibrary::Get() [ONNXRuntimeError] : 1 : FAIL : Failed to load library /opt/ext/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so with error: libcublasLt.so.12: cannot open shared object file: No such file or directory\nmore';
  assert.equal(shortenLoaderMessage(ort), 'Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.12: cannot open shared object file: No such file or directory');
  assert.equal(shortenLoaderMessage('x'.repeat(300)).length, 200);
});
