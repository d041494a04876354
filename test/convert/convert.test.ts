/**
 * The TypeScript converter on tiny random snapshots written in each family's real format (bf16,
 * two shards + index, the family's weight names, config keys and special tokens) by
 * training/byo/make_tiny_snapshot.py, which also computes reference logits with a plain PyTorch
 * forward written from the original modeling code. Needs Debian's python3-torch.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { convertSnapshot, type ConvertOptions } from '../../src/convert/convert';
import { cliScript } from '../worker/fixtures';
import { hasTorch, makeSnapshot } from './snapshots';

/** The converted graph's logits at every position, straight from ONNX Runtime. */
async function graphLogits(onnxFile: string, ids: number[][]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(onnxFile, { executionProviders: ['cpu'], logSeverityLevel: 3 });
  try {
    const [b, s] = [ids.length, ids[0].length];
    const out = await session.run({
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.flat(), BigInt), [b, s]),
      logit_positions: new ort.Tensor('int64', BigInt64Array.from({ length: b * s }, (_, i) => BigInt(i % s)), [b, s]),
    });
    return out.logits.data as Float32Array;
  } finally {
    await session.release();
  }
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

/** Share of positions whose argmax agrees. */
function argmaxAgreement(a: ArrayLike<number>, b: ArrayLike<number>, vocab: number): number {
  const rows = a.length / vocab;
  let same = 0;
  for (let r = 0; r < rows; r++) {
    let ia = 0;
    let ib = 0;
    for (let v = 1; v < vocab; v++) {
      if (a[r * vocab + v] > a[r * vocab + ia]) ia = v;
      if (b[r * vocab + v] > b[r * vocab + ib]) ib = v;
    }
    if (ia === ib) same++;
  }
  return same / rows;
}

describe('convert a Hugging Face snapshot', { skip: hasTorch ? false : 'needs /usr/bin/python3 with torch' }, () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'di-convert-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const convert = (src: string, name: string, options?: ConvertOptions) => convertSnapshot(src, path.join(dir, name), options);

  for (const family of ['dream', 'open-dcoder', 'llada']) {
    it(`${family}: fp32 logits match the PyTorch reference (<= 1e-4), and differ from a causal forward`, async () => {
      const src = path.join(dir, `${family}-snapshot`);
      const ref = makeSnapshot(family, src);
      const result = await convert(src, family);
      assert.equal(result.family, family);
      assert.equal(result.shiftLogits, family !== 'llada');
      const logits = await graphLogits(result.onnxFile, ref.ids);
      assert.equal(logits.length, ref.logits.length);
      const diff = maxAbsDiff(logits, ref.logits);
      const causalDiff = maxAbsDiff(logits, ref.causal);
      console.log(`# ${family}: fp32 max abs diff ${diff.toExponential(2)}; vs causal ${causalDiff.toFixed(3)}`);
      assert.ok(diff <= 1e-4, `fp32 max abs diff ${diff}`);
      assert.ok(causalDiff > 1e-2, `the reference's causal variant must differ (got ${causalDiff})`);
      const config = JSON.parse(fs.readFileSync(path.join(result.outDir, 'config.json'), 'utf8'));
      const tokenizer = JSON.parse(fs.readFileSync(path.join(result.outDir, 'tokenizer.json'), 'utf8'));
      const idOf = (t: string) => tokenizer.added_tokens.find((a: { content: string }) => a.content === t).id;
      assert.equal(config.mask_token_id, idOf(family === 'llada' ? '<|mdm_mask|>' : '<|mask|>'));
      assert.equal(config.shift_logits, family !== 'llada');
      assert.ok(config.end_token_ids.includes(idOf('<|endoftext|>')));
      assert.ok(config.end_token_ids.includes(idOf(family === 'llada' ? '<|eot_id|>' : '<|im_end|>')));
      assert.ok(fs.statSync(path.join(result.outDir, 'onnx', 'model.onnx_data')).size > fs.statSync(result.onnxFile).size);
      for (const q of ['int8', 'int4'] as const) {
        const quantized = await convert(src, `${family}-${q}`, { quantize: q });
        const agreement = argmaxAgreement(await graphLogits(quantized.onnxFile, ref.ids), ref.logits, ref.shape[2]);
        console.log(`# ${family}: ${q} argmax agreement with fp32 ${(agreement * 100).toFixed(1)}%`);
        // Random tiny weights give small logit margins; chance agreement would be 1/320.
        assert.ok(agreement >= (q === 'int8' ? 0.8 : 0.4), `${q} argmax agreement ${agreement}`);
      }
    });
  }
});

