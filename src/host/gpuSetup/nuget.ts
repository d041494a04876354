/**
 * The NuGet v3 facts of the CUDA execution provider: onnxruntime-node's own install script takes
 * `Microsoft.ML.OnnxRuntime.Gpu.Linux` at the runtime's exact version from nuget.org and copies three
 * libraries out of `runtimes/linux-x64/native/`. Pure: URLs and metadata parsing.
 */
import { CUDA_PROVIDER_LIBRARIES } from '../../protocol/providerLibraries';

export const CUDA_PACKAGE_ID = 'Microsoft.ML.OnnxRuntime.Gpu.Linux';
export const NUGET_FEED = 'https://api.nuget.org/v3/index.json';

/** Where each provider library sits inside the package. */
export const packageEntries = (): { library: string; entry: string }[] =>
  CUDA_PROVIDER_LIBRARIES.map((library) => ({ library, entry: `runtimes/linux-x64/native/${library}` }));

interface ServiceIndex {
  resources?: { '@id'?: string; '@type'?: string | string[] }[];
}

/** The URL of the first resource of `type` (e.g. 'PackageBaseAddress/3.0.0') in a service index. */
export function resourceUrl(index: ServiceIndex, type: string): string {
  const found = index.resources?.find((r) => [r['@type']].flat().some((t) => t === type || t?.startsWith(`${type}/`)));
  if (!found?.['@id']) throw new Error(`the NuGet feed's service index has no ${type} resource`);
  return found['@id'].endsWith('/') ? found['@id'] : `${found['@id']}/`;
}

export function packageUrl(baseAddress: string, id: string, version: string): string {
  const lower = id.toLowerCase();
  const v = version.toLowerCase();
  return `${baseAddress}${lower}/${v}/${lower}.${v}.nupkg`;
}

export function registrationUrl(registrationsBase: string, id: string, version: string): string {
  return `${registrationsBase}${id.toLowerCase()}/${version.toLowerCase()}.json`;
}

export interface ExpectedPackage {
  size: number;
  /** Node's name for the hash: 'sha512' for nuget.org, 'sha256' where a pinned table says so. */
  algorithm: 'sha512' | 'sha256';
  /** The digest, base64 as NuGet writes it. */
  digest: string;
}

/** Size and hash from a catalog entry (`packageSize`, `packageHash`, `packageHashAlgorithm`). */
export function expectedFromCatalog(entry: Record<string, unknown>): ExpectedPackage {
  const size = entry.packageSize;
  const digest = entry.packageHash;
  const algorithm = String(entry.packageHashAlgorithm ?? '').toLowerCase().replace('-', '');
  if (typeof size !== 'number' || !(size > 0) || typeof digest !== 'string' || (algorithm !== 'sha512' && algorithm !== 'sha256')) {
    throw new Error('the package metadata has no usable packageSize / packageHash / packageHashAlgorithm');
  }
  return { size, algorithm, digest };
}
