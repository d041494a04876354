// Shared by the worker and CLI tests: the real embedded model, and broken copies of it in temp dirs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '../../..');
export const embeddedModel = path.join(repoRoot, 'models', 'mdlm-code-small');
export const workerScript = path.join(repoRoot, 'dist', 'worker.js');
export const cliScript = path.join(repoRoot, 'dist', 'cli.js');

if (!fs.existsSync(path.join(embeddedModel, 'onnx', 'model.onnx'))) {
  throw new Error(`the runtime tests need the embedded model at ${embeddedModel} (export it with training/export.py)`);
}

/** A copy of the embedded model (fp32 graph only) in a fresh temp dir, to break on purpose. */
export function copyModel(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'di-model-'));
  for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) {
    fs.copyFileSync(path.join(embeddedModel, file), path.join(dir, file));
  }
  fs.mkdirSync(path.join(dir, 'onnx'));
  fs.copyFileSync(path.join(embeddedModel, 'onnx', 'model.onnx'), path.join(dir, 'onnx', 'model.onnx'));
  return dir;
}

export function editJson(file: string, edit: (json: any) => void): void {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(json);
  fs.writeFileSync(file, JSON.stringify(json));
}

/**
 * Renames a graph input in place by rewriting its name bytes (same length, so the protobuf stays
 * valid): the graph input and every node that reads it change together.
 */
export function renameGraphName(onnxFile: string, from: string, to: string): void {
  if (from.length !== to.length) throw new Error('names must have the same length');
  const bytes = fs.readFileSync(onnxFile);
  const needle = Buffer.from(from);
  let count = 0;
  for (let i = bytes.indexOf(needle); i >= 0; i = bytes.indexOf(needle, i + 1)) {
    bytes.write(to, i);
    count++;
  }
  if (count === 0) throw new Error(`${from} not found in ${onnxFile}`);
  fs.writeFileSync(onnxFile, bytes);
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
