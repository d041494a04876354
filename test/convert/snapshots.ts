// Tiny random snapshots in each family's real format, with PyTorch reference logits (needs python3-torch).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../worker/fixtures';

const python = '/usr/bin/python3';
const maker = path.join(repoRoot, 'training', 'byo', 'make_tiny_snapshot.py');
export const hasTorch = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

export interface Reference {
  ids: number[][];
  shape: [number, number, number];
  logits: number[];
  causal: number[];
}

export function makeSnapshot(family: string, dir: string, seed = 0, extra: string[] = []): Reference {
  const ref = `${dir}.ref.json`;
  const r = spawnSync(python, [maker, family, dir, '--reference', ref, '--seed', String(seed), ...extra], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(fs.readFileSync(ref, 'utf8'));
}
