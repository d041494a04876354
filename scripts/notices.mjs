// Writes THIRD_PARTY_NOTICES.md: what every .vsix carries that others wrote, with its licence.
//   - npm packages esbuild bundles into dist/ (read from its metafile), and the ones shipped as they
//     are (onnxruntime-node, onnxruntime-common), each with its licence text from the package;
//   - the native libraries inside onnxruntime-node's per-platform folders;
//   - the embedded model and its training text: the sources its card names, each with package,
//     version and licence from the training data manifest (training/manifest.json).
//   node scripts/notices.mjs [--check] [--manifest FILE]
// --check: exit 1 when the file is not up to date; --manifest: another training data manifest (tests).
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { shippedBinaries, vsixTargets } from './package.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUTPUT = path.join(repoRoot, 'THIRD_PARTY_NOTICES.md');
const ENTRIES = ['src/editor/extension.ts', 'src/worker/worker.ts', 'src/cli/main.ts'];
const SHIPPED_AS_IS = ['onnxruntime-node', 'onnxruntime-common'];
const MODEL = 'models/mdlm-code-small';
const MANIFEST = 'training/manifest.json';

// ONNX Runtime's npm packages carry no licence file; this is its repository's LICENSE.
const ONNX_RUNTIME_LICENSE = `MIT License

Copyright (c) Microsoft Corporation

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.`;

// The native files in onnxruntime-node's bin/ folders, by name: who made them and under what terms.
const NATIVE = [
  [/^onnxruntime_binding\.node$/, 'onnxruntime-node\'s Node.js binding (Microsoft), MIT (above)'],
  [/^(lib)?onnxruntime[._]/, 'ONNX Runtime (Microsoft), MIT (above); its own third-party notices: https://github.com/microsoft/onnxruntime/blob/main/ThirdPartyNotices.txt'],
  [/^DirectML\.dll$/, 'Microsoft DirectML redistributable, under the Microsoft Software License Terms of the Microsoft.AI.DirectML package: https://www.nuget.org/packages/Microsoft.AI.DirectML'],
  [/^dxcompiler\.dll$/, 'DirectX Shader Compiler (Microsoft), University of Illinois/NCSA Open Source License: https://github.com/microsoft/DirectXShaderCompiler/blob/main/LICENSE.TXT'],
  [/^dxil\.dll$/, 'DXIL signing library from the DirectX Shader Compiler release (Microsoft), redistributable under its Microsoft licence: https://github.com/microsoft/DirectXShaderCompiler/blob/main/LICENSE-MS.TXT'],
];

async function bundledPackages() {
  const { metafile } = await esbuild.build({
    entryPoints: ENTRIES.map((e) => path.join(repoRoot, e)), bundle: true, platform: 'node', format: 'cjs', write: false,
    outdir: path.join(repoRoot, 'dist'), metafile: true, external: ['vscode', 'onnxruntime-node'], logLevel: 'silent',
  });
  const names = Object.keys(metafile.inputs).flatMap((input) => {
    const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
    return match ? [match[1]] : [];
  });
  return [...new Set([...names, ...SHIPPED_AS_IS])].sort();
}

function licenseText(dir) {
  const file = fs.readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
  return file ? fs.readFileSync(path.join(dir, file), 'utf8').trim() : undefined;
}

function packageSection(name) {
  const dir = path.join(repoRoot, 'node_modules', name);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const repository = typeof manifest.repository === 'string' ? manifest.repository : manifest.repository?.url;
  const text = licenseText(dir) ?? (name.startsWith('onnxruntime-') ? ONNX_RUNTIME_LICENSE : undefined);
  if (!text) throw new Error(`${name}: no licence file in the package and none pinned here`);
  const how = SHIPPED_AS_IS.includes(name) ? 'shipped as is in node_modules/' : 'bundled into dist/';
  return `### ${name} ${manifest.version}\n\n${manifest.license}, ${how}${repository ? `; ${repository.replace(/^git\+/, '')}` : ''}\n\n\`\`\`text\n${text}\n\`\`\`\n`;
}

function nativeSection() {
  const rows = vsixTargets().flatMap((target) =>
    shippedBinaries(target).map((file) => {
      const owner = NATIVE.find(([pattern]) => pattern.test(file));
      if (!owner) throw new Error(`${target}: ${file}: a native file nobody has described in scripts/notices.mjs`);
      return `| ${target} | \`${file}\` | ${owner[1]} |`;
    }),
  );
  return `| .vsix | file | origin and licence |\n|---|---|---|\n${rows.join('\n')}\n`;
}

