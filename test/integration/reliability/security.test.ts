// Security in the real VS Code: the model folder is only read, the extension opens no network
// connection, and untrusted workspaces cannot choose the model (the manifest's restricted
// settings here; the resolution rules are unit-tested in test/editor/trust.test.ts, since this
// harness runs with workspace trust disabled).
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describe, it } from 'mocha';
import type { DiffusionInfillApi } from '../../../src/editor/extension';
import { FAST, openEditor, runCommand, select, useSettings, useSuite } from '../helpers';
import { REPO_ROOT, writeFigures } from './report';

const SOURCE = 'def greet(name):\n    return "hello " + name\n';
const EMBEDDED = path.join(REPO_ROOT, 'models', 'mdlm-code-small');

/** Every file and folder under dir: size, mtime, ctime, content hash. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      const st = fs.statSync(full);
      if (entry.isDirectory()) {
        out[full] = `dir mtime ${st.mtimeMs} ctime ${st.ctimeMs}`;
        walk(full);
      } else {
        const hash = crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex');
        out[full] = `${st.size} mtime ${st.mtimeMs} ctime ${st.ctimeMs} ${hash}`;
      }
    }
  };
  walk(dir);
  return out;
}

/** Inet sockets (tcp, tcp6, udp, udp6) owned by this process (the extension host and its worker threads): "proto local → remote". */
function ownSockets(): Set<string> {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  const found = new Set<string>();
  for (const proto of ['tcp', 'tcp6', 'udp', 'udp6']) {
    let table = '';
    try {
      table = fs.readFileSync(`/proc/self/net/${proto}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of table.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && inodes.has(f[9])) found.add(`${proto} ${f[1]} → ${f[2]} inode ${f[9]}`);
    }
  }
  return found;
}

// The module object itself (an `import * as` copy has read-only getters).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dns = require('node:dns') as typeof import('node:dns');

/** Calls to the socket and DNS entry points while installed, with the stacks of those from our code. */
function watchNetworkCalls(): { calls: number; ours: string[]; dispose(): void } {
  const state = { calls: 0, ours: [] as string[] };
  const ourCode = /[\\/](dist[\\/](extension|worker)\.js|out[\\/]src[\\/])/;
  const note = () => {
    state.calls++;
    const stack = new Error().stack ?? '';
    if (ourCode.test(stack)) state.ours.push(stack);
  };
  const connect = net.Socket.prototype.connect;
  const lookup = dns.lookup;
  const promisesLookup = dns.promises.lookup;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    note();
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof connect;
  (dns as { lookup: unknown }).lookup = (...args: unknown[]) => {
    note();
    return (lookup as (...a: unknown[]) => unknown)(...args);
  };
  (dns.promises as { lookup: unknown }).lookup = (...args: unknown[]) => {
    note();
    return (promisesLookup as (...a: unknown[]) => unknown)(...args);
  };
  return {
    get calls() {
      return state.calls;
    },
    get ours() {
      return state.ours;
    },
    dispose: () => {
      net.Socket.prototype.connect = connect;
      (dns as { lookup: unknown }).lookup = lookup;
      (dns.promises as { lookup: unknown }).lookup = promisesLookup;
    },
  };
}

describe('Reliability: security', () => {
  let api!: DiffusionInfillApi;
  useSuite(FAST, (got) => (api = got));

  it('a full session (load, infill, reroll, accept, crash and restart, select model) opens no network connection and never writes the model folder', async function () {
    this.timeout(300_000);
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'di-readonly-model-'));
    fs.cpSync(EMBEDDED, copy, { recursive: true });
    const before = { embedded: snapshot(EMBEDDED), copy: snapshot(copy) };
    const socketsBefore = ownSockets();
    const seen = new Set<string>();
    const sampler = setInterval(() => ownSockets().forEach((s) => seen.add(s)), 50);
    const calls = watchNetworkCalls();
    const restoreModel = await useSettings({ modelPath: copy });
    try {
      await api.crashWorker(); // a fresh worker thread inside the watched window
      const editor = await openEditor(SOURCE);
      editor.selection = select(editor, 'return');
      const session = await runCommand(api, 'diffusionInfill.infillSelection', editor.document);
      assert.equal(session.model?.modelDir, copy, 'the copied model was not the one used');
      await vscode.commands.executeCommand('diffusionInfill.reroll');
      await session.whenIdle();
      assert.equal(await vscode.commands.executeCommand('diffusionInfill.accept'), true);
      await vscode.commands.executeCommand('undo');
      await api.crashWorker();
      editor.selection = select(editor, 'def greet');
      await runCommand(api, 'diffusionInfill.infillSelection', editor.document);
      await vscode.commands.executeCommand('diffusionInfill.reject');
      assert.equal(await vscode.commands.executeCommand('diffusionInfill.selectModel', copy), true);
      await runCommand(api, 'diffusionInfill.refineSelection', editor.document);
      await vscode.commands.executeCommand('diffusionInfill.reject');
    } finally {
      clearInterval(sampler);
      calls.dispose();
      await restoreModel();
      await vscode.workspace.getConfiguration('diffusionInfill').update('modelPath', undefined, vscode.ConfigurationTarget.Global);
    }
    const fresh = [...seen].filter((s) => !socketsBefore.has(s));
    const remote = fresh.filter((s) => !/→ (0100007F|00000000000000000000000001000000|0000000000000000FFFF00000100007F):/.test(s));
    const after = { embedded: snapshot(EMBEDDED), copy: snapshot(copy) };
    writeFigures('security-session', {
      networkEntryCalls: calls.calls,
      networkCallsFromOurCode: calls.ours.length,
      socketsBefore: socketsBefore.size,
      newSocketsSeen: fresh.length,
      newNonLoopbackSockets: remote.length,
      modelFilesChecked: Object.keys(after.copy).length + Object.keys(after.embedded).length,
    });
    assert.deepEqual(calls.ours, [], 'our code called net/dns');
    assert.deepEqual(remote, [], 'a non-loopback socket was opened by this process during the session');
    assert.deepEqual(after.copy, before.copy, 'the model folder changed');
    assert.deepEqual(after.embedded, before.embedded, 'the embedded model folder changed');
    fs.rmSync(copy, { recursive: true, force: true });
  });

  it('control: the watchers do see a connection when one is made (so the check above can fail)', async () => {
    const server = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const before = ownSockets();
    const calls = watchNetworkCalls();
    try {
      const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      const fresh = [...ownSockets()].filter((s) => !before.has(s));
      assert.ok(calls.calls >= 1, 'net.Socket.prototype.connect was not seen');
      assert.ok(fresh.length >= 1, 'the new socket was not seen in /proc');
      socket.destroy();
    } finally {
      calls.dispose();
      server.close();
    }
  });

  it('the manifest restricts the model path and execution provider in untrusted workspaces', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    const untrusted = manifest.capabilities?.untrustedWorkspaces;
    assert.equal(untrusted?.supported, 'limited');
    for (const key of ['diffusionInfill.modelPath', 'diffusionInfill.executionProvider']) {
      assert.ok(untrusted.restrictedConfigurations.includes(key), `${key} is not restricted`);
    }
    // Every setting that names a file or folder must be restricted.
    const properties = (manifest.contributes.configuration as { properties: Record<string, { type?: string; markdownDescription?: string; description?: string }> }[])
      .flatMap((section) => Object.entries(section.properties));
    const pathLike = properties.filter(([key, p]) => /path|folder|dir|file/i.test(key) || /folder|\bpath\b/i.test(`${p.description ?? ''}`.slice(0, 40)));
    for (const [key] of pathLike) assert.ok(untrusted.restrictedConfigurations.includes(key), `${key} looks like a path but is not restricted`);
  });
});
