#!/usr/bin/env node
// Logits parity between PyTorch (reference.json + reference_logits.f32 written by the Python scripts)
// and onnxruntime-node on the exported model folder, fp32 and, when present, int8.
//   node training/byo/parity.mjs MODEL_DIR REFERENCE_DIR [--tol 1e-4]
// Exits 1 when the fp32 max abs difference exceeds the tolerance.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');

const [modelDir, refDir, ...rest] = process.argv.slice(2);
if (!modelDir || !refDir) {
  console.error('usage: node parity.mjs MODEL_DIR REFERENCE_DIR [--tol 1e-4]');
  process.exit(2);
}
const tolIndex = rest.indexOf('--tol');
const tol = tolIndex >= 0 ? Number(rest[tolIndex + 1]) : 1e-4;

const ref = JSON.parse(fs.readFileSync(path.join(refDir, 'reference.json'), 'utf8'));
const refBytes = fs.readFileSync(path.join(refDir, ref.logits_file));
const refLogits = new Float32Array(refBytes.buffer, refBytes.byteOffset, refBytes.byteLength / 4);
const vocab = ref.dims[ref.dims.length - 1];

function feeds() {
  const out = {};
  for (const [name, rows] of Object.entries(ref.inputs)) {
    const flat = rows.flat();
    out[name] = new ort.Tensor('int64', BigInt64Array.from(flat, BigInt), [rows.length, rows[0].length]);
  }
  return out;
}

function compare(logits) {
  let maxAbs = 0;
  let agree = 0;
  const positions = logits.length / vocab;
  for (let p = 0; p < positions; p++) {
    let best = 0;
    for (let v = 0; v < vocab; v++) {
      const i = p * vocab + v;
      const d = Math.abs(logits[i] - refLogits[i]);
      if (d > maxAbs || Number.isNaN(d)) maxAbs = Number.isNaN(d) ? Infinity : d;
      if (logits[i] > logits[p * vocab + best]) best = v;
    }
    if (best === ref.argmax.flat()[p]) agree++;
  }
  return { maxAbs, agree, positions };
}

let failed = false;
for (const file of ['model.onnx', 'model_quantized.onnx']) {
  const onnxPath = path.join(modelDir, 'onnx', file);
  if (!fs.existsSync(onnxPath)) continue;
  const t0 = performance.now();
  // Loaded by path so an external-data side file (model.onnx_data) is found next to it.
  const session = await ort.InferenceSession.create(onnxPath, { graphOptimizationLevel: 'all', intraOpNumThreads: 2 });
  const t1 = performance.now();
  const result = await session.run(feeds());
  const t2 = performance.now();
  const logits = result[session.outputNames[0]];
  if (logits.dims.join(',') !== ref.dims.join(',')) {
    console.error(`${file}: logits dims ${logits.dims} != reference ${ref.dims}`);
    failed = true;
    continue;
  }
  const { maxAbs, agree, positions } = compare(logits.data);
  console.log(
    `${file}: inputs [${session.inputNames.join(', ')}] outputs [${session.outputNames.join(', ')}] ` +
      `load ${(t1 - t0).toFixed(0)} ms, run ${(t2 - t1).toFixed(0)} ms, ` +
      `max abs diff ${maxAbs.toExponential(3)}, argmax agreement ${agree}/${positions}`,
  );
  if (file === 'model.onnx' && !(maxAbs <= tol)) {
    console.error(`FAIL: fp32 max abs diff ${maxAbs} > ${tol}`);
    failed = true;
  }
  await session.release();
}
process.exit(failed ? 1 : 0);
