/**
 * GET over http(s) with what a download at the user's request needs: a proxy (plain requests in
 * absolute form, https through CONNECT), redirects, gzip, cancellation, and a file written while
 * its size and hash are checked, removed unless both match.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Readable } from 'node:stream';
import tls from 'node:tls';
import zlib from 'node:zlib';
import type { ExpectedPackage } from './nuget';
import { proxyAuthorization } from './proxy';

export interface RequestOptions {
  /** Chooses the proxy for each URL (redirects may change host). */
  proxyFor?: (url: URL) => URL | undefined;
  signal?: AbortSignal;
  /** Trust these CA certificates (PEM) besides the system's; tests use a self-signed one. */
  ca?: string;
}

export class DownloadCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

const MAX_REDIRECTS = 5;

/** Opens a TCP tunnel to host:port through an http proxy (CONNECT). */
function tunnel(proxy: URL, host: string, port: number, signal?: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const auth = proxyAuthorization(proxy);
    const request = http.request({
      host: proxy.hostname, port: Number(proxy.port) || 80, method: 'CONNECT', path: `${host}:${port}`, signal,
      headers: { host: `${host}:${port}`, ...(auth ? { 'proxy-authorization': auth } : {}) },
    });
    request.on('connect', (response, socket) => {
      if (response.statusCode === 200) resolve(socket);
      else {
        socket.destroy();
        reject(new Error(`proxy ${proxy.host} refused the tunnel to ${host}:${port} (HTTP ${response.statusCode})`));
      }
    });
    request.on('error', reject);
    request.end();
  });
}

async function openOnce(url: URL, options: RequestOptions): Promise<http.IncomingMessage> {
  const proxy = options.proxyFor?.(url);
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:') throw new Error(`${url.href}: only http and https URLs can be downloaded`);
  const headers: Record<string, string> = { 'accept-encoding': 'gzip', 'user-agent': 'diffusion-infill' };
  let requestOptions: https.RequestOptions;
  if (proxy && !secure) {
    const auth = proxyAuthorization(proxy);
    requestOptions = { host: proxy.hostname, port: Number(proxy.port) || 80, path: url.href, headers: { ...headers, host: url.host, ...(auth ? { 'proxy-authorization': auth } : {}) } };
  } else {
    requestOptions = { host: url.hostname, port: Number(url.port) || (secure ? 443 : 80), path: `${url.pathname}${url.search}`, headers, ca: options.ca ? [...tls.rootCertificates, options.ca] : undefined };
    if (proxy) {
      const socket = await tunnel(proxy, url.hostname, Number(url.port) || 443, options.signal);
      requestOptions.createConnection = () => tls.connect({ socket, servername: url.hostname, ca: requestOptions.ca });
    }
  }
  return new Promise((resolve, reject) => {
    const request = (secure ? https : http).get({ ...requestOptions, signal: options.signal }, resolve);
    request.on('error', (error) => reject(options.signal?.aborted ? new DownloadCancelled() : error));
  });
}

/** The response to GET `url` after redirects, status 200, body decoded. */
export async function get(url: string, options: RequestOptions = {}): Promise<{ body: Readable; length?: number; url: string }> {
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    if (options.signal?.aborted) throw new DownloadCancelled();
    const response = await openOnce(current, options);
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location && hop < MAX_REDIRECTS) {
      response.resume();
      current = new URL(response.headers.location, current);
      continue;
    }
    if (status !== 200) {
      response.resume();
      throw new Error(`${current.href}: HTTP ${status}`);
    }
    const gzip = response.headers['content-encoding'] === 'gzip';
    const length = gzip ? undefined : Number(response.headers['content-length']) || undefined;
    return { body: gzip ? response.pipe(zlib.createGunzip()) : response, length, url: current.href };
  }
}

export async function getJson(url: string, options: RequestOptions = {}): Promise<Record<string, unknown>> {
  const { body } = await get(url, options);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new Error(`${url}: not JSON`);
  }
}

export interface DownloadOptions extends RequestOptions {
  expected: ExpectedPackage;
  /** Called as bytes arrive (received so far, expected total). */
  onProgress?: (received: number, total: number) => void;
}

/**
 * Writes `url` to `destination`. Refuses (and removes the file) when the size or hash differs
 * from `expected`, and on cancel; so the file exists only when it is exactly the expected package.
 */
export async function download(url: string, destination: string, options: DownloadOptions): Promise<void> {
  const { expected } = options;
  const hash = crypto.createHash(expected.algorithm);
  let received = 0;
  try {
    const { body } = await get(url, options);
    const out = fs.createWriteStream(destination, { flags: 'wx' });
    try {
      for await (const chunk of body) {
        if (options.signal?.aborted) throw new DownloadCancelled();
        received += (chunk as Buffer).length;
        if (received > expected.size) throw new Error(`${url}: more than the ${expected.size} bytes the package metadata states`);
        hash.update(chunk as Buffer);
        if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
        options.onProgress?.(received, expected.size);
      }
    } finally {
      await new Promise<void>((resolve) => out.end(() => resolve()));
    }
    if (options.signal?.aborted) throw new DownloadCancelled();
    if (received !== expected.size) throw new Error(`${url}: ${received} bytes, the package metadata states ${expected.size}`);
    const digest = hash.digest('base64');
    if (digest !== expected.digest) throw new Error(`${url}: ${expected.algorithm.toUpperCase()} does not match the package metadata (got ${digest.slice(0, 16)}…, expected ${expected.digest.slice(0, 16)}…)`);
  } catch (error) {
    await fs.promises.rm(destination, { force: true });
    throw options.signal?.aborted ? new DownloadCancelled() : error;
  }
}
