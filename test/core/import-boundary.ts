/**
 * Test helper: the import rules between the layers of src/. Core is pure (only itself); what both
 * ends share (the protocol, its errors, the tokenizer) reads at most core's types; the worker thread
 * builds on core and the protocol; the host side (the client) speaks the protocol; the editor and
 * the CLI use the host, the protocol and core, never the worker's insides. Each layer also names
 * the packages it may use.
 */
import { builtinModules } from 'node:module';
import * as path from 'node:path';

const SPECIFIER = /(?:\bimport\s+(?:type\s+)?(?:[\w*{}\s,$]+\s+from\s+)?|\bexport\s+(?:type\s+)?(?:[\w*{}\s,$]+\s+from\s+)|\brequire\s*\(\s*|\bimport\s*\(\s*)['"]([^'"]+)['"]/g;

export function moduleSpecifiers(source: string): string[] {
  return Array.from(source.matchAll(SPECIFIER), (m) => m[1]);
}

/** Specifiers in `source` (a file at `fileDir`) that leave `coreDir`. */
export function boundaryViolations(source: string, fileDir: string, coreDir: string): string[] {
  return moduleSpecifiers(source).filter((spec) => {
    if (!spec.startsWith('.')) return true; // any package or builtin: vscode, fs, onnxruntime-node, ...
    const target = path.resolve(fileDir, spec);
    const rel = path.relative(coreDir, target);
    return rel.startsWith('..') || path.isAbsolute(rel);
  });
}

export type Layer = 'core' | 'protocol' | 'worker' | 'host' | 'editor' | 'cli' | 'convert';

const isBuiltin = (spec: string): boolean => spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]);

interface Rule {
  /** Layers (folders under src/) this layer may import from, besides itself. */
  layers: Layer[];
  /** Packages (and node builtins) it may import. */
  packages: (spec: string) => boolean;
}

export const LAYER_RULES: Record<Layer, Rule> = {
  core: { layers: [], packages: () => false },
  // Only core's types (src/core/types.ts): the messages carry sampler options and segments. The
  // tokenizer is shared on purpose: the editor counts a selection's tokens before a model is loaded.
  protocol: { layers: ['core'], packages: (s) => s === '@huggingface/tokenizers' },
  worker: { layers: ['core', 'protocol'], packages: (s) => isBuiltin(s) || s === 'onnxruntime-node' || s === '@huggingface/tokenizers' || s === '@huggingface/jinja' },
  host: { layers: ['core', 'protocol'], packages: isBuiltin },
  editor: { layers: ['core', 'protocol', 'host', 'convert'], packages: (s) => isBuiltin(s) || s === 'vscode' },
  cli: { layers: ['core', 'protocol', 'host', 'convert'], packages: isBuiltin },
  // The Hugging Face snapshot converter: files in, files out; used by the CLI and the editor.
  convert: { layers: ['protocol'], packages: isBuiltin },
};

/** Specifiers in `source` (a file at `fileDir`, inside `srcDir`/`layer`) that break the layer's rule. */
export function layerViolations(source: string, fileDir: string, srcDir: string, layer: Layer): string[] {
  const rule = LAYER_RULES[layer];
  return moduleSpecifiers(source).filter((spec) => {
    if (!spec.startsWith('.')) return !rule.packages(spec);
    const rel = path.relative(srcDir, path.resolve(fileDir, spec));
    const [target, ...rest] = rel.split(path.sep);
    if (rel.startsWith('..') || path.isAbsolute(rel)) return true;
    if (target === layer) return false;
    if (!(rule.layers as string[]).includes(target)) return true;
    return layer === 'protocol' && rest.join('/') !== 'types';
  });
}
