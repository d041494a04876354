// Scratch probe behind a figure in bench/RESULTS.md. Needs the compiled tree: npx tsc -p tsconfig.test.json
const ROOT = require('node:path').resolve(__dirname, '../..');
const ort = require(ROOT + '/node_modules/onnxruntime-node');
(async () => {
  const s = await ort.InferenceSession.create(process.argv[2] || ROOT + '/models/mdlm-code-small/onnx/model_quantized.onnx', { graphOptimizationLevel: 'all', executionMode: 'sequential', interOpNumThreads: 1, intraOpNumThreads: 2 });
  const L = 512, V = 8192;
  const ids = new BigInt64Array(L).fill(5n);
  const out = new ort.Tensor('float32', new Float32Array(L * V), [1, L, V]);
  const res = { fresh: [], prealloc: [] };
  for (let round = 0; round < 6; round++) for (const mode of ['fresh', 'prealloc']) {
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) {
      if (mode === 'fresh') await s.run({ input_ids: new ort.Tensor('int64', ids, [1, L]) }, ['logits']);
      else await s.run({ input_ids: new ort.Tensor('int64', ids, [1, L]) }, { logits: out });
    }
    res[mode].push((performance.now() - t0) / 10);
  }
  for (const k in res) console.log(k, res[k].map((x) => x.toFixed(1)).join(' '), 'median', res[k].sort((a, b) => a - b)[3].toFixed(1));
})();
