/**
 * The CUDA execution provider's libraries, placed beside onnxruntime-node's native binding (where
 * ONNX Runtime looks for them): the worker checks for them, the CUDA setup installs them.
 */
export const CUDA_PROVIDER_LIBRARIES = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_tensorrt.so'] as const;
/** The two the CUDA provider cannot load without (TensorRT's is optional). */
export const CUDA_PROVIDER_REQUIRED = CUDA_PROVIDER_LIBRARIES.slice(0, 2);

/** The folder of onnxruntime-node's native binding for a platform, relative to the package root. */
export const bindingSubfolder = (platform: string, arch: string): string => `bin/napi-v6/${platform}/${arch}`;

/** The CUDA provider exists for Linux x64 only (the NuGet package onnxruntime-node's script takes). */
export const cudaPossible = (platform: string, arch: string): boolean => platform === 'linux' && arch === 'x64';

/** The accelerator `auto` picks where CUDA is not possible: onnxruntime-node's own binaries carry it. */
export const PLATFORM_ACCELERATOR: Readonly<Record<string, { provider: 'dml' | 'coreml'; name: string } | undefined>> = {
  win32: { provider: 'dml', name: 'DirectML' },
  darwin: { provider: 'coreml', name: 'CoreML' },
};

/** Set Up GPU (CUDA)… on a platform without CUDA: what runs there instead; undefined on Linux x64. */
export function cudaElsewhere(platform: string, arch: string): string | undefined {
  if (cudaPossible(platform, arch)) return undefined;
  return `the CUDA provider is for Linux x64. This is ${platform}-${arch}: ${PLATFORM_ACCELERATOR[platform]?.name ?? 'the CPU'} is used with the provider setting auto.`;
}
