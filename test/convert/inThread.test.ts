// The converter on its own thread (what the editor runs): progress, the result, cancel, errors.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConvertCancelled } from '../../src/convert/errors';
import { convertInThread } from '../../src/convert/inThread';
import { repoRoot } from '../worker/fixtures';
import { hasTorch, makeSnapshot } from './snapshots';

const script = path.join(repoRoot, 'dist', 'convert.js');

describe('conversion on a worker thread', { skip: hasTorch ? false : 'needs /usr/bin/python3 with torch' }, () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'di-convert-thread-'));
    makeSnapshot('dream', path.join(dir, 'snapshot'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('converts with one progress report per tensor, ending at the total', async () => {
    const reports: { tensors: number; totalTensors: number; bytes: number; totalBytes: number }[] = [];
    const result = await convertInThread(script, { src: path.join(dir, 'snapshot'), out: path.join(dir, 'int8'), quantize: 'int8', dtype: 'fp32' }, { onProgress: (p) => reports.push(p) });
    assert.equal(result.family, 'dream');
    assert.ok(fs.existsSync(path.join(dir, 'int8', 'onnx', 'model_quantized.onnx')));
    const last = reports[reports.length - 1];
    assert.equal(reports.length, last.totalTensors);
    assert.equal(last.bytes, last.totalBytes);
  });

  it('cancel stops it between tensors and leaves no folder, complete or partial', async () => {
    const abort = new AbortController();
    const out = path.join(dir, 'cancelled');
    const run = convertInThread(script, { src: path.join(dir, 'snapshot'), out, quantize: 'none', dtype: 'fp32' }, { signal: abort.signal, onProgress: () => abort.abort() });
    await assert.rejects(run, ConvertCancelled);
    assert.equal(fs.existsSync(out), false);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('partial')), []);
  });

  it('a bad snapshot is one message naming the file', async () => {
    const src = path.join(dir, 'broken');
    fs.cpSync(path.join(dir, 'snapshot'), src, { recursive: true });
    fs.rmSync(path.join(src, 'model.safetensors.index.json'));
    for (const f of fs.readdirSync(src)) if (f.endsWith('.safetensors')) fs.rmSync(path.join(src, f));
    await assert.rejects(convertInThread(script, { src, out: path.join(dir, 'never'), quantize: 'none', dtype: 'fp32' }), (err: Error) => err.message.includes(src) && !err.message.includes('\n'));
    assert.equal(fs.existsSync(path.join(dir, 'never')), false);
  });
});
