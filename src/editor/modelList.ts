/**
 * Model folders the picker offers besides the embedded one: each subfolder of the user's models
 * folder (~/.diffusion-infill/models) that looks like a model (has config.json and an onnx/ file).
 * Pure Node (no vscode), so it is unit-tested directly; full validation happens when one is loaded.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const USER_MODELS_DIR = path.join(os.homedir(), '.diffusion-infill', 'models');

export interface ModelFolder {
  name: string;
  dir: string;
}

export function listModelFolders(root: string = USER_MODELS_DIR): ModelFolder[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch {
    return []; // no user models folder yet
  }
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => ({ name: e.name, dir: path.join(root, e.name) }))
    .filter(({ dir }) => fs.existsSync(path.join(dir, 'config.json')) && fs.existsSync(path.join(dir, 'onnx')))
    .sort((a, b) => a.name.localeCompare(b.name));
}
