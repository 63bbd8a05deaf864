import { decimalFromFloat, decimalFromInt, decimalSqrt, DecimalObject } from '../python/decimal.js';
import {
  MpcObject,
  MpfObject,
  dpsToPrec,
  mpfDiv,
  mpfFromFloat,
  mpfFromInt,
  mpfLog,
  mpfPi,
  type Mpf,
} from '../python/mpmath.js';
import {
  isPyInt,
  isPyNum,
  pyAbs,
  pyAdd,
  pyCompare,
  pyFloat,
  pyInt,
  pyMul,
  pyRound,
  pySub,
  pySum,
  pyTrueDiv,
  toFloat,
} from '../python/ops.js';
import { pyIter } from '../python/builtins.js';
import { PyDict, PyException, pyEq, pyStr, pyTruthy, pyTypeName, typeError, valueError, type PyValue } from '../python/value.js';
import { defineApiClass, sig, type ApiInstance } from './contract.js';

/**
 * Port of math_api.py (MathAPI, stateless). Where the original catches TypeError (or decimal's InvalidOperation)
 * and returns an error dict, so does the port; other exceptions propagate to the executor as in Python.
 */
function catchTypeError(error: string, body: () => PyValue): PyValue {
  try {
    return body();
  } catch (e) {
    if (e instanceof PyException && e.pyType === 'TypeError') return PyDict.of({ error });
    throw e;
  }
}

const result = (v: PyValue): PyDict => PyDict.of({ result: v });

/** `isinstance(v, (int, float))` (bool is an int). */
const isNumber = (v: PyValue): boolean => isPyNum(v);

/** `mpmath.mp.dps = n` applies int() to n. */
function precisionFromDps(n: PyValue): number {
  return dpsToPrec(Number(pyInt(n)));
}

/** mpmath's conversion of a log() argument to an mpf (exact for ints and floats). */
function toMpf(v: PyValue): Mpf {
  if (typeof v === 'number') return mpfFromFloat(v);
  if (isPyInt(v)) return mpfFromInt(typeof v === 'boolean' ? (v ? 1n : 0n) : v);
  if (typeof v === 'string') return mpfFromFloat(pyFloat(v));
  throw typeError(`cannot create mpf from ${pyStr(v)}`);
}

export class MathAPI implements ApiInstance {
  loadScenario(): void {
    // Stateless: the original never loads a scenario into MathAPI.
  }

  publicState(): Record<string, PyValue> {
    return {};
  }

  logarithm(value: PyValue, base: PyValue, precision: PyValue): PyValue {
    try {
      const prec = precisionFromDps(precision);
      const x = toMpf(value);
      const b = toMpf(base);
      const lb = mpfLog(b, prec);
      if (lb === null) throw valueError('logarithm of a negative base is not ported');
      const lx = mpfLog(x, prec);
      if (lx === null) {
        // log of a negative number is complex: log|x| + i*pi.
        const abs = x.kind === 'finite' ? { ...x, neg: false } : ({ kind: 'inf' } as const);
        const re = mpfLog(abs, prec)!;
        return result(new MpcObject(mpfDiv(re, lb, prec), mpfDiv(mpfPi(prec), lb, prec), prec));
      }
      return result(new MpfObject(mpfDiv(lx, lb, prec), prec));
    } catch (e) {
      if (e instanceof PyException) return PyDict.of({ error: e.message });
      throw e;
    }
  }

  mean(numbers: PyValue): PyValue {
    if (!pyTruthy(numbers)) return PyDict.of({ error: 'Cannot calculate mean of an empty list' });
    return catchTypeError('All elements in the list must be numbers', () => {
      const items = pyIter(numbers);
      return result(pyTrueDiv(pySum(items), BigInt(items.length)));
    });
  }

  standard_deviation(numbers: PyValue): PyValue {
    if (!pyTruthy(numbers)) return PyDict.of({ error: 'Cannot calculate standard deviation of an empty list' });
    return catchTypeError('All elements in the list must be numbers', () => {
      const items = pyIter(numbers);
      const n = BigInt(items.length);
      const mean = pyTrueDiv(pySum(items), n);
      const squares = items.map((x) => {
        const d = pySub(x, mean);
        return pyMul(d, d);
      });
      const variance = pyTrueDiv(pySum(squares), n);
      if (variance < 0) throw valueError('math domain error');
      return result(Math.sqrt(variance));
    });
  }

