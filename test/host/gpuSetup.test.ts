// CUDA setup against a NuGet feed on 127.0.0.1 serving a package built here (dummy libraries):
// download with progress, cancel, checksum and size mismatch (refused, nothing left behind), proxy,
// placement; and the pure parts (URLs, metadata, proxy choice, host check).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { checkHost, driverTooOld, parseLdconfig, parseNvidiaSmi } from '../../src/host/gpuSetup/hostCheck';
import { DownloadCancelled } from '../../src/host/gpuSetup/http';
import { installCudaProvider, type SetupStage } from '../../src/host/gpuSetup/install';
import { CUDA_PACKAGE_ID, expectedFromCatalog, packageEntries, packageUrl, registrationUrl, resourceUrl } from '../../src/host/gpuSetup/nuget';
import { bypassed, proxyAuthorization, proxyFor } from '../../src/host/gpuSetup/proxy';
import { CUDA_PROVIDER_LIBRARIES } from '../../src/protocol/providerLibraries';
import { makeZip, startFeed, startProxy } from './nugetServer';

const VERSION = '1.30.0';
const libraryBytes = (name: string) => Buffer.concat([Buffer.from(`dummy ${name}\n`), crypto.randomBytes(200_000)]);
const LIBRARIES = Object.fromEntries(CUDA_PROVIDER_LIBRARIES.map((l) => [l, libraryBytes(l)]));
const NUPKG = makeZip({
  '[Content_Types].xml': Buffer.from('<Types/>'),
  ...Object.fromEntries(packageEntries().map(({ library, entry }) => [entry, LIBRARIES[library]])),
  'runtimes/linux-x64/native/libonnxruntime.so': Buffer.from('not placed'),
});

let scratch: string;
let targetDir: string;
let savedTmp: string | undefined;
beforeEach(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'di-gpu-test-'));
  targetDir = path.join(scratch, 'binding');
  fs.mkdirSync(targetDir);
  fs.writeFileSync(path.join(targetDir, 'libonnxruntime.so.1'), 'the runtime');
  // The installer's work folder goes under os.tmpdir(): point it into the scratch folder to see it.
  savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = path.join(scratch, 'tmp');
  fs.mkdirSync(process.env.TMPDIR);
});
afterEach(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  fs.rmSync(scratch, { recursive: true, force: true });
});

const leftovers = () => ({ binding: fs.readdirSync(targetDir).sort(), tmp: fs.readdirSync(path.join(scratch, 'tmp')) });
const untouched = { binding: ['libonnxruntime.so.1'], tmp: [] };

test('installs: resolves the package at the runtime version, downloads it with progress, places the three libraries', async () => {
  const feed = await startFeed({ id: CUDA_PACKAGE_ID, version: VERSION, nupkg: NUPKG, slices: 8 });
  try {
    const stages: SetupStage[] = [];
    const received: number[] = [];
    const result = await installCudaProvider({
      feed: feed.indexUrl(), version: VERSION, targetDir,
      onProgress: (stage, bytes, total) => {
        if (stages.at(-1) !== stage) stages.push(stage);
        if (bytes !== undefined) {
          assert.equal(total, NUPKG.length);
          received.push(bytes);
        }
      },
    });
    assert.deepEqual(stages, ['resolving', 'downloading', 'placing']);
    assert.ok(received.length >= 8, `progress reported ${received.length} times`);
    assert.deepEqual(received, [...received].sort((a, b) => a - b));
    assert.equal(received.at(-1), NUPKG.length);
    assert.equal(result.expected.algorithm, 'sha512');
    assert.ok(feed.requests.includes(`/v3-flatcontainer/microsoft.ml.onnxruntime.gpu.linux/1.30.0/microsoft.ml.onnxruntime.gpu.linux.1.30.0.nupkg`));
    assert.deepEqual(leftovers(), { binding: [...CUDA_PROVIDER_LIBRARIES, 'libonnxruntime.so.1'].sort(), tmp: [] });
    for (const library of CUDA_PROVIDER_LIBRARIES) {
      assert.ok(fs.readFileSync(path.join(targetDir, library)).equals(LIBRARIES[library]), library);
      assert.ok(fs.statSync(path.join(targetDir, library)).mode & 0o100, `${library} executable`);
    }
  } finally {
    await feed.close();
  }
});

