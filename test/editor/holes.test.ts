import { test } from 'node:test';
import assert from 'node:assert/strict';
import { moveThroughChanges, touchesHole } from '../../src/editor/holes';

const hole = { start: 10, end: 20 };
const insert = (at: number, text: string) => ({ rangeOffset: at, rangeLength: 0, text });
const del = (at: number, length: number) => ({ rangeOffset: at, rangeLength: length, text: '' });

test('edits before a hole move it, edits after leave it', () => {
  assert.deepEqual(moveThroughChanges([hole], [insert(0, 'abc')]), [{ start: 13, end: 23 }]);
  assert.deepEqual(moveThroughChanges([hole], [del(2, 5)]), [{ start: 5, end: 15 }]);
  assert.deepEqual(moveThroughChanges([hole], [insert(25, 'x')]), [{ start: 10, end: 20 }]);
});

test('typing exactly at either boundary stays outside the hole', () => {
  assert.deepEqual(moveThroughChanges([hole], [insert(10, 'ab')]), [{ start: 12, end: 22 }]);
  assert.deepEqual(moveThroughChanges([hole], [insert(20, 'ab')]), [{ start: 10, end: 20 }]);
  assert.deepEqual(moveThroughChanges([hole], [del(5, 5)]), [{ start: 5, end: 15 }]);
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
  assert.deepEqual(moveThroughChanges([at], [del(6, 1)]), [{ start: 6, end: 6 }]);
});

test('changes of one event apply one after another, as the extension host applies them', () => {
  // Multi-cursor typing: VS Code sends the later position first.
  const moved = moveThroughChanges([hole, { start: 30, end: 35 }], [insert(25, 'yy'), insert(5, 'x')]);
  assert.deepEqual(moved, [{ start: 11, end: 21 }, { start: 33, end: 38 }]);
});
