// The two runtime commands as a user runs them, in a real VS Code: Show Runtime Info prints what
// runs the model to the extension's output; Set Up GPU (CUDA)… against a local 127.0.0.1 feed on
// this machine (no NVIDIA driver on CI) says why it cannot, fetches nothing and leaves nothing behind.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describe, it } from 'mocha';
import { gatherHostFacts } from '../../src/host/gpuSetup/hostCheck';
import { CUDA_PACKAGE_ID, packageEntries } from '../../src/host/gpuSetup/nuget';
import { bindingSubfolder } from '../../src/protocol/providerLibraries';
import { makeZip, startFeed } from '../host/nugetServer';
import { EXTENSION_ID, getApi, useSettings } from './helpers';
import { captureMessages } from './reliability/messages';

const extensionPath = () => vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
const ortRoot = () => path.join(extensionPath(), 'node_modules', 'onnxruntime-node');
const ortVersion = () => JSON.parse(fs.readFileSync(path.join(ortRoot(), 'package.json'), 'utf8')).version as string;

/** The text of the extension's output channel as the Output panel shows it. */
async function outputText(includes: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'output' && d.getText().includes(includes));
    if (doc) return doc.getText();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`no output document shows "${includes}"`);
}

describe('Runtime commands', () => {
  it('Show Runtime Info prints provider, versions, threads, model file, precision and the last fallback reason', async () => {
    const api = await getApi();
    // CUDA asked for on a machine without its provider libraries: a real fallback to report.
    const restore = await useSettings({ executionProvider: 'cuda', threads: 2, quantized: true });
    try {
      const model = await api.ensureModel();
      assert.equal(model.executionProvider, 'cpu');
      await vscode.commands.executeCommand('diffusionInfill.showRuntimeInfo');
      const text = await outputText('Last fallback:');
      const block = text.slice(text.lastIndexOf(`Diffusion Infill ${vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.version} ·`));
      assert.match(block, new RegExp(`VS Code ${vscode.version.replace(/\./g, '\\.')} · Node ${process.versions.node} · ONNX Runtime ${ortVersion()} \\(onnxruntime-node\\)`));
      assert.match(block, new RegExp(`Device: ${process.platform}-${process.arch}, .+ \\(${os.cpus().length} logical cores\\)`));
      assert.match(block, /Provider: cpu \(setting: cuda; CUDA provider libraries not installed\)/);
      assert.match(block, /Threads: 2\b/);
      const file = path.join(extensionPath(), 'models', 'mdlm-code-small', 'onnx', 'model_quantized.onnx');
      assert.ok(block.includes(`Model: mdlm-code-small · ${file} · int8 (quantized) · vocab 8192 · window 512 · context bias 3 · loaded in `), 'no model line with its file and precision');
      assert.match(block, /Last fallback: CUDA provider library \(libonnxruntime_providers_cuda\.so\) is not installed next to onnxruntime-node; using CPU/);
    } finally {
      await restore();
    }
  });

  it('Set Up GPU (CUDA)… without an NVIDIA driver says so plainly, fetches nothing from the feed and leaves nothing behind', async function () {
    if (process.platform !== 'linux' || process.arch !== 'x64') this.skip();
    const host = await gatherHostFacts();
    const nupkg = makeZip(Object.fromEntries(packageEntries().map(({ library, entry }) => [entry, Buffer.from(`dummy ${library}`)])));
    const feed = await startFeed({ id: CUDA_PACKAGE_ID, version: ortVersion(), nupkg });
    const restore = await useSettings({ 'gpu.packageFeed': feed.indexUrl() });
    const bindingDir = path.join(ortRoot(), bindingSubfolder(process.platform, process.arch));
    const listing = () => ({ binding: fs.readdirSync(bindingDir).sort(), tmp: fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('diffusion-infill-cuda-')) });
    const before = listing();
    const messages = captureMessages();
    try {
      await vscode.commands.executeCommand('diffusionInfill.setUpCuda');
      if (!host.gpu && !host.driverLibrary) {
        assert.deepEqual(messages.errors, [
          'Diffusion Infill: cannot set up CUDA: no NVIDIA driver found (nvidia-smi did not run and libcuda.so.1 is not on the library path). Install the NVIDIA driver (525.60.13 or newer) first.',
        ]);
      } else {
        // A machine with a driver: the confirmation is asked (and declined here: the wrapper answers nothing).
        assert.match(messages.infos[0] ?? '', /^Set up CUDA on /);
      }
      assert.deepEqual(feed.requests, [], 'the feed was asked for something');
      assert.deepEqual(listing(), before, 'files were left behind');
    } finally {
      messages.dispose();
      await restore();
      await feed.close();
    }
  });
});
