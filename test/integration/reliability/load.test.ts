// Load in one extension host session: many start/cancel cycles and many back-to-back infills.
// Memory of the host and of the worker stays flat, no decoration type, event subscription,
// progress notification, request or worker thread is left behind.
//   DI_LOAD_CYCLES (default 100; the recorded full run used 1000), DI_LOAD_INFILLS (default 30; full: 200)
import * as assert from 'node:assert/strict';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import * as vscode from 'vscode';
import { describe, it } from 'mocha';
import type { DiffusionInfillApi, ResourceCounts } from '../../../src/editor/extension';
import type { Session } from '../../../src/editor/session';
import { FAST, openEditor, select, until, untilFirstFrame, useSettings, useSuite } from '../helpers';
import { envInt, writeFigures } from './report';

const SOURCE = 'def area(w, h):\n    result = w * h\n    return result\n\nprint(area(2, 3))\n';
const MB = 2 ** 20;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function memory(): { heapMb: number; rssMb: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heapMb: +(m.heapUsed / MB).toFixed(1), rssMb: +(m.rss / MB).toFixed(1) };
}

/** Counts vscode API objects made while it is installed: decoration types and event subscriptions, and how many are still alive. */
function countVscodeResources(): { live(): Record<string, number>; created(): Record<string, number>; dispose(): void } {
  const live: Record<string, number> = {};
  const created: Record<string, number> = {};
  const restores: (() => void)[] = [];
  const track = <T extends { dispose(): unknown }>(kind: string, value: T): T => {
    created[kind] = (created[kind] ?? 0) + 1;
    live[kind] = (live[kind] ?? 0) + 1;
    const dispose = value.dispose.bind(value);
    let alive = true;
    value.dispose = () => {
      if (alive) live[kind]--;
      alive = false;
      return dispose();
    };
    return value;
  };
  const wrap = (owner: Record<string, any>, name: string, kind: string) => {
    const original = owner[name];
    if (typeof original !== 'function') return;
    owner[name] = (...args: unknown[]) => track(kind, original.apply(owner, args));
    restores.push(() => (owner[name] = original));
  };
  const w = vscode.window as unknown as Record<string, any>;
  const ws = vscode.workspace as unknown as Record<string, any>;
  wrap(w, 'createTextEditorDecorationType', 'decorationTypes');
  for (const e of ['onDidChangeActiveTextEditor', 'onDidChangeVisibleTextEditors', 'onDidChangeTextEditorSelection']) wrap(w, e, 'windowListeners');
  for (const e of ['onDidChangeTextDocument', 'onDidCloseTextDocument', 'onDidOpenTextDocument', 'onDidChangeConfiguration']) wrap(ws, e, 'workspaceListeners');
  return { live: () => ({ ...live }), created: () => ({ ...created }), dispose: () => restores.forEach((r) => r()) };
}

/** Waits until no progress notification is open or about to open (they come 800 ms into a run). */
function quiet(api: DiffusionInfillApi): Promise<void> {
  const idle = () => {
    const r = api.reliability.resources();
    return r.progressNotifications === 0 && r.progressPending === 0;
  };
  return until(idle, () => `progress notifications to close: ${JSON.stringify(api.reliability.resources())}`);
}

function assertSameResources(before: ResourceCounts, after: ResourceCounts): void {
  assert.equal(after.sessions, 0, 'sessions left open');
  assert.equal(after.changeListeners, before.changeListeners, 'session-change subscriptions leaked');
  assert.equal(after.progressNotifications, 0, 'progress notifications left open');
  assert.equal(after.progressPending, 0, 'progress notifications about to open');
  assert.equal(after.decorationTypes, before.decorationTypes, 'decoration types changed');
  assert.ok(after.workerThreads <= 1, `${after.workerThreads} worker threads alive`);
  assert.equal(after.pendingRequests, 0, 'requests still pending');
}

