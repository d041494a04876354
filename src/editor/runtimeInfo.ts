/** The text of Diffusion Infill: Show Runtime Info (pure: facts in, lines out). */
import type { ModelInfo } from '../protocol/protocol';

export interface RuntimeFacts {
  extensionVersion: string;
  vscodeVersion: string;
  nodeVersion: string;
  onnxRuntimeVersion: string;
  platform: string;
  arch: string;
  cpu: string;
  cores: number;
  threadsSetting: number;
  providerSetting: string;
  cudaLibrariesInstalled: boolean;
  model?: ModelInfo;
  loadError?: string;
}

export function runtimeInfoLines(f: RuntimeFacts): string[] {
  const m = f.model;
  const precision = m ? (/_quantized\.onnx$/.test(m.onnxFile) ? 'int8 (quantized)' : 'fp32') : undefined;
  return [
    `Diffusion Infill ${f.extensionVersion} · VS Code ${f.vscodeVersion} · Node ${f.nodeVersion} · ONNX Runtime ${f.onnxRuntimeVersion} (onnxruntime-node)`,
    `Device: ${f.platform}-${f.arch}, ${f.cpu} (${f.cores} logical cores)`,
    `Provider: ${m ? m.executionProvider : 'no model loaded'} (setting: ${f.providerSetting}${f.platform === 'linux' && f.arch === 'x64' ? `; CUDA provider libraries ${f.cudaLibrariesInstalled ? 'installed' : 'not installed'}` : ''})`,
    `Threads: ${f.threadsSetting === 0 ? "ONNX Runtime's default (one per physical core)" : f.threadsSetting}`,
    m ? `Model: ${m.name} · ${m.onnxFile} · ${precision} · vocab ${m.vocabSize} · window ${m.maxLength}${m.contextBias ? ` · context bias ${m.contextBias}` : ''} · loaded in ${m.loadMs.toFixed(0)} ms` : `Model: ${f.loadError ?? 'not loaded'}`,
    `Last fallback: ${m?.providerNotice ?? 'none'}`,
  ];
}
