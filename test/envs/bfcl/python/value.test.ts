import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Ellipsis,
  PyDict,
  PyTuple,
  deepCopy,
  floatRepr,
  jsonDumps,
  pyEq,
  pyRepr,
  pyStr,
  strRepr,
} from '../../../../src/envs/bfcl/python/value.js';

// Expected strings below were printed by CPython 3.11.7 (repr(x) / json.dumps(x)).
test('floatRepr matches Python repr for floats', () => {
  const cases: Array<[number, string]> = [
    [5.0, '5.0'],
    [0.1, '0.1'],
    [1e16, '1e+16'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [123456789012345678.0, '1.2345678901234568e+17'],
    [1234567890123456.0, '1234567890123456.0'],
    [-2.5e-7, '-2.5e-07'],
    [1 / 3, '0.3333333333333333'],
    [9933.53, '9933.53'],
    [1e22, '1e+22'],
    [2 ** 60, '1.152921504606847e+18'],
    [100.0, '100.0'],
    [-0.0, '-0.0'],
    [Infinity, 'inf'],
  ];
  for (const [x, want] of cases) assert.equal(floatRepr(x), want, `repr(${x})`);
  assert.equal(jsonDumps(Infinity), 'Infinity');
  assert.equal(jsonDumps(NaN), 'NaN');
});

test('strRepr picks quotes and escapes like Python', () => {
  assert.equal(strRepr("it's"), `"it's"`);
  assert.equal(strRepr('say "hi"'), `'say "hi"'`);
  assert.equal(strRepr(`both ' "`), `'both \\' "'`);
  assert.equal(
    strRepr('tab\tnl\n\x01\x7f é \u200b \u{1F600} \u00a0'),
    "'tab\\tnl\\n\\x01\\x7f é \\u200b \u{1F600} \\xa0'",
  );
});

test('str() of containers uses repr of items, tuples keep their trailing comma', () => {
  const d = PyDict.of({
    a: new PyTuple([1n]),
    b: new PyTuple([1n, 2n]),
    c: [],
    d: new PyDict(),
    e: null,
    f: 1.0,
    g: "it's",
  });
  assert.equal(pyStr(d), `{'a': (1,), 'b': (1, 2), 'c': [], 'd': {}, 'e': None, 'f': 1.0, 'g': "it's"}`);
  assert.equal(pyStr('plain'), 'plain');
  assert.equal(pyRepr([true, false, 3n, 3.0]), '[True, False, 3, 3.0]');
  assert.equal(pyStr([Ellipsis]), '[Ellipsis]');
});

test('jsonDumps follows json.dumps defaults, keys coerced to str, later equal keys overwrite the value', () => {
  const d = new PyDict([
    ['a', [1n, 2.0, true, null, 'é\u{1F600}\x7f']],
    [1n, 'x'],
    [2.5, 'y'],
    [true, 'z'], // True == 1: same key, Python keeps the key 1 and the value 'z'
    [null, 'n'],
  ]);
  assert.equal(
    jsonDumps(d),
    '{"a": [1, 2.0, true, null, "\\u00e9\\ud83d\\ude00\\u007f"], "1": "z", "2.5": "y", "null": "n"}',
  );
  assert.throws(() => jsonDumps([Ellipsis]), { name: 'TypeError', message: 'Object of type ellipsis is not JSON serializable' });
});

test('pyEq: 1 == 1.0 == True, lists never equal tuples, dicts ignore order', () => {
  assert.ok(pyEq(1n, 1.0));
  assert.ok(pyEq(true, 1n));
  assert.ok(!pyEq(1n, '1'));
  assert.ok(!pyEq(null, 0n));
  assert.ok(pyEq([1n, 2.5], [1.0, 2.5]));
  assert.ok(!pyEq([1n], new PyTuple([1n])));
  assert.ok(pyEq(PyDict.of({ a: 1n, b: [2n] }), PyDict.of({ b: [2.0], a: 1.0 })));
  assert.ok(!pyEq(PyDict.of({ a: 1n }), PyDict.of({ a: 1n, b: 2n })));
  assert.ok(pyEq(2n ** 60n, 2 ** 60));
  assert.ok(!pyEq(2n ** 60n + 1n, 2 ** 60));
  assert.ok(!pyEq(NaN, NaN));
});

test('PyDict looks keys up with Python hash equality and raises KeyError with the repr', () => {
  const d = new PyDict([[1n, 'one'], ['1', 'str one']]);
  assert.equal(d.get(1.0), 'one');
  assert.equal(d.get(true), 'one');
  assert.equal(d.get('1'), 'str one');
  assert.throws(() => d.getItem('x'), { name: 'KeyError', message: "'x'" });
  assert.throws(() => d.set([1n], 'a'), { name: 'TypeError', message: "unhashable type: 'list'" });
  d.set(1.0, 'uno');
  assert.deepEqual(d.keys(), [1n, '1']);
  assert.equal(d.get(1n), 'uno');
});

test('deepCopy copies containers and keeps int/float types', () => {
  const src = PyDict.of({ list: [1n, 2.0], nested: PyDict.of({ t: new PyTuple([1n]) }) });
  const copy = deepCopy(src);
  assert.ok(pyEq(copy, src));
  (copy.getItem('list') as unknown[]).push(3n);
  assert.equal((src.getItem('list') as unknown[]).length, 2);
  assert.equal(pyRepr(copy), "{'list': [1, 2.0, 3], 'nested': {'t': (1,)}}");
});
