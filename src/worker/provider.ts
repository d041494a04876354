/**
 * Execution provider choice. `chooseProvider` is pure (platform facts in, decision out) so it can
 * be tested for every platform; `providerFacts` gathers the facts of this machine.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ExecutionProviderSetting } from '../protocol/protocol';
import { bindingSubfolder, CUDA_PROVIDER_REQUIRED, cudaPossible, PLATFORM_ACCELERATOR } from '../protocol/providerLibraries';

export interface PlatformFacts {
  platform: NodeJS.Platform;
  arch: string;
  /** Whether libonnxruntime_providers_cuda.so sits next to the onnxruntime-node binding. */
  cudaLibraryPresent: boolean;
}

export interface ProviderChoice {
  /** The provider to try first ('cpu' means no accelerator). */
  provider: 'cpu' | 'cuda' | 'dml' | 'coreml';
  /** Why the requested provider is not going to be tried, when it is not. */
  notice?: string;
}

export function chooseProvider(setting: ExecutionProviderSetting, facts: PlatformFacts): ProviderChoice {
  const cudaHere = cudaPossible(facts.platform, facts.arch);
  switch (setting) {
    case 'cpu':
      return { provider: 'cpu' };
    case 'auto':
      if (cudaHere && facts.cudaLibraryPresent) return { provider: 'cuda' };
      return { provider: PLATFORM_ACCELERATOR[facts.platform]?.provider ?? 'cpu' };
    case 'cuda':
      if (!cudaHere) return { provider: 'cpu', notice: `CUDA is only available on Linux x64 (this is ${facts.platform} ${facts.arch}); using CPU` };
      if (!facts.cudaLibraryPresent) {
        return { provider: 'cpu', notice: 'CUDA provider library (libonnxruntime_providers_cuda.so) is not installed next to onnxruntime-node; using CPU' };
      }
      return { provider: 'cuda' };
    case 'dml':
      return facts.platform === 'win32' ? { provider: 'dml' } : { provider: 'cpu', notice: `DirectML is only available on Windows; using CPU` };
    case 'coreml':
      return facts.platform === 'darwin' ? { provider: 'coreml' } : { provider: 'cpu', notice: `CoreML is only available on macOS; using CPU` };
  }
}

/** The folder holding onnxruntime-node's native binding for this platform. */
export function bindingFolder(): string {
  const packageRoot = path.dirname(require.resolve('onnxruntime-node/package.json'));
  return path.join(packageRoot, bindingSubfolder(process.platform, process.arch));
}

export function providerFacts(): PlatformFacts {
  let cudaLibraryPresent = false;
  try {
    cudaLibraryPresent = CUDA_PROVIDER_REQUIRED.every((library) => fs.existsSync(path.join(bindingFolder(), library)));
  } catch {
    // onnxruntime-node not resolvable: the session load will report it.
  }
  return { platform: process.platform, arch: process.arch, cudaLibraryPresent };
}

/**
 * ONNX Runtime's message for a provider that fails to load, made one short line: its source path,
 * function name and error-code prefix dropped (e.g. "...provider_bridge_ort.cc:1988 ... [ONNXRuntimeError]
 * : 1 : FAIL : Failed to load library X with error: Y" becomes "Failed to load library X with error: Y").
 */
export function shortenLoaderMessage(message: string, limit = 200): string {
  const line = message.split('\n').map((l) => l.trim()).find(Boolean) ?? message;
  const core = line.replace(/^.*\[ONNXRuntimeError\]\s*:\s*\d+\s*:\s*\w+\s*:\s*/, '').replace(/(\/[^\s/]+)+\/(lib[\w.-]+\.(so|dylib|dll)[\w.]*)/g, '$2');
  return core.length > limit ? `${core.slice(0, limit - 1)}…` : core;
}

/**
 * Why the CUDA provider's libraries do not load, in the dynamic loader's own words (ONNX Runtime
 * itself only says "Failed to load shared library"): each is opened as the runtime would open it.
 * A library that opens is not a Node addon, so Node then says it "did not self-register": no problem.
 */
export function cudaLoaderProblem(folder: string = bindingFolder()): string | undefined {
  for (const library of CUDA_PROVIDER_REQUIRED) {
    const file = path.join(folder, library);
    if (!fs.existsSync(file)) return `${library} is not installed (run Diffusion Infill: Set Up GPU (CUDA)…)`;
    try {
      process.dlopen({ exports: {} } as NodeJS.Module, file);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!/self-register|napi_register_module/i.test(message)) return shortenLoaderMessage(message);
    }
  }
  return undefined;
}