test('a hash that does not match the package metadata is refused and nothing is left behind', async () => {
  const feed = await startFeed({ id: CUDA_PACKAGE_ID, version: VERSION, nupkg: NUPKG, wrongHash: true });
  try {
    await assert.rejects(installCudaProvider({ feed: feed.indexUrl(), version: VERSION, targetDir }), /SHA512 does not match the package metadata/);
    assert.deepEqual(leftovers(), untouched);
  } finally {
    await feed.close();
  }
});

test('a package shorter than the metadata states is refused and nothing is left behind', async () => {
  const feed = await startFeed({ id: CUDA_PACKAGE_ID, version: VERSION, nupkg: NUPKG, truncateBy: 1000 });
  try {
    await assert.rejects(installCudaProvider({ feed: feed.indexUrl(), version: VERSION, targetDir }), new RegExp(`${NUPKG.length - 1000} bytes, the package metadata states ${NUPKG.length}`));
    assert.deepEqual(leftovers(), untouched);
  } finally {
    await feed.close();
  }
});

test('cancel during the download stops it, and nothing is left behind', async () => {
  const feed = await startFeed({ id: CUDA_PACKAGE_ID, version: VERSION, nupkg: NUPKG, slices: 50, sliceDelayMs: 20 });
  try {
    const controller = new AbortController();
    let progressAtCancel = 0;
    await assert.rejects(
      installCudaProvider({
        feed: feed.indexUrl(), version: VERSION, targetDir, signal: controller.signal,
        onProgress: (stage, bytes) => {
          if (stage === 'downloading' && !controller.signal.aborted && (bytes ?? 0) > NUPKG.length / 5) {
            progressAtCancel = bytes ?? 0;
            controller.abort();
          }
        },
      }),
      DownloadCancelled,
    );
    assert.ok(progressAtCancel > 0 && progressAtCancel < NUPKG.length);
    assert.deepEqual(leftovers(), untouched);
  } finally {
    await feed.close();
  }
});

test('through the http.proxy proxy: every request goes via the proxy, with its credentials', async () => {
  const feed = await startFeed({ id: CUDA_PACKAGE_ID, version: VERSION, nupkg: NUPKG });
  const proxy = await startProxy(feed.port);
  try {
    // feed.invalid resolves nowhere: only a proxied request can reach the feed.
    const choose = (url: URL) => proxyFor(url, { httpProxy: proxy.url, env: {} });
    await installCudaProvider({ feed: feed.indexUrl('feed.invalid:80'), version: VERSION, targetDir, proxyFor: choose });
    assert.ok(proxy.relayed.length >= 4, `${proxy.relayed.length} requests relayed`);
    assert.ok(proxy.relayed.every((r) => r.url.startsWith('http://') && r.auth === `Basic ${Buffer.from('user:p@ss').toString('base64')}`));
    assert.ok(proxy.relayed.some((r) => r.url.endsWith('.nupkg')));
    assert.ok(fs.existsSync(path.join(targetDir, 'libonnxruntime_providers_cuda.so')));
    await assert.rejects(installCudaProvider({ feed: feed.indexUrl('feed.invalid:80'), version: VERSION, targetDir }), /feed\.invalid|ENOTFOUND|EAI_AGAIN/);
  } finally {
    await proxy.close();
    await feed.close();
  }
});

test('a package without the provider libraries places nothing', async () => {
  const feed = await startFeed({ id: CUDA_PACKAGE_ID, version: VERSION, nupkg: makeZip({ 'runtimes/linux-x64/native/libonnxruntime_providers_cuda.so': Buffer.from('x') }) });
  try {
    await assert.rejects(installCudaProvider({ feed: feed.indexUrl(), version: VERSION, targetDir }), /the package has no runtimes\/linux-x64\/native\/libonnxruntime_providers_shared\.so/);
    assert.deepEqual(leftovers(), untouched);
  } finally {
    await feed.close();
  }
});

test('a version the feed does not have is an error naming the URL', async () => {
  const feed = await startFeed({ id: CUDA_PACKAGE_ID, version: VERSION, nupkg: NUPKG });
  try {
    await assert.rejects(installCudaProvider({ feed: feed.indexUrl(), version: '9.9.9', targetDir }), /9\.9\.9\.json: HTTP 404/);
    assert.deepEqual(leftovers(), untouched);
  } finally {
    await feed.close();
  }
});

