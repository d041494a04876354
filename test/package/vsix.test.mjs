// Every .vsix `npm run package` builds: its own platform's ONNX Runtime and no other's, the model
// (its int8 graph only), the bundles and the licence files, the target in its manifest, and its
// size as the README says.
// Reuses each .vsix newer than its inputs (a cold build of all of them takes about 1.5 min here).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import zip from '../../out/src/host/gpuSetup/zip.js';
import { binaryFolder, packageTarget, repoRoot, vsixTargets } from '../../scripts/package.mjs';

// What each platform's onnxruntime-node binding loads (independent of the packaging script).
const RUNTIME = {
  'linux-x64': ['libonnxruntime.so.1', 'onnxruntime_binding.node'],
  'linux-arm64': ['libonnxruntime.so.1', 'onnxruntime_binding.node'],
  'darwin-arm64': ['libonnxruntime.1.dylib', 'onnxruntime_binding.node'],
  'win32-x64': ['DirectML.dll', 'dxcompiler.dll', 'dxil.dll', 'onnxruntime.dll', 'onnxruntime_binding.node'],
  'win32-arm64': ['DirectML.dll', 'dxcompiler.dll', 'dxil.dll', 'onnxruntime.dll', 'onnxruntime_binding.node'],
};
const COMMON = [
  'package.json', 'README.md', 'LICENSE.txt', 'THIRD_PARTY_NOTICES.md', 'CHANGELOG.md',
  'dist/extension.js', 'dist/worker.js', 'dist/cli.js', 'dist/convert.js',
  'models/mdlm-code-small/config.json', 'models/mdlm-code-small/tokenizer.json', 'models/mdlm-code-small/tokenizer_config.json',
  'models/mdlm-code-small/README.md', 'models/mdlm-code-small/onnx/model_quantized.onnx',
  'node_modules/onnxruntime-node/package.json', 'node_modules/onnxruntime-node/dist/index.js',
  'node_modules/onnxruntime-common/package.json',
];
const BINARY_ROOT = 'extension/node_modules/onnxruntime-node/bin/';

test('onnxruntime-node ships binaries for exactly the targets the test knows', () => {
  assert.deepEqual(vsixTargets(), Object.keys(RUNTIME).sort());
});

const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

for (const target of vsixTargets()) {
  test(`${target}: its own runtime only, the model, bundles and licences; size as in the README`, async () => {
    const vsix = packageTarget(target);
    const entries = await zip.listZip(vsix);
    const names = new Set(entries.map((e) => e.name));
    for (const file of COMMON) assert.ok(names.has(`extension/${file}`), `${target}: ${file} missing`);
    // Whatever the fp32 graph is called: the int8 graph is the one graph (and no external data) shipped.
    const graphs = [...names].filter((n) => n.startsWith('extension/models/') && n.includes('/onnx/'));
    assert.deepEqual(graphs, ['extension/models/mdlm-code-small/onnx/model_quantized.onnx'], `${target}: graphs shipped`);
    const binaries = [...names].filter((n) => n.startsWith(BINARY_ROOT)).sort();
    assert.deepEqual(binaries, RUNTIME[target].map((file) => `extension/${binaryFolder(target)}${file}`).sort());
    assert.ok(![...names].some((n) => n.includes('/src/') || n.endsWith('.map') || n.endsWith('.ts')), `${target}: sources shipped`);
    const manifest = await readEntry(vsix, entries, 'extension.vsixmanifest');
    assert.match(manifest, new RegExp(`TargetPlatform="${target}"`));
    const megabytes = fs.statSync(vsix).size / 1e6;
    const row = readme.match(new RegExp(`^\\| \`${target}\` \\| ([\\d.]+) MB`, 'm'));
    assert.ok(row, `README has no size row for ${target}`);
    assert.ok(Math.abs(Number(row[1]) - megabytes) / megabytes < 0.05, `${target}: README says ${row[1]} MB, the .vsix is ${megabytes.toFixed(1)} MB`);
  });
}

async function readEntry(vsix, entries, name) {
  const out = `${repoRoot}/test-output/${process.pid}-${name}`;
  fs.mkdirSync(`${repoRoot}/test-output`, { recursive: true });
  await zip.extractEntry(vsix, entries.find((e) => e.name === name), out);
  try {
    return fs.readFileSync(out, 'utf8');
  } finally {
    fs.rmSync(out);
  }
}
