/** sameData, table-driven: structural equality of JSON-like data, key order ignored (kills `npm run mutate` survivors in diff.ts). */
import { sameData } from '../../src/diff/diff';

test.each([
  [1, 1, true],
  [1, 2, false],
  ['a', 'a', true],
  [null, null, true],
  [null, {}, false],
  [{}, null, false],
  [1, {}, false],
  [{}, 1, false],
  [{}, {}, true],
  [[], [], true],
  [[], {}, false],
  [{}, [], false],
  [[1, 2], [1, 2], true],
  [[1, 2], [2, 1], false],
  [[1], [1, 1], false],
  [{ a: 1, b: 2 }, { b: 2, a: 1 }, true],
  [{ a: 1 }, { a: 2 }, false],
  [{ a: 1 }, { b: 1 }, false],
  [{ a: undefined }, { b: undefined }, false],
  [{ a: { x: [1, { y: 2 }] } }, { a: { x: [1, { y: 2 }] } }, true],
  [{ a: { x: [1, { y: 2 }] } }, { a: { x: [1, { y: 3 }] } }, false],
  [{ a: 1 }, { a: 1, b: 2 }, false],
  [{ constructor: 1 }, { toString: 1 }, false],
])('sameData(%j, %j) = %p', (a, b, want) => {
  expect(sameData(a, b)).toBe(want);
  expect(sameData(b, a)).toBe(want);
});