  si_unit_conversion(value: PyValue, unit_in: PyValue, unit_out: PyValue): PyValue {
    const toMeters = new PyDict([
      ['km', 1000n],
      ['m', 1n],
      ['cm', 0.01],
      ['mm', 0.001],
      ['um', 1e-6],
      ['nm', 1e-9],
    ]);
    const fromMeters = new PyDict(toMeters.entries().map(([u, f]) => [u, pyTrueDiv(1n, f)] as const));
    if (!isNumber(value)) return PyDict.of({ error: 'Value must be a number' });
    if (!toMeters.has(unit_in) || !fromMeters.has(unit_out)) {
      return PyDict.of({ error: `Conversion from '${pyStr(unit_in)}' to '${pyStr(unit_out)}' is not supported` });
    }
    const inMeters = pyMul(value, toMeters.getItem(unit_in));
    return result(pyMul(inMeters, fromMeters.getItem(unit_out)));
  }

  imperial_si_conversion(value: PyValue, unit_in: PyValue, unit_out: PyValue): PyValue {
    const conversion = PyDict.of({
      cm_to_in: 0.393701,
      in_to_cm: 2.54,
      m_to_ft: 3.28084,
      ft_to_m: 0.3048,
      m_to_yd: 1.09361,
      yd_to_m: 0.9144,
      km_to_miles: 0.621371,
      miles_to_km: 1.60934,
      kg_to_lb: 2.20462,
      lb_to_kg: 0.453592,
      celsius_to_fahrenheit: 1.8,
      fahrenheit_to_celsius: 5 / 9,
    });
    if (!isNumber(value)) return PyDict.of({ error: 'Value must be a number' });
    if (pyEq(unit_in, unit_out)) return result(value);
    const key = `${pyStr(unit_in)}_to_${pyStr(unit_out)}`;
    if (!conversion.has(key)) {
      return PyDict.of({ error: `Conversion from '${pyStr(unit_in)}' to '${pyStr(unit_out)}' is not supported` });
    }
    const factor = conversion.getItem(key);
    if (pyEq(unit_in, 'celsius') && pyEq(unit_out, 'fahrenheit')) return result(pyAdd(pyMul(value, factor), 32n));
    if (pyEq(unit_in, 'fahrenheit') && pyEq(unit_out, 'celsius')) return result(pyMul(pySub(value, 32n), factor));
    return result(pyMul(value, factor));
  }

  add(a: PyValue, b: PyValue): PyValue {
    return catchTypeError('Both inputs must be numbers', () => result(pyAdd(a, b)));
  }

  subtract(a: PyValue, b: PyValue): PyValue {
    return catchTypeError('Both inputs must be numbers', () => result(pySub(a, b)));
  }

  multiply(a: PyValue, b: PyValue): PyValue {
    if (!isNumber(a) || !isNumber(b)) return PyDict.of({ error: 'Both inputs must be numbers' });
    return result(pyMul(a, b));
  }

  divide(a: PyValue, b: PyValue): PyValue {
    return catchTypeError('Both inputs must be numbers', () => {
      if (pyEq(b, 0n)) return PyDict.of({ error: 'Cannot divide by zero' });
      return result(pyTrueDiv(a, b));
    });
  }

  power(base: PyValue, exponent: PyValue): PyValue {
    return catchTypeError('Both inputs must be numbers', () => result(pyPow(base, exponent)));
  }

  square_root(number: PyValue, precision: PyValue): PyValue {
    const invalid = PyDict.of({ error: 'Input must be a number or computation resulted in an invalid operation' });
    try {
      if (pyCompare('<', number, 0n)) return PyDict.of({ error: 'Cannot calculate square root of a negative number' });
      if (!isPyInt(precision)) throw typeError(`'${pyTypeName(precision)}' object cannot be interpreted as an integer`);
      const prec = typeof precision === 'boolean' ? (precision ? 1 : 0) : Number(precision);
      if (prec < 1) throw valueError('valid range for prec is [1, MAX_PREC]');
      const dec =
        typeof number === 'number'
          ? decimalFromFloat(number)
          : decimalFromInt(typeof number === 'boolean' ? (number ? 1n : 0n) : (number as bigint));
      return result(new DecimalObject(decimalSqrt(dec, prec)));
    } catch (e) {
      if (e instanceof PyException && e.pyType === 'TypeError') return invalid;
      throw e;
    }
  }

