/**
 * Test fixtures for the CUDA setup: a zip writer, a NuGet v3 feed on 127.0.0.1 serving a package
 * built here (dummy provider libraries), and a forwarding HTTP proxy that records what it relayed.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';

/** A zip archive of `files` (deflated), as NuGet packages are. */
export function makeZip(files: Record<string, Buffer>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(files)) {
    const nameBytes = Buffer.from(name);
    const packed = zlib.deflateRawSync(data);
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

export interface FeedOptions {
  id: string;
  version: string;
  nupkg: Buffer;
  /** Metadata lies about the hash (checksum mismatch). */
  wrongHash?: boolean;
  /** Serve the package this many bytes short (the metadata states the full size). */
  truncateBy?: number;
  /** Send the package in this many slices with a pause between them (progress and cancel). */
  slices?: number;
  sliceDelayMs?: number;
}

export interface Feed {
  /** Service index URL; `host` replaces 127.0.0.1:port (a name only the proxy resolves). */
  indexUrl(host?: string): string;
  port: number;
  requests: string[];
  close(): Promise<void>;
}

const listen = async (server: http.Server): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};

export async function startFeed(options: FeedOptions): Promise<Feed> {
  const requests: string[] = [];
  const id = options.id.toLowerCase();
  const v = options.version.toLowerCase();
  const hash = crypto.createHash('sha512').update(options.nupkg).digest('base64');
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    requests.push(url.pathname);
    const base = `http://${req.headers.host}`;
    const json = (body: unknown, gzip = false) => {
      const bytes = Buffer.from(JSON.stringify(body));
      res.writeHead(200, { 'content-type': 'application/json', ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
      res.end(gzip ? zlib.gzipSync(bytes) : bytes);
    };
    if (url.pathname === '/v3/index.json') {
      return json({
        version: '3.0.0',
        resources: [
          { '@id': `${base}/v3-flatcontainer/`, '@type': 'PackageBaseAddress/3.0.0' },
          { '@id': `${base}/v3/registration5-gz-semver2/`, '@type': 'RegistrationsBaseUrl/3.6.0' },
        ],
      });
    }
    if (url.pathname === `/v3/registration5-gz-semver2/${id}/${v}.json`) {
      return json({ catalogEntry: `${base}/v3/catalog0/data/${id}.${v}.json`, packageContent: `${base}/v3-flatcontainer/${id}/${v}/${id}.${v}.nupkg` }, true);
    }
    if (url.pathname === `/v3/catalog0/data/${id}.${v}.json`) {
      const digest = options.wrongHash ? crypto.createHash('sha512').update('something else').digest('base64') : hash;
      return json({ id: options.id, version: options.version, packageHash: digest, packageHashAlgorithm: 'SHA512', packageSize: options.nupkg.length });
    }
    if (url.pathname === `/v3-flatcontainer/${id}/${v}/${id}.${v}.nupkg`) {
      // nuget.org answers from a CDN: one redirect first.
      res.writeHead(302, { location: `/cdn/${id}.${v}.nupkg` });
      return res.end();
    }
    if (url.pathname === `/cdn/${id}.${v}.nupkg`) {
      const body = options.nupkg.subarray(0, options.nupkg.length - (options.truncateBy ?? 0));
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      const slices = options.slices ?? 1;
      const size = Math.ceil(body.length / slices);
      let i = 0;
      const next = () => {
        if (res.destroyed) return;
        if (i >= slices) return void res.end();
        res.write(body.subarray(i * size, (i + 1) * size));
        i++;
        setTimeout(next, options.sliceDelayMs ?? 0);
      };
      return next();
    }
    res.writeHead(404);
    res.end();
  });
  const port = await listen(server);
  return {
    port,
    requests,
    indexUrl: (host = `127.0.0.1:${port}`) => `http://${host}/v3/index.json`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A forwarding proxy that sends every request to 127.0.0.1:`targetPort`, whatever host it names. */
export async function startProxy(targetPort: number): Promise<{ url: string; relayed: { url: string; auth?: string }[]; close(): Promise<void> }> {
  const relayed: { url: string; auth?: string }[] = [];
  const server = http.createServer((req, res) => {
    relayed.push({ url: req.url ?? '', auth: req.headers['proxy-authorization'] });
    const target = new URL(req.url ?? '/');
    const upstream = http.request({ host: '127.0.0.1', port: targetPort, path: `${target.pathname}${target.search}`, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  const port = await listen(server);
  return {
    url: `http://user:p%40ss@127.0.0.1:${port}`,
    relayed,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
