import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PyTuple } from '../../../../src/envs/bfcl/python/value.js';
import {
  pyAdd,
  pyCompare,
  pyFloorDiv,
  pyMod,
  pyMul,
  pyRound,
  pySub,
  pyTrueDiv,
} from '../../../../src/envs/bfcl/python/ops.js';

test('int op int stays int, any float makes a float', () => {
  assert.equal(pyAdd(2n, 3n), 5n);
  assert.equal(pyAdd(2n, 3.0), 5.0);
  assert.equal(pySub(true, 1n), 0n);
  assert.equal(pyMul(3n, 0.5), 1.5);
  assert.equal(pyTrueDiv(7n, 2n), 3.5);
  assert.equal(pyTrueDiv(10n ** 30n, 3n), 3.333333333333333e29);
  assert.equal(pyFloorDiv(-7n, 2n), -4n);
  assert.equal(pyMod(-7n, 2n), 1n);
  assert.equal(pyMod(7.5, -2n), -0.5);
  assert.equal(pyAdd('a', 'b'), 'ab');
  assert.deepEqual(pyMul(new PyTuple([1n]), 2n), new PyTuple([1n, 1n]));
  assert.deepEqual(pyMul(2n, [1n, 'x']), [1n, 'x', 1n, 'x']);
  assert.equal(pyMul('ab', 2n), 'abab');
});

test('Python error texts for bad operands and zero division', () => {
  assert.throws(() => pyAdd(1n, 'a'), { name: 'TypeError', message: "unsupported operand type(s) for +: 'int' and 'str'" });
  assert.throws(() => pyAdd('a', 1n), { name: 'TypeError', message: 'can only concatenate str (not "int") to str' });
  assert.throws(() => pyTrueDiv(1n, 0n), { name: 'ZeroDivisionError', message: 'division by zero' });
  // CPython 3.11.7: (1, 2) * 1.5, [1] * 1.5, 1.5 * 'a'
  for (const [x, y] of [[new PyTuple([1n, 2n]), 1.5], [[1n], 1.5], [1.5, 'a']] as const) {
    assert.throws(() => pyMul(x as never, y as never), { name: 'TypeError', message: "can't multiply sequence by non-int of type 'float'" });
  }
  assert.throws(() => pyTrueDiv(1.0, 0n), { name: 'ZeroDivisionError', message: 'float division by zero' });
  assert.throws(() => pyCompare('<', 'a', 1n), {
    name: 'TypeError',
    message: "'<' not supported between instances of 'str' and 'int'",
  });
});

test('round is half-even on the exact binary value (values from CPython)', () => {
  assert.equal(pyRound(2.675, 2n), 2.67);
  assert.equal(pyRound(2.5), 2n);
  assert.equal(pyRound(3.5), 4n);
  assert.equal(pyRound(-0.5), 0n);
  assert.equal(pyRound(1234.5678, -2n), 1200.0);
  assert.equal(pyRound(1250n, -2n), 1200n);
  assert.equal(pyRound(0.125, 2n), 0.12);
  assert.equal(pyRound(1e300, 2n), 1e300);
  assert.ok(pyCompare('<', 1n, 1.5) && pyCompare('>=', 2n ** 60n, 2 ** 60));
});
