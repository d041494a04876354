// Scratch probe behind a figure in bench/RESULTS.md. Needs the compiled tree: npx tsc -p tsconfig.test.json
const ROOT = require('node:path').resolve(__dirname, '../..');
const { OnnxDenoiser } = require(ROOT + '/out/src/worker/onnxDenoiser.js');
const { TextTokenizer } = require(ROOT + '/out/src/protocol/tokenizer.js');
const { readModelFolder } = require(ROOT + '/out/src/worker/modelFolder.js');
const { WorkloadBuilder, corpusText } = require(ROOT + '/out/bench/workload.js');
const { replayOverhead } = require(ROOT + '/out/bench/replay.js');
(async () => {
  const dir = process.argv[2] || ROOT + '/models/mdlm-code-small';
  const f = readModelFolder(dir, true);
  const tok = new TextTokenizer(f.tokenizerJson, f.tokenizerConfig);
  const maskId = f.config.maskTokenId;
  const d = await OnnxDenoiser.load(f.onnxFile, maskId, { executionProvider: 'cpu', threads: 2 });
  const w = new WorkloadBuilder(corpusText(ROOT), tok, maskId, 512).forWindow(64, 512);
  for (const r of await replayOverhead(d, w, 64, ['mdlm', 'remdm-cap', 'remdm-loop', 'remdm-conf'], 32)) console.log(JSON.stringify(r));
  await d.dispose();
})();
