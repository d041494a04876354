/**
 * Installs the CUDA execution provider for the bundled onnxruntime-node: resolves the NuGet package
 * at the runtime's exact version, downloads it (verified against the feed's size and hash), and
 * places its provider libraries beside the native binding. Leaves nothing behind on failure.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { download, getJson, type RequestOptions } from './http';
import { CUDA_PACKAGE_ID, expectedFromCatalog, packageEntries, packageUrl, registrationUrl, resourceUrl, type ExpectedPackage } from './nuget';
import { placeLibraries } from './place';

export type SetupStage = 'resolving' | 'downloading' | 'placing';

export interface InstallOptions extends RequestOptions {
  /** NuGet v3 service index (nuget.org's by default). */
  feed: string;
  /** onnxruntime-node's version: a provider must match its runtime exactly. */
  version: string;
  /** onnxruntime-node's native binding folder. */
  targetDir: string;
  onProgress?: (stage: SetupStage, received?: number, total?: number) => void;
}

export interface InstallResult {
  placed: string[];
  url: string;
  expected: ExpectedPackage;
}

/** Size and hash of the package from the feed's registration and catalog entries. */
async function expectedPackage(index: Record<string, unknown>, options: InstallOptions): Promise<ExpectedPackage> {
  const leaf = await getJson(registrationUrl(resourceUrl(index, 'RegistrationsBaseUrl'), CUDA_PACKAGE_ID, options.version), options);
  const catalog = typeof leaf.catalogEntry === 'string' ? await getJson(leaf.catalogEntry, options) : (leaf.catalogEntry as Record<string, unknown> | undefined);
  if (!catalog) throw new Error(`the feed has no catalog entry for ${CUDA_PACKAGE_ID} ${options.version}`);
  return expectedFromCatalog(catalog);
}

export async function installCudaProvider(options: InstallOptions): Promise<InstallResult> {
  options.onProgress?.('resolving');
  const index = await getJson(options.feed, options);
  const url = packageUrl(resourceUrl(index, 'PackageBaseAddress'), CUDA_PACKAGE_ID, options.version);
  const expected = await expectedPackage(index, options);
  const work = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'diffusion-infill-cuda-'));
  try {
    const archive = path.join(work, 'package.nupkg');
    await download(url, archive, { ...options, expected, onProgress: (received, total) => options.onProgress?.('downloading', received, total) });
    options.onProgress?.('placing');
    const placed = await placeLibraries(archive, packageEntries(), options.targetDir);
    return { placed, url, expected };
  } finally {
    await fs.promises.rm(work, { recursive: true, force: true });
  }
}
