// Scratch probe behind a figure in bench/RESULTS.md. Needs the compiled tree: npx tsc -p tsconfig.test.json
const ROOT = require('node:path').resolve(__dirname, '../..');
// fp32 positions graph: forwardAt rows equal the full graph's rows; timing of both.
const { OnnxDenoiser } = require(ROOT + '/out/src/worker/onnxDenoiser.js');
(async () => {
  const s = { executionProvider: 'cpu', threads: 2 };
  for (const name of ['model.onnx', 'model_quantized.onnx']) {
    const full = await OnnxDenoiser.load(ROOT + '/models/mdlm-code-small/onnx/' + name, 8191, s);
    const pos = await OnnxDenoiser.load(ROOT + '/bench/out/mdlm-code-small-positions/onnx/' + name, 8191, s);
    const L = 512, V = 8192;
    const ids = Int32Array.from({ length: L }, (_, i) => (i >= 224 && i < 288 ? 8191 : (i * 37) % 8000));
    const at = Int32Array.from({ length: 64 }, (_, i) => 224 + i);
    const a = await full.forward(ids, 1, L); const b = await pos.forwardAt(ids, 1, L, at); const c = await pos.forward(ids, 1, L);
    let maxDiff = 0, maxDiffAll = 0, agree = 0;
    for (let p = 0; p < 64; p++) { let am = 0, bm = 0; for (let v = 0; v < V; v++) { maxDiff = Math.max(maxDiff, Math.abs(a[(at[p]) * V + v] - b[p * V + v])); if (a[at[p]*V+v] > a[at[p]*V+am]) am = v; if (b[p*V+v] > b[p*V+bm]) bm = v; } if (am === bm) agree++; }
    for (let i = 0; i < a.length; i++) maxDiffAll = Math.max(maxDiffAll, Math.abs(a[i] - c[i]));
    const time = async (fn) => { let best = Infinity; for (let r = 0; r < 8; r++) { const t0 = performance.now(); await fn(); best = Math.min(best, performance.now() - t0); } return best; };
    const tf = await time(() => full.forward(ids, 1, L)); const tp = await time(() => pos.forwardAt(ids, 1, L, at));
    console.log(name, 'forwardAt vs full rows max|diff|', maxDiff.toExponential(2), 'argmax agree', agree + '/64', 'forward(all) diff', maxDiffAll.toExponential(2), 'full', tf.toFixed(1), 'ms, gathered 64', tp.toFixed(1), 'ms');
    await full.dispose(); await pos.dispose();
  }
})();
