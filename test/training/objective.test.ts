// The embedded model's training recipe: the objective mix masks what the editor masks (contiguous
// spans, holes padded with end tokens), a model folder grows extra blocks without changing its
// function, and the committed data manifest holds no evaluation text.
// Needs Debian's PyTorch at /usr/bin/python3; skipped where it is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { py, python, root, skip } from './python';

test('span masking covers at least the rate t in contiguous runs of at most 64 tokens', { skip }, () => {
  const out = py([
    'import json, random, torch',
    'from train import span_mask',
    'rng = random.Random(0); res = []',
    'for t in (0.01, 0.3, 0.9):',
    '    m = span_mask(256, t, rng).tolist()',
    '    runs, cur = [], 0',
    '    for v in m + [False]:',
    '        cur = cur + 1 if v else (runs.append(cur) or 0) if cur else 0',
    '    res.append([sum(m) / 256, max(runs)])',
    'print(json.dumps(res))',
  ]) as [number, number][];
  for (const [[fraction], t] of out.map((r, i) => [r, [0.01, 0.3, 0.9][i]] as const)) assert.ok(fraction >= t - 1 / 256, `${fraction} < ${t}`);
  assert.ok(out.every(([, longest]) => longest <= 256));
});

test('an end-token row keeps the text, pads the hole with end tokens, and masks only inside the hole (half of them whole)', { skip }, () => {
  const rows = py([
    'import json, random, torch',
    'from train import eos_row',
    'rng = random.Random(1); out = []',
    'x = torch.arange(1, 129)',
    'for _ in range(200):',
    '    row, m, whole = eos_row(x, 0.5, 0, rng)',
    '    out.append([row.tolist(), m.tolist(), whole])',
    'print(json.dumps(out))',
  ]) as [number[], boolean[], boolean][];
  const whole = rows.filter(([, , w]) => w);
  // Half the holes are masked whole (the first sampling step's input), the others at rate t.
  assert.ok(whole.length > 60 && whole.length < 140, `${whole.length} of 200 whole`);
  const shapes: { text: number; padding: number }[] = [];
  for (const [row, masked] of whole) {
    assert.equal(row.length, 128);
    const holeStart = masked.indexOf(true);
    const holeEnd = masked.lastIndexOf(true) + 1;
    const hole = row.slice(holeStart, holeEnd);
    const kept = hole.findIndex((id) => id === 0);
    const text = kept < 0 ? hole : hole.slice(0, kept);
    // Text before and inside the hole is the original sequence; the hole ends in end tokens only.
    assert.deepEqual(row.slice(0, holeStart + text.length), Array.from({ length: holeStart + text.length }, (_, i) => i + 1));
    assert.ok(hole.slice(text.length).every((id) => id === 0));
    // After the hole the text resumes where the kept text stopped.
    if (holeEnd < 128) assert.equal(row[holeEnd], holeStart + text.length + 1);
    assert.ok(masked.slice(holeStart, holeEnd).every(Boolean), 'a whole hole is one masked run');
    shapes.push({ text: text.length, padding: hole.length - text.length });
  }
  assert.ok(shapes.some((h) => h.padding > 0), 'some holes are longer than their text');
  // Short texts get long padding too (the runtime's default bound is 16 tokens).
  assert.ok(shapes.some((h) => h.text <= 2 && h.padding >= 13), 'a text of 1-2 tokens padded with 13 or more end tokens');
  // A partly masked hole still masks something.
  assert.ok(rows.filter(([, , w]) => !w).every(([, masked]) => masked.some(Boolean)));
});

test('an expand row keeps the text in order, merges masked pairs into expand targets, ends the hole with deletes, and masks only inside it', { skip }, () => {
  const EXPAND = 9999;
  const rows = py([
    'import json, random, torch',
    'from train import expand_row',
    'rng = random.Random(2); out = []',
    'x = torch.arange(1, 129)',
    'for t in [0.2, 0.5, 0.9] * 100:',
    `    row, target, m, whole = expand_row(x, t, 0, ${EXPAND}, rng)`,
    '    out.append([row.tolist(), target.tolist(), m.tolist(), whole])',
    'print(json.dumps(out))',
  ]) as [number[], number[], boolean[], boolean][];
  const whole = rows.filter(([, , , w]) => w).length;
  assert.ok(whole > 100 && whole < 200, `${whole} of 300 whole`);
  let expands = 0;
  let deletes = 0;
  for (const [row, target, masked] of rows) {
    assert.equal(row.length, 128);
    assert.ok(masked.some(Boolean));
    const first = masked.indexOf(true);
    // Unmasked positions show their targets; the mask is read only where it is set.
    row.forEach((id, l) => masked[l] || assert.equal(id, target[l]));
    assert.ok(target.every((id, l) => id !== EXPAND || masked[l]), 'an expand target is always masked');
    // Reading the targets with each expand standing for two tokens and each delete for none gives the text back, in order.
    const read: number[] = [];
    let end = first;
    for (let l = 0; l < 128; l++) {
      if (target[l] === EXPAND) read.push(read.length + 1, read.length + 2);
      else if (target[l] !== 0) read.push(target[l]);
      if (masked[l]) end = l + 1;
    }
    assert.deepEqual(read, Array.from({ length: read.length }, (_, i) => i + 1));
    const hole = target.slice(first, end);
    expands += hole.filter((id) => id === EXPAND).length;
    const tail = hole.findIndex((id) => id === 0);
    if (tail >= 0) {
      assert.ok(hole.slice(tail).every((id) => id === 0), 'deletes only end the hole');
      assert.ok(masked.slice(first + tail, end).every(Boolean), 'every delete is masked');
      deletes += hole.length - tail;
    }
  }
  assert.ok(expands > 100, `${expands} expand targets`);
  assert.ok(deletes > 1000, `${deletes} delete targets`);
});

