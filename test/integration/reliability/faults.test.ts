// Worker faults in the real VS Code: the worker thread dying mid-run, ONNX Runtime throwing
// mid-run, an allocation failure, an exception nobody catches in the worker, and a batch too big
// for memory. Each time: exactly one clear message, the document untouched, and the next request
// works without reloading the window. ONNX Runtime failures are injected with the test-only
// DIFFUSION_INFILL_TEST_FAULT variable (src/worker/faults.ts), read by a worker when it starts.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { describe, it } from 'mocha';
import type { DiffusionInfillApi } from '../../../src/editor/extension';
import type { Session } from '../../../src/editor/session';
import { FAST, openEditor, runCommand, select, untilFirstFrame, useSuite } from '../helpers';
import { DEFAULT_SAMPLER_OPTIONS } from '../../../src/core/options';
import { captureMessages } from './messages';
import { say } from './report';

const SOURCE = 'def greet(name):\n    return "hello " + name\n\nprint(greet("world"))\n';
const FAULT_ENV = 'DIFFUSION_INFILL_TEST_FAULT';

async function start(editor: vscode.TextEditor, text: string): Promise<Session> {
  editor.selection = select(editor, text);
  const session = (await vscode.commands.executeCommand('diffusionInfill.infillSelection')) as Session;
  assert.ok(session, 'no session started');
  return session;
}

describe('Reliability: worker faults', () => {
  let api!: DiffusionInfillApi;
  useSuite(
    { ...FAST, 'sampler.steps': 64 },
    async (got) => {
      api = got;
      await api.ensureModel();
    },
    { after: async () => void delete process.env[FAULT_ENV] },
  );

  /** Starts a worker with the fault armed (the worker copies the environment when it starts). */
  async function armFault(spec: string): Promise<void> {
    process.env[FAULT_ENV] = spec;
    await api.crashWorker(); // the next request starts a fresh worker, which reads the variable
  }

  for (const round of [1, 2, 3]) {
    it(`the worker killed mid-run (round ${round}): one message, document untouched, next run works`, async () => {
      const editor = await openEditor(SOURCE);
      const doc = editor.document;
      const messages = captureMessages();
      try {
        const session = await start(editor, 'return "hello " + name');
        await untilFirstFrame(api, session);
        await api.crashWorker();
        await session.whenIdle();
        await messages.shown(1);
        assert.equal(session.closeReason, 'error');
        assert.equal((session.error as { code?: string }).code, 'worker-crashed');
        assert.equal(doc.getText(), SOURCE);
        assert.equal(messages.errors.length, 1, `messages: ${JSON.stringify(messages.errors)}`);
        assert.match(messages.errors[0], /worker stopped .*Nothing was written; the next request restarts it/);
        assert.equal(api.reliability.resources().workerThreads, 0, 'the dead worker is gone');
        // Selected again as a person would: giving the selection back after a failed run can lose a
        // race with the renderer's own selection update (a nicety, not what this test is about).
        editor.selection = select(editor, 'return "hello " + name');
        await runCommand(api, 'diffusionInfill.infillSelection', doc);
        assert.equal(api.reliability.resources().workerThreads, 1);
        assert.equal(doc.getText(), SOURCE);
      } finally {
        messages.dispose();
      }
    });
  }

  it('the worker killed while idle: the next run restarts it without a message', async () => {
    const editor = await openEditor(SOURCE);
    const messages = captureMessages();
    try {
      await api.crashWorker();
      editor.selection = select(editor, 'greet("world")');
      // A message would have come with the restart or the run's end, both behind us now.
      await runCommand(api, 'diffusionInfill.infillSelection', editor.document);
      assert.deepEqual(messages.errors, []);
      assert.equal(editor.document.getText(), SOURCE);
    } finally {
      messages.dispose();
    }
  });

  const injected: [string, RegExp][] = [
    ['throw@3', /model failed while sampling: .*MatMul.*Nothing was written/],
    ['oom@2', /model failed while sampling: .*allocate memory.*Nothing was written/],
    ['uncaught@2', /uncaught exception in the worker thread/],
  ];
  for (const [spec, expected] of injected) {
    it(`ONNX Runtime fault ${spec} mid-run: one message, document untouched, the same worker runs the next request`, async () => {
      const editor = await openEditor(SOURCE);
      const doc = editor.document;
      const messages = captureMessages();
      try {
        await armFault(spec);
        const session = await start(editor, 'return "hello " + name');
        delete process.env[FAULT_ENV]; // the worker has its copy; a later restart is clean
        await session.whenIdle();
        await messages.shown(1);
        assert.equal(session.closeReason, 'error', `closed ${session.closeReason}`);
        assert.equal(doc.getText(), SOURCE);
        assert.equal(messages.errors.length, 1, `messages: ${JSON.stringify(messages.errors)}`);
        assert.match(messages.errors[0], expected);
        // The fault fires once per worker: the next request runs in the same, still-loaded worker.
        const threads = api.reliability.resources().workerThreads;
        await runCommand(api, 'diffusionInfill.infillSelection', doc);
        assert.equal(api.reliability.resources().workerThreads, threads);
        assert.equal(doc.getText(), SOURCE);
      } finally {
        delete process.env[FAULT_ENV];
        messages.dispose();
      }
    });
  }

  it('a batch too big for memory is refused before anything is allocated; the next request works', async () => {
    const model = await api.ensureModel();
    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();
    // 64 samples of a 300-token hole: 600 MiB of (gathered) logits per step; 64 samples of the
    // whole window peaked at 5.3 GB RSS before the limit.
    const handle = api.reliability.client.infill({
      segments: [{ kind: 'text', text: 'x = 1\n'.repeat(600) }, { kind: 'hole', length: 300 }],
      sampler: { ...DEFAULT_SAMPLER_OPTIONS, steps: 4 },
      seed: 1,
      samples: 64,
      maxFramesPerSecond: 0,
    });
    const error = await handle.result.then(() => undefined, (e: Error & { code?: string }) => e);
    assert.ok(error, 'the huge batch ran');
    assert.equal(error.code, 'bad-request');
    assert.match(error.message, /64 samples of (300 hole tokens|\d+ tokens \(the holes and the text between them\)) need \d+ MiB .* Ask for at most \d+ samples/);
    assert.ok(Date.now() - started < 20_000, 'refused quickly');
    const grewMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    assert.ok(grewMb < 200, `RSS grew ${grewMb.toFixed(0)} MB`);
    say(`      (${model.name}: refused in ${Date.now() - started} ms; RSS +${grewMb.toFixed(0)} MB)`);
    const editor = await openEditor(SOURCE);
    editor.selection = select(editor, 'greet("world")');
    await runCommand(api, 'diffusionInfill.infillSelection', editor.document);
    assert.equal(editor.document.getText(), SOURCE);
  });
});