  absolute_value(number: PyValue): PyValue {
    return catchTypeError('Input must be a number', () => result(pyAbs(number)));
  }

  round_number(number: PyValue, decimal_places: PyValue): PyValue {
    return catchTypeError('First input must be a number, second input must be an integer', () =>
      result(pyRound(number, decimal_places)),
    );
  }

  percentage(part: PyValue, whole: PyValue): PyValue {
    return catchTypeError('Both inputs must be numbers', () => {
      if (pyEq(whole, 0n)) return PyDict.of({ error: 'Whole value cannot be zero' });
      return result(pyMul(pyTrueDiv(part, whole), 100n));
    });
  }

  min_value(numbers: PyValue): PyValue {
    if (!pyTruthy(numbers)) return PyDict.of({ error: 'Cannot find minimum of an empty list' });
    return catchTypeError('All elements in the list must be numbers', () => result(extreme(numbers, '<')));
  }

  max_value(numbers: PyValue): PyValue {
    if (!pyTruthy(numbers)) return PyDict.of({ error: 'Cannot find maximum of an empty list' });
    return catchTypeError('All elements in the list must be numbers', () => result(extreme(numbers, '>')));
  }

  sum_values(numbers: PyValue): PyValue {
    if (!pyTruthy(numbers)) return PyDict.of({ error: 'Cannot calculate sum of an empty list' });
    return catchTypeError('All elements in the list must be numbers', () => result(pySum(pyIter(numbers))));
  }
}

/** `min`/`max`: the first item that no later item beats (Python keeps the earliest of equal items). */
function extreme(numbers: PyValue, op: '<' | '>'): PyValue {
  const items = pyIter(numbers);
  let best: PyValue = items[0]!;
  for (const x of items.slice(1)) if (pyCompare(op, x, best)) best = x;
  return best;
}

/** `base ** exponent` for numbers: int ** non-negative int stays an int; anything else is a float power. */
function pyPow(base: PyValue, exponent: PyValue): PyValue {
  if (!isPyNum(base) || !isPyNum(exponent)) {
    throw typeError(
      `unsupported operand type(s) for ** or pow(): '${pyTypeName(base)}' and '${pyTypeName(exponent)}'`,
    );
  }
  const b = typeof base === 'boolean' ? (base ? 1n : 0n) : base;
  const e = typeof exponent === 'boolean' ? (exponent ? 1n : 0n) : exponent;
  if (typeof b === 'bigint' && typeof e === 'bigint') {
    if (e >= 0n) return b ** e;
    if (b === 0n) throw new PyException('ZeroDivisionError', '0.0 cannot be raised to a negative power');
    return Math.pow(Number(b), Number(e));
  }
  const x = toFloat(b);
  const y = toFloat(e);
  if (x === 0 && y < 0) throw new PyException('ZeroDivisionError', '0.0 cannot be raised to a negative power');
  if (x < 0 && !Number.isInteger(y)) throw valueError('complex results of a negative base are not ported');
  return Math.pow(x, y);
}

export const MathApiClass = defineApiClass({
  className: 'MathAPI',
  stateless: true,
  create: () => new MathAPI(),
  prototype: MathAPI.prototype,
  methods: {
    absolute_value: sig('number'),
    add: sig('a', 'b'),
    divide: sig('a', 'b'),
    imperial_si_conversion: sig('value', 'unit_in', 'unit_out'),
    logarithm: sig('value', 'base', 'precision'),
    max_value: sig('numbers'),
    mean: sig('numbers'),
    min_value: sig('numbers'),
    multiply: sig('a', 'b'),
    percentage: sig('part', 'whole'),
    power: sig('base', 'exponent'),
    round_number: sig('number', ['decimal_places', 0n]),
    si_unit_conversion: sig('value', 'unit_in', 'unit_out'),
    square_root: sig('number', 'precision'),
    standard_deviation: sig('numbers'),
    subtract: sig('a', 'b'),
    sum_values: sig('numbers'),
  },
});
