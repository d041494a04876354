/**
 * Test helper: finds module specifiers a src/core file may not use. Core is pure: only relative
 * imports that stay inside src/core are allowed (no vscode, onnxruntime-node, worker threads, fs,
 * nor any other package or layer).
 */
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
