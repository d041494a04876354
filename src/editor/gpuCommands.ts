/** Diffusion Infill: Set Up GPU (CUDA)… and Show Runtime Info. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { checkHost, gatherHostFacts } from '../host/gpuSetup/hostCheck';
import { DownloadCancelled } from '../host/gpuSetup/http';
import { installCudaProvider } from '../host/gpuSetup/install';
import { CUDA_PACKAGE_ID, NUGET_FEED } from '../host/gpuSetup/nuget';
import { proxyFor } from '../host/gpuSetup/proxy';
import { bindingSubfolder, CUDA_PROVIDER_REQUIRED, cudaElsewhere } from '../protocol/providerLibraries';
import type { Cmd } from './commands';
import type { Ctx } from './ctx';
import { runtimeInfoLines } from './runtimeInfo';

const ortRoot = (ctx: Ctx) => path.join(ctx.extension.extensionPath, 'node_modules', 'onnxruntime-node');
const ortVersion = (ctx: Ctx): string => JSON.parse(fs.readFileSync(path.join(ortRoot(ctx), 'package.json'), 'utf8')).version;
const bindingDir = (ctx: Ctx) => path.join(ortRoot(ctx), bindingSubfolder(process.platform, process.arch));

export function setUpCuda(ctx: Ctx): Cmd {
  return async () => {
    const elsewhere = cudaElsewhere(process.platform, process.arch);
    if (elsewhere) {
      void vscode.window.showInformationMessage(`Diffusion Infill: ${elsewhere}`);
      return;
    }
    const host = checkHost(await gatherHostFacts());
    if (host.blocker) {
      void vscode.window.showErrorMessage(`Diffusion Infill: cannot set up CUDA: ${host.blocker}. Install the NVIDIA driver (525.60.13 or newer) first.`);
      return;
    }
    const version = ortVersion(ctx);
    const needs = host.missing.length
      ? ` This machine still lacks ${host.missing.map((m) => `${m.what} (${m.libraries.join(', ')})`).join(' and ')}: install them on the library path (e.g. NVIDIA's CUDA 12 toolkit and cuDNN 9 packages), or CUDA will fall back to the CPU.`
      : ' CUDA 12 and cuDNN 9 libraries were found.';
    const feed = vscode.workspace.getConfiguration('diffusionInfill').get<string>('gpu.packageFeed') || NUGET_FEED;
    const go = await vscode.window.showInformationMessage(
      `Set up CUDA on ${host.summary}?`,
      { modal: true, detail: `Downloads ${CUDA_PACKAGE_ID} ${version} (the CUDA provider matching the bundled ONNX Runtime, a few hundred MB) from ${new URL(feed).host}, checks its size and hash against the feed's metadata, and places its provider libraries beside ONNX Runtime.${needs}` },
      'Download',
    );
    if (go !== 'Download') return;
    const httpProxy = vscode.workspace.getConfiguration('http').get<string>('proxy');
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Diffusion Infill: CUDA provider', cancellable: true },
        (progress, token) => {
          const controller = new AbortController();
          token.onCancellationRequested(() => controller.abort());
          let reported = 0;
          return installCudaProvider({
            feed, version, targetDir: bindingDir(ctx), signal: controller.signal,
            proxyFor: (url) => proxyFor(url, { httpProxy, env: process.env }),
            onProgress: (stage, received, total) => {
              if (stage !== 'downloading' || !received || !total) return progress.report({ message: stage === 'resolving' ? 'finding the package…' : 'placing the libraries…' });
              const percent = (100 * received) / total;
              progress.report({ message: `${(received / 1e6).toFixed(0)} of ${(total / 1e6).toFixed(0)} MB`, increment: percent - reported });
              reported = percent;
            },
          });
        },
      );
      ctx.log.info(`CUDA provider ${version} from ${result.url} (${result.expected.size} bytes, ${result.expected.algorithm} verified): ${result.placed.join(', ')}`);
      ctx.forgetModel();
      const model = await ctx.ensureModel();
      if (model.executionProvider === 'cuda') void vscode.window.showInformationMessage('Diffusion Infill: the model now runs on CUDA.');
      else void vscode.window.showWarningMessage(`Diffusion Infill: CUDA provider installed, but the model runs on ${model.executionProvider}${model.providerNotice ? `: ${model.providerNotice}` : ''}.`);
    } catch (error) {
      if (error instanceof DownloadCancelled) void vscode.window.showInformationMessage('Diffusion Infill: CUDA setup cancelled; nothing was changed.');
      else void vscode.window.showErrorMessage(`Diffusion Infill: CUDA setup failed, nothing was changed: ${(error as Error).message}`);
    }
  };
}

export function showRuntimeInfo(ctx: Ctx): Cmd {
  return async () => {
    let model;
    let loadError: string | undefined;
    try {
      model = await ctx.ensureModel();
    } catch (error) {
      loadError = (error as Error).message;
    }
    const settings = ctx.config.loadSettings();
    const lines = runtimeInfoLines({
      extensionVersion: String(ctx.extension.extension.packageJSON.version),
      vscodeVersion: vscode.version,
      nodeVersion: process.versions.node,
      onnxRuntimeVersion: ortVersion(ctx),
      platform: process.platform,
      arch: process.arch,
      cpu: os.cpus()[0]?.model ?? 'unknown CPU',
      cores: os.cpus().length,
      threadsSetting: settings.threads,
      providerSetting: settings.executionProvider,
      cudaLibrariesInstalled: CUDA_PROVIDER_REQUIRED.every((l) => fs.existsSync(path.join(bindingDir(ctx), l))),
      model,
      loadError,
    });
    for (const line of lines) ctx.log.info(line);
    ctx.log.show(true);
  };
}
