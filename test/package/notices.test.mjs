// THIRD_PARTY_NOTICES.md is generated (scripts/notices.mjs) from the bundled dependencies, the native
// files and the embedded model's training data manifest: it must be current, and the check must
// catch a manifest that changed under it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../scripts/package.mjs';

const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'training/manifest.json'), 'utf8'));
const notices = fs.readFileSync(path.join(repoRoot, 'THIRD_PARTY_NOTICES.md'), 'utf8');

function check(sources) {
  if (!sources) return spawnSync(process.execPath, ['scripts/notices.mjs', '--check'], { cwd: repoRoot, encoding: 'utf8' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'di-notices-'));
  try {
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(sources));
    return spawnSync(process.execPath, ['scripts/notices.mjs', '--check', '--manifest', path.join(dir, 'manifest.json')], { cwd: repoRoot, encoding: 'utf8' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('THIRD_PARTY_NOTICES.md is what scripts/notices.mjs generates now', () => {
  const result = check();
  assert.equal(result.status, 0, result.stderr);
});

test('the model section lists each training source with its package, version and licence from the manifest', () => {
  const trained = manifest.filter((s) => s.split === 'train' && notices.includes(`| \`${s.package}\` |`));
  assert.ok(trained.length >= 3, `only ${trained.length} training sources in the notices`);
  for (const s of trained) assert.ok(notices.includes(`| ${s.domain} | \`${s.package}\` | ${s.version} | ${s.licence} |`), `${s.package} ${s.version} ${s.licence}`);
  // Evaluation-only text was never trained on: it is not listed as training text.
  for (const s of manifest.filter((m) => m.split === 'ood')) assert.ok(!notices.includes(`\`${s.package}\``), `${s.package} listed`);
});

test('a changed source version or licence in the manifest makes the notices stale', () => {
  const bumped = manifest.map((s) => (s.package === 'debian:python3.11-doc' ? { ...s, version: `${s.version}.1` } : s));
  const result = check(bumped);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /THIRD_PARTY_NOTICES\.md is not up to date/);
  const relicensed = manifest.map((s) => (s.package === 'npm:typescript' ? { ...s, licence: 'MIT' } : s));
  const refused = check(relicensed);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /npm:typescript is licensed MIT, models\/mdlm-code-small\/README\.md says Apache-2\.0/);
});

test('a training source the model card names but the manifest lacks stops the generator, naming it', () => {
  const result = check(manifest.filter((s) => s.package !== 'debian:python3.11'));
  assert.equal(result.status, 1);
  assert.match(result.stderr, /training\/manifest\.json: no training source debian:python3\.11 \(python\)/);
});
