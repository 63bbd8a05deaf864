import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareCodePoints, formatFixed, sortedStrings, splitWhitespace, splitlines, strip, utf8Length } from '../../../../src/envs/bfcl/python/strings.js';
import { asStr, getItem, listRemove, pyIn, pyIter, zfill } from '../../../../src/envs/bfcl/python/builtins.js';
import { PyDict, PyTuple } from '../../../../src/envs/bfcl/python/value.js';

// Expected values printed by CPython 3.11.7.
test('str methods follow Python: splitlines, split, strip, ordering, byte length', () => {
  assert.deepEqual(splitlines('a\nb\r\nc\rd\x0be\u2028f\n'), ['a', 'b', 'c', 'd', 'e', 'f']);
  assert.deepEqual(splitlines(''), []);
  assert.deepEqual(splitlines('\n'), ['']);
  assert.deepEqual(splitWhitespace('  a\tb\x1c c\u00a0d  '), ['a', 'b', 'c', 'd']);
  assert.equal(strip('//a/b//', '/'), 'a/b');
  assert.equal(strip('//a/b//', '/', 'right'), '//a/b');
  assert.deepEqual(sortedStrings(['b', 'B', '\uff21', '\u{1F600}', 'a']), ['B', 'a', 'b', '\uff21', '\u{1F600}']);
  assert.ok(compareCodePoints('\u{1F600}', '\uffff') > 0);
  assert.equal(utf8Length('é\u{1F600}'), 6);
});

test('formatFixed rounds the exact binary value half-even, like f"{x:.2f}"', () => {
  assert.equal(formatFixed(0.125, 2), '0.12');
  assert.equal(formatFixed(0.375, 2), '0.38');
  assert.equal(formatFixed(2.675, 2), '2.67');
  assert.equal(formatFixed(1023, 2), '1023.00');
  assert.equal(formatFixed(-0.001, 2), '-0.00');
  assert.equal(formatFixed(1e22, 1), '10000000000000000000000.0');
});

test('builtins raise Python errors for wrong types', () => {
  assert.ok(pyIn('a', 'cat') && pyIn(1.0, [1n]) && pyIn(1n, new PyDict([[1.0, 'x']])));
  assert.throws(() => pyIn('a', 5n), { name: 'TypeError', message: "argument of type 'int' is not iterable" });
  assert.throws(() => pyIn(1n, 'abc'), { name: 'TypeError', message: "'in <string>' requires string as left operand, not int" });
  assert.throws(() => asStr(['x'], 'lower'), { name: 'AttributeError', message: "'list' object has no attribute 'lower'" });
  assert.equal(getItem(['a', 'b'], -1n), 'b');
  assert.throws(() => getItem(['a'], 1n), { name: 'IndexError', message: 'list index out of range' });
  assert.throws(() => getItem(['a'], 0.0), { name: 'TypeError', message: 'list indices must be integers or slices, not float' });
  assert.throws(() => getItem(PyDict.of({}), 0n), { name: 'KeyError', message: '0' });
  // CPython 3.11.7: 'abc'['x'] and (1,)['x']
  assert.throws(() => getItem('abc', 'x'), { name: 'TypeError', message: "string indices must be integers, not 'str'" });
  assert.throws(() => getItem(new PyTuple([1n]), 'x'), { name: 'TypeError', message: 'tuple indices must be integers or slices, not str' });
  const xs = [1n, 2n, 1n];
  listRemove(xs, 1.0);
  assert.deepEqual(xs, [2n, 1n]);
  assert.equal(zfill('7', 3), '007');
  assert.equal(zfill('-7', 4), '-007');
  assert.deepEqual(pyIter('ab'), ['a', 'b']);
});
