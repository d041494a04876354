/**
 * What the CUDA provider needs from the machine besides its own libraries: an NVIDIA driver new
 * enough for CUDA 12, and CUDA 12's and cuDNN 9's libraries where the loader finds them. The parsers
 * are pure (command output in); `gatherHostFacts` runs nvidia-smi and ldconfig.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The libraries ONNX Runtime's CUDA 12 provider links (its NEEDED entries), by what ships them. */
export const CUDA_RUNTIME_LIBRARIES = {
  'CUDA 12': ['libcudart.so.12', 'libcublas.so.12', 'libcublasLt.so.12', 'libcurand.so.10', 'libcufft.so.11'],
  'cuDNN 9': ['libcudnn.so.9'],
} as const;
/** CUDA 12 needs driver 525.60.13 or newer on Linux. */
export const MIN_DRIVER = [525, 60, 13] as const;

export interface HostFacts {
  /** From nvidia-smi: first GPU's name and the driver version; undefined where it did not run. */
  gpu?: { name: string; driver: string };
  /** libcuda.so.1 (the driver library) is on the loader's path. */
  driverLibrary: boolean;
  /** Shared-library file names the loader can find (ldconfig's cache and LD_LIBRARY_PATH). */
  libraries: Set<string>;
}

export function parseNvidiaSmi(output: string): { name: string; driver: string } | undefined {
  const line = output.split('\n').find((l) => l.includes(','));
  if (!line) return undefined;
  const [name, driver] = line.split(',').map((s) => s.trim());
  return name && driver ? { name, driver } : undefined;
}

/** File names in `ldconfig -p` output ("\tlibcudart.so.12 (libc6,x86-64) => /usr/lib/..."). */
export function parseLdconfig(output: string): string[] {
  return output.split('\n').flatMap((line) => {
    const match = line.match(/^\s+(\S+\.so[.\d]*)\s/);
    return match ? [match[1]] : [];
  });
}

export function driverTooOld(version: string): boolean {
  const parts = version.split('.').map(Number);
  for (let i = 0; i < MIN_DRIVER.length; i++) {
    const part = parts[i] ?? 0;
    if (part !== MIN_DRIVER[i]) return part < MIN_DRIVER[i];
  }
  return false;
}

export interface HostCheck {
  /** Stops the setup: no driver, or one too old. */
  blocker?: string;
  /** What the setup cannot fix but the user can: missing CUDA 12 / cuDNN 9 libraries. */
  missing: { what: string; libraries: string[] }[];
  /** One line about the GPU found. */
  summary: string;
}

export function checkHost(facts: HostFacts): HostCheck {
  const missing = Object.entries(CUDA_RUNTIME_LIBRARIES)
    .map(([what, libraries]) => ({ what, libraries: libraries.filter((l) => !facts.libraries.has(l)) }))
    .filter((m) => m.libraries.length > 0);
  if (!facts.gpu && !facts.driverLibrary) {
    return { blocker: 'no NVIDIA driver found (nvidia-smi did not run and libcuda.so.1 is not on the library path)', missing, summary: 'no NVIDIA GPU' };
  }
  if (facts.gpu && driverTooOld(facts.gpu.driver)) {
    return { blocker: `NVIDIA driver ${facts.gpu.driver} is too old for CUDA 12 (needs ${MIN_DRIVER.join('.')} or newer)`, missing, summary: facts.gpu.name };
  }
  return { missing, summary: facts.gpu ? `${facts.gpu.name}, driver ${facts.gpu.driver}` : 'NVIDIA driver library found (nvidia-smi did not run)' };
}

const run = (command: string, args: string[]): Promise<string | undefined> =>
  new Promise((resolve) => execFile(command, args, { timeout: 10_000 }, (error, stdout) => resolve(error ? undefined : stdout)));

export async function gatherHostFacts(env: Record<string, string | undefined> = process.env): Promise<HostFacts> {
  const smi = await run('nvidia-smi', ['--query-gpu=name,driver_version', '--format=csv,noheader']);
  const ldconfig = (await run('ldconfig', ['-p'])) ?? (await run('/sbin/ldconfig', ['-p'])) ?? '';
  const libraries = new Set(parseLdconfig(ldconfig));
  for (const dir of (env.LD_LIBRARY_PATH ?? '').split(path.delimiter).filter(Boolean)) {
    try {
      for (const file of fs.readdirSync(dir)) libraries.add(file);
    } catch {
      // a folder on the path that does not exist
    }
  }
  return { gpu: smi ? parseNvidiaSmi(smi) : undefined, driverLibrary: libraries.has('libcuda.so.1'), libraries };
}