test('NuGet URLs and metadata', () => {
  const index = { resources: [{ '@id': 'https://x/flat', '@type': 'PackageBaseAddress/3.0.0' }, { '@id': 'https://x/reg/', '@type': ['RegistrationsBaseUrl/3.6.0'] }] };
  assert.equal(resourceUrl(index, 'PackageBaseAddress'), 'https://x/flat/');
  assert.equal(resourceUrl(index, 'RegistrationsBaseUrl'), 'https://x/reg/');
  assert.throws(() => resourceUrl(index, 'SearchQueryService'), /no SearchQueryService resource/);
  assert.equal(packageUrl('https://x/flat/', CUDA_PACKAGE_ID, '1.30.0'), 'https://x/flat/microsoft.ml.onnxruntime.gpu.linux/1.30.0/microsoft.ml.onnxruntime.gpu.linux.1.30.0.nupkg');
  assert.equal(registrationUrl('https://x/reg/', CUDA_PACKAGE_ID, '1.30.0'), 'https://x/reg/microsoft.ml.onnxruntime.gpu.linux/1.30.0.json');
  assert.deepEqual(expectedFromCatalog({ packageSize: 10, packageHash: 'abc=', packageHashAlgorithm: 'SHA512' }), { size: 10, algorithm: 'sha512', digest: 'abc=' });
  assert.throws(() => expectedFromCatalog({ packageSize: 10, packageHash: 'abc=', packageHashAlgorithm: 'MD5' }), /no usable/);
  assert.throws(() => expectedFromCatalog({ packageHash: 'abc=', packageHashAlgorithm: 'SHA512' }), /no usable/);
});

test('proxy choice: http.proxy first, then HTTPS_PROXY / HTTP_PROXY, never for NO_PROXY hosts', () => {
  const nuget = new URL('https://api.nuget.org/v3/index.json');
  assert.equal(proxyFor(nuget, { httpProxy: 'http://corp:3128', env: { HTTPS_PROXY: 'http://other:1' } })?.host, 'corp:3128');
  assert.equal(proxyFor(nuget, { httpProxy: '', env: { https_proxy: 'other:8080' } })?.href, 'http://other:8080/');
  assert.equal(proxyFor(new URL('http://feed/x'), { env: { HTTPS_PROXY: 'http://s:1' } }), undefined);
  assert.equal(proxyFor(nuget, { httpProxy: 'http://corp:3128', env: { NO_PROXY: 'localhost,.nuget.org' } }), undefined);
  assert.equal(proxyFor(nuget, { env: {} }), undefined);
  assert.ok(bypassed(new URL('http://a.example.com/'), 'example.com'));
  assert.ok(!bypassed(new URL('http://badexample.com/'), 'example.com'));
  assert.ok(bypassed(new URL('http://anything/'), '*'));
  assert.equal(proxyAuthorization(new URL('http://u%20x:p%3A@h:1')), `Basic ${Buffer.from('u x:p:').toString('base64')}`);
  assert.throws(() => proxyFor(nuget, { httpProxy: 'http://[bad', env: {} }), /is not a URL/);
});

test('host check: driver, its version, CUDA 12 and cuDNN 9 libraries', () => {
  assert.deepEqual(parseNvidiaSmi('NVIDIA H200, 570.86.15\n'), { name: 'NVIDIA H200', driver: '570.86.15' });
  assert.equal(parseNvidiaSmi(''), undefined);
  const ld = parseLdconfig('123 libs found in cache `/etc/ld.so.cache\'\n\tlibcudart.so.12 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcudart.so.12\n\tlibcuda.so.1 (libc6,x86-64) => /usr/lib/libcuda.so.1\n');
  assert.deepEqual(ld, ['libcudart.so.12', 'libcuda.so.1']);
  assert.ok(driverTooOld('470.1'));
  assert.ok(driverTooOld('525.60.12'));
  assert.ok(!driverTooOld('525.60.13'));
  assert.ok(!driverTooOld('580'));
  assert.match(checkHost({ driverLibrary: false, libraries: new Set() }).blocker ?? '', /no NVIDIA driver/);
  assert.match(checkHost({ gpu: { name: 'T4', driver: '470.82.01' }, driverLibrary: true, libraries: new Set() }).blocker ?? '', /too old for CUDA 12/);
  const all = new Set(['libcudart.so.12', 'libcublas.so.12', 'libcublasLt.so.12', 'libcurand.so.10', 'libcufft.so.11']);
  const check = checkHost({ gpu: { name: 'H200', driver: '570.86.15' }, driverLibrary: true, libraries: all });
  assert.equal(check.blocker, undefined);
  assert.deepEqual(check.missing, [{ what: 'cuDNN 9', libraries: ['libcudnn.so.9'] }]);
  assert.deepEqual(checkHost({ driverLibrary: true, libraries: new Set([...all, 'libcudnn.so.9']) }).missing, []);
});
