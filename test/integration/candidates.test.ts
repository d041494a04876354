// Candidates and partial accept against the real embedded model: cycling shows the other samples
// and Accept writes the one shown; a word / line taken by a partial accept is written only with the
// rest, in one undo step, and Reject leaves the original.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { describe, it } from 'mocha';
import type { DiffusionInfillApi } from '../../src/editor/extension';
import { nextLine, nextWord } from '../../src/editor/partialAccept';
import type { Session } from '../../src/editor/session';
import { FAST, openEditor, runCommand, select, useSettings, useSuite } from './helpers';

const SOURCE = 'def add(a, b):\n    total = a + b\n    return total\n\n\ndef mul(a, b):\n    return a * b\n';
const HOLE = 'total = a + b\n    return total';

function shownText(session: Session, hole = 0): string {
  return session.holes[hole].tokens.map((t) => t.text).join('');
}

describe('Candidates', () => {
  let api!: DiffusionInfillApi;
  // Full-vocabulary sampling over a 10-token hole: three samples all alike is vanishingly rare.
  useSuite({ ...FAST, candidates: 3, 'sampler.strategy': 'mdlm', 'sampler.topP': 1, 'sampler.temperature': 1.5 }, (got) => (api = got));

  it('draws K samples in one run; cycling shows each, wraps, and Accept writes the shown one', async () => {
    const editor = await openEditor(SOURCE);
    const doc = editor.document;
    editor.selection = select(editor, HOLE);
    const session = await runCommand(api, 'diffusionInfill.infillSelection', doc);
    assert.equal(api.lastRequest()?.samples, 3, 'the worker was not asked for 3 samples');
    assert.equal(session.result?.samples.length, 3);
    const n = session.candidates.length;
    assert.ok(n >= 2, `expected distinct candidates, got ${JSON.stringify(session.candidates)}`);
    assert.equal(new Set(session.candidates.map((c) => JSON.stringify(c))).size, n, 'duplicates were not merged');
    assert.equal(shownText(session), session.candidates[0][0]);
    assert.match(api.statusText(), new RegExp(`1/${n}`));

    assert.equal(await vscode.commands.executeCommand('diffusionInfill.nextCandidate'), true);
    assert.equal(session.shown, 1);
    assert.equal(shownText(session), session.candidates[1][0]);
    assert.match(api.statusText(), new RegExp(`2/${n}`));
    assert.notEqual(shownText(session), session.candidates[0][0]);
    await vscode.commands.executeCommand('diffusionInfill.previousCandidate');
    await vscode.commands.executeCommand('diffusionInfill.previousCandidate');
    assert.equal(session.shown, n - 1, 'previous from the first must wrap to the last');
    assert.equal(doc.getText(), SOURCE, 'cycling changed the document');

    const chosen = session.candidates[n - 1][0];
    assert.equal(await vscode.commands.executeCommand('diffusionInfill.accept'), true);
    assert.equal(doc.getText(), SOURCE.replace(HOLE, () => chosen));
    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), SOURCE);
  });

  it('identical samples are offered once', async () => {
    // One token, greedy: every sample is the same.
    const restoreGreedy = await useSettings({ 'sampler.topK': 1, 'length.policy': 'fixed', 'length.fixed': 1 });
    try {
      const editor = await openEditor(SOURCE);
      editor.selection = select(editor, 'total');
      const session = await runCommand(api, 'diffusionInfill.infillSelection', editor.document);
      assert.equal(session.result?.samples.length, 3);
      assert.equal(session.candidates.length, 1);
      assert.equal(await vscode.commands.executeCommand('diffusionInfill.nextCandidate'), false);
      assert.doesNotMatch(api.statusText(), /1\/1/);
    } finally {
      await restoreGreedy();
    }
  });
});