describe('Reliability: load', () => {
  let api!: DiffusionInfillApi;
  useSuite({ ...FAST, 'sampler.steps': 64 }, async (got) => {
    api = got;
    await api.ensureModel();
  });

  it('start/cancel cycles: memory flat, nothing leaks', async function () {
    const cycles = envInt('DI_LOAD_CYCLES', 100);
    this.timeout(120_000 + cycles * 10_000);
    const editor = await openEditor(SOURCE);
    const doc = editor.document;
    editor.selection = select(editor, 'w * h');
    const cycle = async (i: number) => {
      const session = (await vscode.commands.executeCommand('diffusionInfill.infillSelection')) as Session;
      assert.ok(session, 'no session');
      if (i % 2 === 1) await untilFirstFrame(api, session);
      await vscode.commands.executeCommand('diffusionInfill.cancel');
      await session.whenIdle();
      assert.equal(session.phase, 'closed');
      return session.closeReason;
    };
    for (let i = 0; i < 10; i++) await cycle(i); // warm-up: caches, JIT
    await quiet(api);
    const counter = countVscodeResources();
    const resourcesBefore = api.reliability.resources();
    const memBefore = memory();
    const reasons: Record<string, number> = {};
    const started = Date.now();
    try {
      for (let i = 0; i < cycles; i++) {
        const reason = (await cycle(i)) ?? 'none';
        reasons[reason] = (reasons[reason] ?? 0) + 1;
        assert.equal(doc.getText(), SOURCE, `cycle ${i} changed the document`);
      }
      await quiet(api);
    } finally {
      counter.dispose();
    }
    const memAfter = memory();
    const resourcesAfter = api.reliability.resources();
    writeFigures(`load-cycles-${cycles}`, {
      cycles,
      closeReasons: reasons,
      seconds: Math.round((Date.now() - started) / 1000),
      host: { before: memBefore, after: memAfter },
      resourcesBefore,
      resourcesAfter,
      vscodeObjectsCreated: counter.created(),
      vscodeObjectsLive: counter.live(),
    });
    assertSameResources(resourcesBefore, resourcesAfter);
    for (const [kind, n] of Object.entries(counter.live())) assert.equal(n, 0, `${n} ${kind} created during the cycles are still alive`);
    assert.ok(memAfter.heapMb - memBefore.heapMb < 25, `host heap grew ${memBefore.heapMb} → ${memAfter.heapMb} MB`);
  });

  it('back-to-back infills: memory of host and worker flat, nothing leaks', async function () {
    const infills = envInt('DI_LOAD_INFILLS', 30);
    this.timeout(120_000 + infills * 20_000);
    const restoreSteps = await useSettings({ 'sampler.steps': 8 });
    try {
      const editor = await openEditor(SOURCE);
      const doc = editor.document;
      const run = async (i: number) => {
        editor.selection = select(editor, i % 2 ? 'w * h' : 'return result');
        const session = (await vscode.commands.executeCommand('diffusionInfill.infillSelection')) as Session;
        assert.ok(session, 'no session');
        await session.whenIdle();
        assert.equal(session.phase, 'ready', `run ${i}: ${session.closeReason} ${session.error?.message ?? ''}`);
        // Alternate: accept then undo, or reject. The document ends where it started either way.
        if (i % 3 === 0) {
          assert.equal(await vscode.commands.executeCommand('diffusionInfill.accept'), true);
          await vscode.commands.executeCommand('undo');
        } else {
          await vscode.commands.executeCommand('diffusionInfill.reject');
        }
        assert.equal(doc.getText(), SOURCE, `run ${i} left the document changed`);
        return session.result!.memory;
      };
      for (let i = 0; i < 5; i++) await run(i);
      await quiet(api);
      const counter = countVscodeResources();
      const resourcesBefore = api.reliability.resources();
      const memBefore = memory();
      const workerFirst = await run(0);
      let workerLast = workerFirst;
      const started = Date.now();
      try {
        for (let i = 1; i < infills; i++) workerLast = await run(i);
        await quiet(api);
      } finally {
        counter.dispose();
      }
      const memAfter = memory();
      const resourcesAfter = api.reliability.resources();
      const mb = (n: number | undefined) => (n === undefined ? undefined : +(n / MB).toFixed(1));
      const worker = {
        first: { heapMb: mb(workerFirst?.heapUsed), arrayBuffersMb: mb(workerFirst?.arrayBuffers), processRssMb: mb(workerFirst?.rss) },
        last: { heapMb: mb(workerLast?.heapUsed), arrayBuffersMb: mb(workerLast?.arrayBuffers), processRssMb: mb(workerLast?.rss) },
      };
      writeFigures(`load-infills-${infills}`, {
        infills,
        seconds: Math.round((Date.now() - started) / 1000),
        host: { before: memBefore, after: memAfter },
        worker,
        resourcesBefore,
        resourcesAfter,
        vscodeObjectsCreated: counter.created(),
        vscodeObjectsLive: counter.live(),
      });
      assertSameResources(resourcesBefore, resourcesAfter);
      for (const [kind, n] of Object.entries(counter.live())) assert.equal(n, 0, `${n} ${kind} created during the infills are still alive`);
      assert.ok(memAfter.heapMb - memBefore.heapMb < 25, `host heap grew ${memBefore.heapMb} → ${memAfter.heapMb} MB`);
      assert.ok(workerFirst && workerLast, 'no worker memory reported');
      // The worker's heap is sampled without a GC: allow its normal sawtooth, not steady growth.
      assert.ok(workerLast.heapUsed < workerFirst.heapUsed + 40 * MB, `worker heap ${worker.first.heapMb} → ${worker.last.heapMb} MB`);
      assert.ok(workerLast.arrayBuffers < workerFirst.arrayBuffers + 40 * MB, `worker array buffers ${worker.first.arrayBuffersMb} → ${worker.last.arrayBuffersMb} MB`);
    } finally {
      await restoreSteps();
    }
  });
});
