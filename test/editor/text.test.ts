import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSegments, toEol, toLf } from '../../src/editor/text';
import { MASK_GLYPH, NEWLINE_GLYPH, previewLines, previewRuns, previewString, visibleText } from '../../src/editor/previewText';
import { TokenState } from '../../src/core/types';

test('line endings: the model sees LF, the document gets its own EOL back', () => {
  assert.equal(toLf('a\r\nb\r\n'), 'a\nb\n');
  assert.equal(toEol('a\nb\r\nc', '\r\n'), 'a\r\nb\r\nc');
  assert.equal(toEol('a\r\nb', '\n'), 'a\nb');
});

test('segments: context around holes, holes in order, CRLF context normalised', () => {
  const doc = 'aaaa\r\nXX bb YY cc';
  const segs = buildSegments(doc, [{ start: 15, end: 17, length: 3 }, { start: 6, end: 8, length: 2 }], 100);
  assert.deepEqual(segs, [
    { kind: 'text', text: 'aaaa\n' },
    { kind: 'hole', length: 2 },
    { kind: 'text', text: ' bb YY ' },
    { kind: 'hole', length: 3 },
  ]);
  const cropped = buildSegments('0123456789', [{ start: 5, end: 5, length: 4, initial: 'q' }], 2, 'P');
  assert.deepEqual(cropped, [
    { kind: 'text', text: '34P' },
    { kind: 'hole', length: 4, initial: 'q' },
    { kind: 'text', text: '56' },
  ]);
});

test('preview: masks as glyphs, newlines visible, runs merged by state and capped', () => {
  const tok = (text: string, state: TokenState) => ({ text, state, confidence: 0 });
  const tokens = [tok('def', TokenState.Settled), tok(' f', TokenState.Settled), tok('', TokenState.Masked), tok('\n\t', TokenState.Decoded), tok('x', TokenState.Remasked)];
  assert.equal(previewString(tokens, 2), `def\u00a0f${MASK_GLYPH}${NEWLINE_GLYPH}\u00a0\u00a0x`);
  const runs = previewRuns(tokens, 2, 10);
  assert.deepEqual(runs.map((r) => r.state), [TokenState.Settled, TokenState.Masked, TokenState.Decoded, TokenState.Remasked]);
  assert.equal(runs.map((r) => r.text).join(''), previewString(tokens, 2));
  const capped = previewRuns(tokens, 2, 2);
  assert.equal(capped.length, 2);
  assert.equal(capped.map((r) => r.text).join(''), previewString(tokens, 2), 'no text is lost when runs are capped');
  assert.equal(visibleText('a\r\nb', 4), `a${NEWLINE_GLYPH}b`);
});

test('preview lines: the text keeps its line breaks up to the hole\'s lines, the rest joins the last one', () => {
  const tok = (text: string, state: TokenState) => ({ text, state, confidence: 0 });
  const tokens = [tok('if x:', TokenState.Settled), tok('\n    y', TokenState.Decoded), tok('', TokenState.Masked), tok('\n', TokenState.Settled), tok('z', TokenState.Settled)];
  const text = (lines: { text: string }[][]) => lines.map((l) => l.map((r) => r.text).join('').replace(/\u00a0/g, ' '));
  assert.deepEqual(text(previewLines('', tokens, 4, 48, 5)), ['if x:', `    y${MASK_GLYPH}`, 'z']);
  assert.deepEqual(text(previewLines('', tokens, 4, 48, 2)), ['if x:', `    y${MASK_GLYPH}${NEWLINE_GLYPH}z`]);
  assert.deepEqual(text(previewLines('', tokens, 4, 48, 1)), [`if x:${NEWLINE_GLYPH}    y${MASK_GLYPH}${NEWLINE_GLYPH}z`]);
  // Accepted text comes first in its own style, and may itself span lines.
  const withAccepted = previewLines('a\r\nb', tokens, 4, 48, 9);
  assert.deepEqual(text(withAccepted), ['a', 'bif x:', `    y${MASK_GLYPH}`, 'z']);
  assert.deepEqual(withAccepted[1].map((r) => r.state), ['accepted', TokenState.Settled]);
  // A trailing line break leaves an empty last line (the hole's next line gets nothing drawn).
  assert.deepEqual(text(previewLines('', [tok('x\n', TokenState.Settled)], 4, 48, 3)), ['x', '']);
});