describe('convert: bad snapshots and the CLI', { skip: hasTorch ? false : 'needs /usr/bin/python3 with torch' }, () => {
  let dir: string;
  let good: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'di-convert-bad-'));
    good = path.join(dir, 'dream');
    makeSnapshot('dream', good);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const cli = (...args: string[]) => spawnSync(process.execPath, [cliScript, ...args], { encoding: 'utf8' });
  /** A copy of the good snapshot, broken by `edit`; the CLI must fail with one line and leave nothing behind. */
  const broken = (name: string, edit: (snap: string) => void, message: RegExp) => {
    const snap = path.join(dir, `${name}-snapshot`);
    fs.cpSync(good, snap, { recursive: true });
    edit(snap);
    const out = path.join(dir, `${name}-out`);
    const r = cli('convert', snap, out);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, message);
    assert.ok(!fs.existsSync(out), 'OUT is absent');
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('partial')), [], 'no half-written folder left');
  };
  const shard2 = 'model-00002-of-00002.safetensors';
  const indexed = (snap: string) => JSON.parse(fs.readFileSync(path.join(snap, 'model.safetensors.index.json'), 'utf8'));

  it('the CLI converts, refuses an existing OUT, and the folder infills', () => {
    const out = path.join(dir, 'cli-out');
    const r = cli('convert', good, out, '--json');
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.equal(result.family, 'dream');
    assert.equal(result.shiftLogits, true);
    const again = cli('convert', good, out);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /already exists/);
    const usage = cli('convert', good);
    assert.equal(usage.status, 2);
  });

  it('a missing shard names the shard file and a tensor', () =>
    broken('no-shard', (s) => fs.rmSync(path.join(s, shard2)), new RegExp(`${shard2}: shard missing .*tensor model\\.`)));

  it('an index naming a tensor the shard lacks names the file and the tensor', () =>
    broken(
      'ghost-tensor',
      (s) => {
        const index = indexed(s);
        index.weight_map['model.layers.0.mlp.extra.weight'] = shard2;
        fs.writeFileSync(path.join(s, 'model.safetensors.index.json'), JSON.stringify(index));
      },
      new RegExp(`${shard2}: tensor model\\.layers\\.0\\.mlp\\.extra\\.weight missing`),
    ));

  it('a tensor of the wrong shape names the file, the tensor and both shapes', () =>
    broken(
      'wrong-shape',
      (s) => {
        const config = JSON.parse(fs.readFileSync(path.join(s, 'config.json'), 'utf8'));
        config.intermediate_size = 128;
        fs.writeFileSync(path.join(s, 'config.json'), JSON.stringify(config));
      },
      /model-0000\d-of-00002\.safetensors: tensor model\.layers\.0\.mlp\.\w+_proj\.weight has shape \[\d+, \d+\]; expected \[\d+, \d+\]/,
    ));

  it('an unknown model_type names config.json and the families known', () =>
    broken(
      'unknown-type',
      (s) => {
        const config = JSON.parse(fs.readFileSync(path.join(s, 'config.json'), 'utf8'));
        config.model_type = 'gemma';
        fs.writeFileSync(path.join(s, 'config.json'), JSON.stringify(config));
      },
      /config\.json: model_type "gemma" .*is not a supported diffusion LLM; supported: Dream/,
    ));

  it('an unsupported dtype names the file and the tensor', () =>
    broken(
      'int16',
      (s) => {
        const file = path.join(s, shard2);
        const bytes = fs.readFileSync(file);
        const header = bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('latin1');
        const at = header.indexOf('"dtype":"BF16"');
        bytes.write('"dtype":"I16" ', 8 + at, 'latin1'); // same length, still valid JSON
        fs.writeFileSync(file, bytes);
      },
      new RegExp(`${shard2}: tensor [\\w.]+ has dtype I16; supported: BF16, F16, F32`),
    ));
});
