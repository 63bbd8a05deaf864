import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonLoads } from '../../../../src/envs/bfcl/python/json.js';
import { PyDict, jsonDumps, pyRepr } from '../../../../src/envs/bfcl/python/value.js';

test('jsonLoads keeps ints and floats apart', () => {
  const v = jsonLoads('{"balance": 10000.0, "count": 3, "exp": 1e5, "neg": -0.5, "big": 123456789012345678901}');
  assert.ok(v instanceof PyDict);
  assert.equal(v.get('balance'), 10000.0);
  assert.equal(typeof v.get('balance'), 'number');
  assert.equal(v.get('count'), 3n);
  assert.equal(v.get('exp'), 100000);
  assert.equal(v.get('big'), 123456789012345678901n);
  assert.equal(pyRepr(v), "{'balance': 10000.0, 'count': 3, 'exp': 100000.0, 'neg': -0.5, 'big': 123456789012345678901}");
});

test('jsonLoads handles escapes, nesting and literals, and round-trips through jsonDumps', () => {
  const text = '{"s": "a\\"b\\u00e9\\n", "l": [true, false, null, [], {}], "k": {"x": [1, 2.5]}}';
  const v = jsonLoads(text);
  assert.equal(pyRepr(v), `{'s': 'a"bé\\n', 'l': [True, False, None, [], {}], 'k': {'x': [1, 2.5]}}`);
  assert.equal(jsonDumps(v), text);
});

test('jsonLoads rejects malformed text', () => {
  assert.throws(() => jsonLoads('{"a": 1,}'), { name: 'ValueError' });
  assert.throws(() => jsonLoads('[1 2]'), { name: 'ValueError' });
  assert.throws(() => jsonLoads('"open'), { name: 'ValueError' });
  assert.throws(() => jsonLoads('1 x'), { name: 'ValueError' });
});
