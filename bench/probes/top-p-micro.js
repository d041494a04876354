// Scratch probe behind a figure in bench/RESULTS.md. Needs the compiled tree: npx tsc -p tsconfig.test.json
const ROOT = require('node:path').resolve(__dirname, '../..');
const { OnnxDenoiser } = require(ROOT + '/out/src/worker/onnxDenoiser.js');
const { TextTokenizer } = require(ROOT + '/out/src/protocol/tokenizer.js');
const { readModelFolder } = require(ROOT + '/out/src/worker/modelFolder.js');
const { WorkloadBuilder, corpusText } = require(ROOT + '/out/bench/workload.js');
const core = require(ROOT + '/out/src/core/index.js');
(async () => {
  const dir = process.argv[2] || ROOT + '/models/mdlm-code-small';
  const f = readModelFolder(dir, true);
  const tok = new TextTokenizer(f.tokenizerJson, f.tokenizerConfig);
  const maskId = f.config.maskTokenId;
  const d = await OnnxDenoiser.load(f.onnxFile, maskId, { executionProvider: 'cpu', threads: 2 });
  const w = new WorkloadBuilder(corpusText(ROOT), tok, maskId, 512).forWindow(64, 512);
  const logits = await d.forward(w.ids, 1, 512);
  const V = d.vocabSize;
  const holeStart = w.editable.indexOf(1);
  const positions = Array.from({ length: 64 }, (_, i) => holeStart + i);
  const rng = core.createRng(1);
  const time = (name, fn) => { let best = Infinity; for (let r = 0; r < 5; r++) { const t0 = performance.now(); for (const j of positions) fn(j); best = Math.min(best, (performance.now() - t0) / positions.length); } console.log(name.padEnd(28), (best * 1000).toFixed(0), 'us/position'); };
  const p1 = new core.LogitsProcessor(V, maskId, 1, 0, 1);
  const p9 = new core.LogitsProcessor(V, maskId, 1, 0, 0.9);
  const p9x = new core.LogitsProcessor(V, maskId, 1, 0, 0.9, true);
  time('distribution topP=1', (j) => p1.distribution(logits, j * V));
  time('distribution topP=0.9', (j) => p9.distribution(logits, j * V));
  time('distribution topP=0.9 exact', (j) => p9x.distribution(logits, j * V));
  time('gumbel after topP=1', (j) => core.gumbelMax(p1.distribution(logits, j * V), V, rng));
  time('gumbel after topP=0.9', (j) => core.gumbelMax(p9.distribution(logits, j * V), V, rng));
  let kept = 0; for (const j of positions) { const pr = p9.distribution(logits, j * V); for (let i = 0; i < V; i++) if (pr[i] > 0) kept++; }
  console.log('mean nucleus size', kept / positions.length);
  await d.dispose();
})();