/**
 * The sources the embedded model was trained on, from the training data manifest (package, version,
 * licence per source). Which ones: the sources its card's "Training data" table names, plus every
 * training-only source when the card says it used them ("Training-only text", a stage-2 card).
 * A source the card names that the manifest lacks, or whose licence or version disagrees, stops the run.
 */
function trainedSources(card, manifest) {
  const data = card.split(/^## Training data\s*$/m)[1]?.split(/^## /m)[0];
  const rows = data?.split('\n').filter((line) => line.startsWith('|')).slice(2) ?? [];
  if (!rows.length) throw new Error(`${MODEL}/README.md: no "Training data" table`);
  const train = manifest.filter((s) => s.split === 'train');
  const named = rows.map((row) => {
    const [domain, , from, licence] = row.split('|').slice(1).map((c) => c.trim());
    const match = from.match(/^(Debian|npm) `([^`]+)`(?:\s+(\S+))?$/);
    if (!match) throw new Error(`${MODEL}/README.md: training source "${from}" is not "Debian \`name\`" or "npm \`name\` version"`);
    const id = `${match[1].toLowerCase()}:${match[2]}`;
    const sources = train.filter((s) => s.package === id && s.domain === domain);
    if (!sources.length) throw new Error(`${MANIFEST}: no training source ${id} (${domain}), which ${MODEL}/README.md names`);
    for (const s of sources) {
      if (match[3] && s.version !== match[3]) throw new Error(`${MANIFEST}: ${id} is version ${s.version}, ${MODEL}/README.md says ${match[3]}`);
      if (!licence.startsWith(s.licence)) throw new Error(`${MANIFEST}: ${id} is licensed ${s.licence}, ${MODEL}/README.md says ${licence}`);
    }
    return sources;
  }).flat();
  const extra = /^Training-only text/m.test(data) ? train.filter((s) => !named.includes(s)) : [];
  return [...named, ...extra];
}

function modelSection(manifestFile) {
  const card = fs.readFileSync(path.join(repoRoot, MODEL, 'README.md'), 'utf8');
  const licence = card.match(/^license:\s*(\S+)/m)?.[1];
  if (!licence) throw new Error(`${MODEL}/README.md: no licence in its front matter`);
  const sources = trainedSources(card, JSON.parse(fs.readFileSync(manifestFile, 'utf8')));
  const rows = sources.map((s) => `| ${s.domain} | \`${s.package}\` | ${s.version} | ${s.licence} |`);
  return `The embedded model \`${MODEL}\` (weights, tokenizer and configuration) was trained for this project and is
licensed ${licence.toUpperCase()} like the extension. It was trained on the text below: the sources
its model card names (\`${MODEL}/README.md\`), each with its package, version and licence from
the training data manifest (\`${MANIFEST}\`). Outputs may reproduce parts of it, which stay under
their own licences.

| domain | package | version | licence |
|---|---|---|---|
${rows.join('\n')}
`;
}

async function notices(manifestFile) {
  const packages = await bundledPackages();
  return `# Third-party notices

Diffusion Infill is MIT-licensed (LICENSE). Each .vsix also carries the work of others, listed here
with its licence. Generated by \`node scripts/notices.mjs\` from the bundled dependencies, the native
files of onnxruntime-node, the embedded model's card and its training data manifest: do not edit by hand.

## npm packages

${packages.map(packageSection).join('\n')}
## Native libraries (each .vsix carries only its own platform's)

${nativeSection()}
## The embedded model and its training text

${modelSection(manifestFile)}`;
}

const { values: options } = parseArgs({ options: { check: { type: 'boolean', default: false }, manifest: { type: 'string', default: path.join(repoRoot, MANIFEST) } } });
let text;
try {
  text = await notices(path.resolve(options.manifest));
} catch (error) {
  console.error(`notices: ${error.message}`);
  process.exit(1);
}
if (options.check) {
  const current = fs.existsSync(OUTPUT) ? fs.readFileSync(OUTPUT, 'utf8') : '';
  if (current !== text) {
    console.error('THIRD_PARTY_NOTICES.md is not up to date: run node scripts/notices.mjs');
    process.exit(1);
  }
  console.log('THIRD_PARTY_NOTICES.md is up to date');
} else {
  fs.writeFileSync(OUTPUT, text);
  console.log(`wrote ${path.relative(process.cwd(), OUTPUT)}`);
}