test('a broader corpus gives its share of the rows, drawn with the same domain weights', { skip }, () => {
  const shares = py([
    'import json, random, numpy as np',
    'from train import batch',
    'narrow = {d: np.full(600, 1 + i, dtype=np.uint16) for i, d in enumerate(("python", "pydocs", "typescript"))}',
    'broad = {d: v + 10 for d, v in narrow.items()}',
    'out = []',
    'for s, share in ((0, 0.25), (1, 0.5), (2, 1.0)):',
    '    first = batch(narrow, random.Random(s), 128, 400, broad, share)[:, 0]',
    '    out.append([float((first > 10).float().mean()), float((first % 10 == 1).float().mean())])',
    'print(json.dumps(out))',
  ]) as [number, number][];
  // The broad rows' share, and python's share of all rows (DOMAIN_WEIGHTS: 0.42) whichever corpus.
  const [[quarter], [half], [all]] = shares;
  assert.ok(Math.abs(quarter - 0.25) < 0.07 && Math.abs(half - 0.5) < 0.08 && all === 1, `shares ${shares}`);
  assert.ok(shares.every(([, python]) => Math.abs(python - 0.42) < 0.08), `python ${shares}`);
});

/**
 * A random tiny model folder in `dir`, and the PyTorch model train.py grows from it with config
 * `field` raised by `by`: how much it grew, and the largest change in the old tokens' logits.
 */
function growTiny(dir: string, field: 'num_layers' | 'vocab_size', by: number): [number, number] {
  const made = spawnSync(python, [path.join(root, 'training/export.py'), '--random-tiny', dir, '--no-parity'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(made.status, 0, made.stderr);
  return py([
    'import json, dataclasses, torch',
    'from pathlib import Path',
    'from model import DiffusionLM',
    'from onnx_weights import config_from_folder, model_from_folder',
    'from train import grown_weights',
    `folder = Path(${JSON.stringify(dir)})`,
    'small, c = model_from_folder(folder), config_from_folder(folder)',
    `big = DiffusionLM(dataclasses.replace(c, ${field}=c.${field} + ${by}))`,
    'big.load_state_dict(grown_weights(folder, big))',
    'ids = torch.tensor([[1, 2, 3, 4, 5, 6, 7, 8]])',
    `print(json.dumps([big.config.${field} - c.${field}, (big(ids)[..., :c.vocab_size] - small(ids)).abs().max().item()]))`,
  ]) as [number, number];
}

test('a model folder grows extra blocks as identities: the grown model gives the same logits', { skip }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grow-'));
  try {
    const [blocks, diff] = growTiny(dir, 'num_layers', 2);
    assert.equal(blocks, 2);
    assert.ok(diff < 1e-5, `grown model differs by ${diff}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a model folder grows an added token: the old tokens keep their logits, and the expand objective names the tool that adds it', { skip }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grow-vocab-'));
  try {
    const [rows, diff] = growTiny(dir, 'vocab_size', 1);
    assert.equal(rows, 1);
    assert.ok(diff < 1e-5, `the old tokens' logits moved by ${diff}`);
    // Without the token in the tokenizer, the expand objective stops before training and says how to add it.
    const data = path.join(dir, 'data');
    fs.mkdirSync(path.join(data, 'train'), { recursive: true });
    fs.writeFileSync(path.join(data, 'train', 'python.u16'), Buffer.from(Uint16Array.from({ length: 4096 }, (_, i) => 1 + (i % 200)).buffer));
    const run = spawnSync(python, [path.join(root, 'training/train.py'), '--data', data, '--tokenizer', dir, '--out', path.join(dir, 'run'),
      '--preset', 'smoke', '--objectives', 'mdlm=0.5,expand=0.5', '--threads', '1'], { encoding: 'utf8', timeout: 120_000 });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /the expand objective needs <\|expand\|> in .*tokenizer\.json \(add_expand\.py\)/);
    assert.ok(!fs.existsSync(path.join(dir, 'run', 'checkpoint.pt')));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the training data manifest lists every source with its licence and never the evaluation packages', () => {
  const manifest: { split: string; package: string; licence: string; version: string; files: number; tokens: number }[] =
    JSON.parse(fs.readFileSync(path.join(root, 'training/manifest.json'), 'utf8'));
  const train = manifest.filter((s) => s.split === 'train');
  assert.ok(train.length >= 20, `${train.length} training sources`);
  for (const source of train) {
    assert.doesNotMatch(source.package, /numpy|click|python3-attr|@types\/vscode/, `${source.package} is evaluation text`);
    assert.ok(source.licence && source.licence !== '?', `${source.package} has no licence`);
    assert.ok(source.tokens > 0 && source.files > 0, `${source.package} contributes nothing`);
  }
  assert.deepEqual(manifest.filter((s) => s.split === 'ood').map((s) => s.package).sort(),
    ['debian:python3-attr', 'debian:python3-click', 'debian:python3-numpy', 'npm:@types/vscode']);
});
