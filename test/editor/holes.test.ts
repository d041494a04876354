import { test } from 'node:test';
import assert from 'node:assert/strict';
import { moveThroughChanges, touchesHole, typedAtHole } from '../../src/editor/holes';

const hole = { start: 10, end: 20 };
const insert = (at: number, text: string) => ({ rangeOffset: at, rangeLength: 0, text });
const del = (at: number, length: number) => ({ rangeOffset: at, rangeLength: length, text: '' });

test('edits before a hole move it, edits after leave it', () => {
  assert.deepEqual(moveThroughChanges([hole], [insert(0, 'abc')]), [{ start: 13, end: 23 }]);
  assert.deepEqual(moveThroughChanges([hole], [del(2, 5)]), [{ start: 5, end: 15 }]);
  assert.deepEqual(moveThroughChanges([hole], [insert(25, 'x')]), [{ start: 10, end: 20 }]);
});

test('typing exactly at either boundary is typing at the hole, not an edit of it', () => {
  assert.deepEqual(moveThroughChanges([hole], [insert(10, 'ab')]), { typed: 0 });
  assert.deepEqual(moveThroughChanges([hole], [insert(20, 'ab')]), { typed: 0 });
  assert.deepEqual(moveThroughChanges([hole], [del(5, 5)]), { typed: 0 });
  assert.deepEqual(moveThroughChanges([hole], [del(4, 5)]), [{ start: 5, end: 15 }]);
  // Several cursors: the second change is read against the ranges the first one left.
  assert.deepEqual(moveThroughChanges([{ start: 0, end: 2 }, hole], [insert(5, 'xyz'), insert(13, 'q')]), { typed: 1 });
});

test('any edit inside or across a hole is reported, naming the hole', () => {
  assert.deepEqual(moveThroughChanges([hole], [insert(15, 'x')]), { touched: 0 });
  assert.deepEqual(moveThroughChanges([hole], [del(19, 3)]), { touched: 0 });
  assert.deepEqual(moveThroughChanges([hole], [del(5, 30)]), { touched: 0 });
  assert.deepEqual(moveThroughChanges([{ start: 0, end: 2 }, hole], [insert(11, 'x')]), { touched: 1 });
});

test('an empty hole (generate at the cursor) is touched by typing at it, not by deleting up to it', () => {
  const at = { start: 7, end: 7 };
  assert.equal(touchesHole(at, insert(7, 'x')), true);
  assert.equal(touchesHole(at, del(6, 2)), true);
  assert.equal(touchesHole(at, del(6, 1)), false);
  assert.equal(touchesHole(at, del(7, 1)), false);
  assert.deepEqual(moveThroughChanges([at], [del(6, 1)]), { typed: 0 }); // Backspace at the cursor: typing past the preview
  assert.deepEqual(moveThroughChanges([at], [del(4, 1)]), [{ start: 6, end: 6 }]);
});

test('changes of one event apply one after another, as the extension host applies them', () => {
  // Multi-cursor typing: VS Code sends the later position first.
  const moved = moveThroughChanges([hole, { start: 30, end: 35 }], [insert(25, 'yy'), insert(5, 'x')]);
  assert.deepEqual(moved, [{ start: 11, end: 21 }, { start: 33, end: 38 }]);
});

test('typing right at a hole is told apart from edits elsewhere and from edits inside it', () => {
  assert.equal(typedAtHole(hole, insert(10, 'x')), true);
  assert.equal(typedAtHole(hole, insert(20, 'x')), true);
  assert.equal(typedAtHole(hole, del(9, 1)), true); // Backspace at the start
  assert.equal(typedAtHole(hole, del(20, 1)), true); // Delete at the end
  assert.equal(typedAtHole(hole, insert(9, 'x')), false);
  assert.equal(typedAtHole(hole, insert(21, 'x')), false);
  assert.equal(typedAtHole(hole, insert(15, 'x')), false); // inside: an edit of the hole, not typing past it
  assert.equal(typedAtHole({ start: 10, end: 10 }, insert(10, 'x')), true); // an empty hole has no text to touch
  assert.equal(typedAtHole({ start: 10, end: 10 }, del(9, 3)), false); // deleting across it
  assert.equal(typedAtHole({ start: 10, end: 10 }, del(9, 1)), true);
});
