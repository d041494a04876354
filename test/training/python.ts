// Debian's PyTorch, which the training tests drive: where it is missing they are skipped.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export const root = path.resolve(__dirname, '../../..');
export const python = '/usr/bin/python3';
const hasTorch = spawnSync(python, ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status === 0;
export const skip = hasTorch ? false : 'needs /usr/bin/python3 with torch and onnx';

/** Runs `lines` with training/ on the import path; the last line printed, as JSON. */
export function py(lines: string[]) {
  const run = spawnSync(python, ['-c', [`import sys; sys.path.insert(0, ${JSON.stringify(path.join(root, 'training'))})`, ...lines].join('\n')],
    { encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? 'null');
}