describe('Partial accept', () => {
  let api!: DiffusionInfillApi;
  useSuite({ ...FAST, candidates: 3, 'sampler.strategy': 'mdlm' }, (got) => (api = got));

  it('takes a word, then a line, into the preview; Accept writes them with the rest in one undo step', async () => {
    const editor = await openEditor(SOURCE);
    const doc = editor.document;
    editor.selection = select(editor, HOLE);
    const session = await runCommand(api, 'diffusionInfill.infillSelection', doc);
    const start = SOURCE.indexOf(HOLE);
    const before = SOURCE.slice(0, start);
    const afterHole = SOURCE.slice(start + HOLE.length);
    const full = session.candidates[session.shown][0];

    const word = nextWord(full);
    assert.equal(await vscode.commands.executeCommand('diffusionInfill.acceptWord'), true);
    assert.equal(doc.getText(), SOURCE, 'a partial accept must not write: the original stays until the end');
    let rest = full.slice(word.length);
    if (rest === '') return; // a one-word sample: the word accepted the whole result
    assert.equal(session.phase, 'ready');
    assert.equal(session.holes[0].accepted, word);
    assert.equal(shownText(session), rest, 'the rest of the candidate must stay in preview');
    assert.ok(session.candidates.every((c) => c.length === 1));
    // The next request continues after the taken word: it is context now.
    const texts = session.request.segments.filter((s) => s.kind === 'text').map((s) => (s.kind === 'text' ? s.text : ''));
    assert.ok(texts[0].endsWith(before.slice(-20) + word), 'the taken word is not context of the rest');
    const line = nextLine(rest);
    assert.equal(await vscode.commands.executeCommand('diffusionInfill.acceptLine'), true);
    rest = rest.slice(line.length);
    // A line that takes all that is left accepts the whole result; otherwise still nothing is written.
    if (rest !== '') {
      assert.equal(doc.getText(), SOURCE);
      assert.equal(session.holes[0].accepted, word + line);
      assert.equal(await vscode.commands.executeCommand('diffusionInfill.accept'), true);
    }
    assert.equal(doc.getText(), before + full + afterHole);
    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), SOURCE, 'one undo must restore the original after partial accepts');
  });

  it('accepting word by word writes the whole candidate and ends the session', async () => {
    const restoreLen = await useSettings({ 'length.policy': 'fixed', 'length.fixed': 4 });
    try {
      const editor = await openEditor('x = [1, 2, 3]\ny = 0\n', 'py');
      const doc = editor.document;
      editor.selection = select(editor, '1, 2, 3');
      const session = await runCommand(api, 'diffusionInfill.infillSelection', doc);
      const full = session.candidates[session.shown][0];
      let guard = 0;
      while (api.session(doc) && guard++ < 40) assert.equal(await vscode.commands.executeCommand('diffusionInfill.acceptWord'), true);
      assert.equal(api.session(doc), undefined);
      assert.equal(session.closeReason, 'accepted');
      assert.equal(doc.getText(), `x = [${full}]\ny = 0\n`);
      await vscode.commands.executeCommand('undo');
      assert.equal(doc.getText(), 'x = [1, 2, 3]\ny = 0\n', 'one undo restores the original');
    } finally {
      await restoreLen();
    }
  });

  it('reroll after a partial accept re-samples only the rest, after the written text', async () => {
    const editor = await openEditor(SOURCE);
    const doc = editor.document;
    editor.selection = select(editor, HOLE);
    const session = await runCommand(api, 'diffusionInfill.infillSelection', doc);
    const full = session.candidates[session.shown][0];
    const word = nextWord(full);
    if (word === full) return; // nothing left to re-sample (a one-word sample)
    await vscode.commands.executeCommand('diffusionInfill.acceptWord');
    await vscode.commands.executeCommand('diffusionInfill.reroll');
    await session.whenIdle();
    assert.equal(session.phase, 'ready');
    const hole = api.lastRequest()!.segments.find((s) => s.kind === 'hole');
    assert.ok(hole && hole.kind === 'hole' && hole.length >= 1);
    assert.equal(doc.getText(), SOURCE, 'reroll wrote something');
    assert.equal(session.holes[0].accepted, word, 'reroll dropped the taken word');
    assert.equal(await vscode.commands.executeCommand('diffusionInfill.accept'), true);
    const start = SOURCE.indexOf(HOLE);
    assert.equal(doc.getText(), SOURCE.slice(0, start) + word + session.candidates[session.shown][0] + SOURCE.slice(start + HOLE.length));
  });

  it('reject after a partial accept leaves the original exactly as it was', async () => {
    const editor = await openEditor(SOURCE);
    const doc = editor.document;
    editor.selection = select(editor, HOLE);
    const session = await runCommand(api, 'diffusionInfill.infillSelection', doc);
    const full = session.candidates[session.shown][0];
    if (nextWord(full) === full) return; // a one-word sample leaves no preview to reject
    await vscode.commands.executeCommand('diffusionInfill.acceptWord');
    assert.equal(session.phase, 'ready');
    await vscode.commands.executeCommand('diffusionInfill.reject');
    assert.equal(doc.getText(), SOURCE);
    assert.equal(api.session(doc), undefined);
    assert.equal(session.closeReason, 'rejected');
  });

  it('CRLF: a partial accept across a line break writes the document line ending', async () => {
    const crlf = SOURCE.replace(/\n/g, '\r\n');
    const editor = await openEditor(crlf);
    const doc = editor.document;
    assert.equal(doc.eol, vscode.EndOfLine.CRLF);
    editor.selection = select(editor, HOLE.replace(/\n/g, '\r\n'));
    const session = await runCommand(api, 'diffusionInfill.infillSelection', doc);
    let guard = 0;
    while (api.session(doc) && guard++ < 60) await vscode.commands.executeCommand('diffusionInfill.acceptLine');
    assert.equal(session.closeReason, 'accepted');
    assert.ok(!/(^|[^\r])\n/.test(doc.getText()), 'a bare LF was written into a CRLF document');
  });
});
