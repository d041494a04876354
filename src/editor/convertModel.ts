/**
 * Select Model → Convert a Hugging Face folder…: a downloaded snapshot (Dream, Dream-Coder,
 * DiffuCoder, Open-dCoder, LLaDA) becomes a model folder under ~/.diffusion-infill/models, converted
 * on its own thread with a cancellable progress notification. Returns the new folder, or undefined
 * (cancelled or failed: said in a message; nothing is left behind).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Quantize } from '../convert/convert';
import { ConvertCancelled } from '../convert/errors';
import { convertInThread } from '../convert/inThread';
import type { Ctx } from './ctx';
import { USER_MODELS_DIR } from './modelList';

/** Skip the dialogs (tests): the snapshot folder and the quantization. */
export interface ConvertArgs {
  src: string;
  quantize: Quantize;
}

const QUANTIZATIONS: (vscode.QuickPickItem & { quantize: Quantize })[] = [
  { label: 'int4', description: 'about 0.6 bytes a parameter (7-8B ≈ 5 GB): the choice for 7-8B models on a laptop', quantize: 'int4' },
  { label: 'int8', description: 'about 1 byte a parameter (0.5B ≈ 0.6 GB, 7-8B ≈ 8 GB)', quantize: 'int8' },
  { label: 'none', description: 'fp32, 4 bytes a parameter: exact, for small models', quantize: 'none' },
];

const GB = 1024 ** 3;
const size = (bytes: number) => (bytes >= GB ? `${(bytes / GB).toFixed(1)} GB` : `${Math.round(bytes / 1024 ** 2)} MB`);

async function askArgs(): Promise<ConvertArgs | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    openLabel: 'Convert this folder',
    title: 'A Hugging Face snapshot folder (config.json, *.safetensors, tokenizer.json), e.g. from huggingface-cli download',
  });
  if (!picked?.[0]) return undefined;
  const choice = await vscode.window.showQuickPick(QUANTIZATIONS, { title: `Diffusion Infill: convert ${path.basename(picked[0].fsPath)} with which weights?` });
  return choice && { src: picked[0].fsPath, quantize: choice.quantize };
}

export async function convertModelFolder(ctx: Ctx, given?: ConvertArgs): Promise<string | undefined> {
  const args = given ?? (await askArgs());
  if (!args) return undefined;
  const out = path.join(USER_MODELS_DIR, `${path.basename(path.resolve(args.src))}-${args.quantize}`);
  fs.mkdirSync(USER_MODELS_DIR, { recursive: true });
  const started = Date.now();
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Diffusion Infill: converting ${path.basename(args.src)} (${args.quantize})`, cancellable: true },
      (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        let reported = 0;
        return convertInThread(path.join(__dirname, 'convert.js'), { src: args.src, out, quantize: args.quantize, dtype: 'fp32' }, {
          signal: abort.signal,
          onProgress: (p) => {
            const percent = (100 * p.bytes) / Math.max(1, p.totalBytes);
            progress.report({ message: `${p.tensors}/${p.totalTensors} tensors · ${size(p.bytes)} of ${size(p.totalBytes)}`, increment: percent - reported });
            reported = percent;
          },
        });
      },
    );
    ctx.log.info(`Converted ${args.src} → ${result.outDir} (${result.family}, ${args.quantize}, window ${result.window}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return result.outDir;
  } catch (err) {
    if (err instanceof ConvertCancelled) {
      void vscode.window.showInformationMessage('Diffusion Infill: conversion cancelled; nothing was written.');
    } else {
      ctx.log.warn(`Conversion of ${args.src} failed: ${(err as Error).message}`);
      void vscode.window.showErrorMessage(`Diffusion Infill: ${path.basename(args.src)} could not be converted: ${(err as Error).message}`);
    }
    return undefined;
  }
}
