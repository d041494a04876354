/**
 * The CUDA execution provider's libraries, placed beside onnxruntime-node's native binding (where
 * ONNX Runtime looks for them): the worker checks for them, the CUDA setup installs them.
 */
export const CUDA_PROVIDER_LIBRARIES = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_tensorrt.so'] as const;
/** The two the CUDA provider cannot load without (TensorRT's is optional). */
export const CUDA_PROVIDER_REQUIRED = CUDA_PROVIDER_LIBRARIES.slice(0, 2);

/** The folder of onnxruntime-node's native binding for a platform, relative to the package root. */
export const bindingSubfolder = (platform: string, arch: string): string => `bin/napi-v6/${platform}/${arch}`;
