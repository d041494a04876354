// External data beside the graph is checked before ONNX Runtime opens it (issue 17): a FIFO blocked
// the load forever, a symlink could lead out of the model folder.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataType, encodeModel } from '../../src/convert/onnx';
import { externalDataLocations } from '../../src/worker/externalData';
import { cliScript, embeddedModel } from './fixtures';

const VOCAB = 8192; // the embedded tokenizer's, so the folder loads with its tokenizer files
const DIM = 4;

/** A model folder whose graph (ids → embedding from external data → logits) keeps its embedding in onnx/model.onnx_data. */
function externalDataModel(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'di-external-'));
  for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(embeddedModel, file), path.join(dir, file));
  fs.mkdirSync(path.join(dir, 'onnx'));
  const embedding = Float32Array.from({ length: VOCAB * DIM }, (_, i) => Math.sin(i));
  const head = Float32Array.from({ length: DIM * VOCAB }, (_, i) => Math.cos(i));
  fs.writeFileSync(path.join(dir, 'onnx', 'model.onnx_data'), new Uint8Array(embedding.buffer));
  const graph = encodeModel({
    opsets: [{ domain: '', version: 17 }],
    graphName: 'external',
    producer: 'test',
    nodes: [
      { op: 'Gather', inputs: ['embedding', 'input_ids'], outputs: ['hidden'], name: 'gather' },
      { op: 'MatMul', inputs: ['hidden', 'head'], outputs: ['logits'], name: 'head' },
    ],
    initializers: [
      { name: 'embedding', dataType: DataType.FLOAT, dims: [VOCAB, DIM], external: { location: 'model.onnx_data', offset: 0, length: embedding.byteLength } },
      { name: 'head', dataType: DataType.FLOAT, dims: [DIM, VOCAB], raw: new Uint8Array(head.buffer) },
    ],
    inputs: [{ name: 'input_ids', elemType: DataType.INT64, shape: ['batch', 'sequence'] }],
    outputs: [{ name: 'logits', elemType: DataType.FLOAT, shape: ['batch', 'sequence', VOCAB] }],
  });
  fs.writeFileSync(path.join(dir, 'onnx', 'model.onnx'), graph);
  return dir;
}

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
function model(): string {
  const dir = externalDataModel();
  dirs.push(dir);
  return dir;
}

/** The CLI on that folder, killed after 60 s (a load that blocks on a FIFO never ends by itself). */
function infill(dir: string) {
  const r = spawnSync(process.execPath, [cliScript, '--model', dir, '--steps', '2', '--seed', '1', 'x = [MASK:2]'], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, signal: r.signal, stderr: r.stderr };
}

test('the graph walker finds the external data a graph names (and none in the embedded graph)', () => {
  const dir = model();
  assert.deepEqual(externalDataLocations(path.join(dir, 'onnx', 'model.onnx')), ['model.onnx_data']);
  assert.deepEqual(externalDataLocations(path.join(embeddedModel, 'onnx', 'model.onnx')), []);
});

test('a regular external data file loads and fills', () => {
  const r = infill(model());
  assert.equal(r.status, 0, r.stderr);
});

test('external data that is a FIFO is refused at once, not opened (it blocked the load forever)', () => {
  const dir = model();
  const data = path.join(dir, 'onnx', 'model.onnx_data');
  fs.rmSync(data);
  execFileSync('mkfifo', [data]);
  const r = infill(dir);
  assert.equal(r.signal, null, 'the load hung on the FIFO');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^diffusion-infill: .*model\.onnx_data is not a regular file/m);
});

test('external data that is a symlink out of the model folder is refused; one inside it loads', () => {
  const dir = model();
  const data = path.join(dir, 'onnx', 'model.onnx_data');
  const outside = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'di-outside-')), 'weights.bin');
  dirs.push(path.dirname(outside));
  fs.renameSync(data, outside);
  fs.symlinkSync(outside, data);
  const r = infill(dir);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /model\.onnx_data: external data of .* lies outside the model folder/);
  // A symlink that stays beside the graph is fine.
  fs.rmSync(data);
  fs.renameSync(outside, path.join(dir, 'onnx', 'weights.bin'));
  fs.symlinkSync('weights.bin', data);
  assert.equal(infill(dir).status, 0);
});
