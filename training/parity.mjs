// Logits parity between PyTorch and onnxruntime-node for an exported model folder.
// Usage: node parity.mjs MODEL_DIR PARITY.json [--min-int8-agreement 0.9]
// PARITY.json is written by export.py (--parity-file): fixed input ids and PyTorch's fp32 logits.
// Exits 1 when onnx/model.onnx differs from PyTorch by more than 1e-4 anywhere, or when the int8
// model's argmax agrees with PyTorch's on fewer positions than the given fraction (default 0).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../package.json'));
const ort = require('onnxruntime-node');

const FP32_TOLERANCE = 1e-4;
const args = process.argv.slice(2);
const flag = args.indexOf('--min-int8-agreement');
const minAgreement = flag >= 0 ? Number(args.splice(flag, 2)[1]) : 0;
const [modelDir, parityFile] = args;
if (!modelDir || !parityFile) {
  console.error('usage: node parity.mjs MODEL_DIR PARITY.json [--min-int8-agreement F]');
  process.exit(2);
}
const parity = JSON.parse(fs.readFileSync(parityFile, 'utf8'));
const vocab = parity.vocab_size;

function argmaxRows(logits) {
  const rows = logits.length / vocab;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let v = 1; v < vocab; v++) if (logits[r * vocab + v] > logits[r * vocab + best]) best = v;
    out[r] = best;
  }
  return out;
}

async function compare(file) {
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  let maxDiff = 0, agree = 0, positions = 0;
  for (const c of parity.cases) {
    const [b, n] = c.shape;
    const ids = new ort.Tensor('int64', BigInt64Array.from(c.input_ids, BigInt), [b, n]);
    const { logits } = await session.run({ input_ids: ids });
    const want = new Float32Array(new Uint8Array(Buffer.from(c.logits_f32_base64, 'base64')).buffer);
    if (logits.type !== 'float32' || logits.dims.join() !== [b, n, vocab].join()) {
      throw new Error(`${file}: logits ${logits.type} [${logits.dims}], expected float32 [${b},${n},${vocab}]`);
    }
    for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(logits.data[i] - want[i]));
    const got = argmaxRows(logits.data), ref = argmaxRows(want);
    for (let r = 0; r < ref.length; r++) agree += got[r] === ref[r] ? 1 : 0;
    positions += ref.length;
  }
  await session.release();
  return { maxDiff, agreement: agree / positions, positions };
}

let failed = false;
const fp32 = await compare(path.join(modelDir, 'onnx/model.onnx'));
console.log(`fp32 onnx vs torch: max abs diff ${fp32.maxDiff.toExponential(2)} (limit ${FP32_TOLERANCE}), ` +
  `argmax agreement ${(100 * fp32.agreement).toFixed(2)}% of ${fp32.positions} positions`);
if (parity.torch_fp32_vs_fp64 !== undefined) {
  console.log(`  (for scale: PyTorch fp32 vs fp64 on the same inputs differ by ${parity.torch_fp32_vs_fp64.toExponential(2)})`);
}
if (!(fp32.maxDiff <= FP32_TOLERANCE)) failed = true;
const quantizedFile = path.join(modelDir, 'onnx/model_quantized.onnx');
if (fs.existsSync(quantizedFile)) {
  const int8 = await compare(quantizedFile);
  console.log(`int8 onnx vs torch: max abs diff ${int8.maxDiff.toExponential(2)}, ` +
    `argmax agreement ${(100 * int8.agreement).toFixed(2)}% of ${int8.positions} positions (min ${100 * minAgreement}%)`);
  if (!(int8.agreement >= minAgreement)) failed = true;
}
console.log(failed ? 'PARITY FAILED' : 'parity ok');
process.exit(failed ? 1 : 0);
