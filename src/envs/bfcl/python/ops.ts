import {
  PyDict,
  PyException,
  PySet,
  PyTuple,
  pyRepr,
  pyTypeName,
  typeError,
  valueError,
  zeroDivisionError,
  type PyValue,
} from './value.js';
import { compareCodePoints } from './strings.js';

/**
 * Python's numeric operators over the value model (int = bigint, float = number, bool counts as int). An operation
 * on two ints stays an int; any float operand makes the result a float (the int converted with correct rounding,
 * as Python's int.__float__ does). Wrong operand types raise Python's TypeError text.
 */
export type PyNum = bigint | number | boolean;

export function isPyNum(v: PyValue): v is PyNum {
  return typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean';
}

/** True for Python int (including bool, a subclass of int). */
export function isPyInt(v: PyValue): v is bigint | boolean {
  return typeof v === 'bigint' || typeof v === 'boolean';
}

const asInt = (v: bigint | boolean): bigint => (typeof v === 'boolean' ? (v ? 1n : 0n) : v);

/** Python `float(v)` for a number (bool/int/float). */
export function toFloat(v: PyNum): number {
  if (typeof v === 'number') return v;
  return Number(asInt(v));
}

function unsupported(op: string, a: PyValue, b: PyValue): never {
  throw typeError(`unsupported operand type(s) for ${op}: '${pyTypeName(a)}' and '${pyTypeName(b)}'`);
}

/** `a + b` for numbers, str + str, list + list. */
export function pyAdd(a: PyValue, b: PyValue): PyValue {
  if (isPyNum(a) && isPyNum(b)) {
    if (isPyInt(a) && isPyInt(b)) return asInt(a) + asInt(b);
    return toFloat(a) + toFloat(b);
  }
  if (typeof a === 'string' && typeof b === 'string') return a + b;
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (a instanceof PyTuple && b instanceof PyTuple) return new PyTuple([...a.items, ...b.items]);
  if (typeof a === 'string') throw typeError(`can only concatenate str (not "${pyTypeName(b)}") to str`);
  if (Array.isArray(a)) throw typeError(`can only concatenate list (not "${pyTypeName(b)}") to list`);
  return unsupported('+', a, b);
}

/** `a - b` for numbers. */
export function pySub(a: PyValue, b: PyValue): PyValue {
  if (!isPyNum(a) || !isPyNum(b)) return unsupported('-', a, b);
  if (isPyInt(a) && isPyInt(b)) return asInt(a) - asInt(b);
  return toFloat(a) - toFloat(b);
}

/** `a * b` for numbers (str/list/tuple repetition by an int too). */
export function pyMul(a: PyValue, b: PyValue): PyValue {
  if (isPyNum(a) && isPyNum(b)) {
    if (isPyInt(a) && isPyInt(b)) return asInt(a) * asInt(b);
    return toFloat(a) * toFloat(b);
  }
  const isSeq = (v: PyValue) => typeof v === 'string' || Array.isArray(v) || v instanceof PyTuple;
  if (isSeq(a) || isSeq(b)) {
    const seq = isSeq(a) ? a : b;
    const other = seq === a ? b : a;
    if (!isPyInt(other)) throw typeError(`can't multiply sequence by non-int of type '${pyTypeName(other)}'`);
    const n = Math.max(0, Number(asInt(other)));
    if (typeof seq === 'string') return seq.repeat(n);
    const items = seq instanceof PyTuple ? seq.items : (seq as readonly PyValue[]);
    const out: PyValue[] = [];
    for (let i = 0; i < n; i++) out.push(...items);
    return seq instanceof PyTuple ? new PyTuple(out) : out;
  }
  return unsupported('*', a, b);
}

/** `a / b`: always a float; exact for ints whose quotient is representable. */
export function pyTrueDiv(a: PyValue, b: PyValue): number {
  if (!isPyNum(a) || !isPyNum(b)) return unsupported('/', a, b);
  if (isPyInt(a) && isPyInt(b)) {
    const x = asInt(a);
    const y = asInt(b);
    if (y === 0n) throw zeroDivisionError('division by zero');
    // Python divides ints with correct rounding; Number(x)/Number(y) is exact while both fit in 2^53.
    const lim = 2n ** 53n;
    if (x < lim && x > -lim && y < lim && y > -lim) return Number(x) / Number(y);
    return intTrueDivide(x, y);
  }
  const y = toFloat(b);
  if (y === 0) throw zeroDivisionError('float division by zero');
  return toFloat(a) / y;
}

/** Correctly rounded x / y for big ints: 64 extra quotient bits, then one rounding by Number(). */
function intTrueDivide(x: bigint, y: bigint): number {
  const negative = x < 0n !== y < 0n;
  const ax = x < 0n ? -x : x;
  const ay = y < 0n ? -y : y;
  const shift = Math.max(0, 64 - (ax.toString(2).length - ay.toString(2).length));
  const q = (ax << BigInt(shift)) / ay;
  const sticky = (ax << BigInt(shift)) % ay === 0n ? 0n : 1n;
  const value = Number((q << 1n) | sticky) / 2 ** (shift + 1);
  return negative ? -value : value;
}

/** `a // b`: floor division (an int for ints, a float otherwise). */
export function pyFloorDiv(a: PyValue, b: PyValue): PyValue {
  if (!isPyNum(a) || !isPyNum(b)) return unsupported('//', a, b);
  if (isPyInt(a) && isPyInt(b)) {
    const x = asInt(a);
    const y = asInt(b);
    if (y === 0n) throw zeroDivisionError('integer division or modulo by zero');
    const q = x / y;
    return (x % y !== 0n && (x < 0n) !== (y < 0n)) ? q - 1n : q;
  }
  const y = toFloat(b);
  if (y === 0) throw zeroDivisionError('float floor division by zero');
  return Math.floor(toFloat(a) / y);
}

/** `a % b` with the sign of the divisor, as in Python. */
export function pyMod(a: PyValue, b: PyValue): PyValue {
  if (!isPyNum(a) || !isPyNum(b)) return unsupported('%', a, b);
  if (isPyInt(a) && isPyInt(b)) {
    const x = asInt(a);
    const y = asInt(b);
    if (y === 0n) throw zeroDivisionError('integer division or modulo by zero');
    const r = x % y;
    return r !== 0n && (r < 0n) !== (y < 0n) ? r + y : r;
  }
  const x = toFloat(a);
  const y = toFloat(b);
  if (y === 0) throw zeroDivisionError('float modulo');
  const r = x % y;
  return r !== 0 && (r < 0) !== (y < 0) ? r + y : r;
}

/** Unary `-a`. */
export function pyNeg(a: PyValue): PyValue {
  if (isPyInt(a)) return -asInt(a);
  if (typeof a === 'number') return -a;
  throw typeError(`bad operand type for unary -: '${pyTypeName(a)}'`);
}

/** `abs(a)`. */
export function pyAbs(a: PyValue): PyValue {
  if (isPyInt(a)) {
    const x = asInt(a);
    return x < 0n ? -x : x;
  }
  if (typeof a === 'number') return Math.abs(a);
  throw typeError(`bad operand type for abs(): '${pyTypeName(a)}'`);
}

/**
 * Ordering `a < b` etc. between numbers (any mix of int, float, bool) or between two strs (by code point); other
 * mixes raise Python's TypeError naming the operator.
 */
export function pyCompare(op: '<' | '<=' | '>' | '>=', a: PyValue, b: PyValue): boolean {
  let c: number;
  if (isPyNum(a) && isPyNum(b)) {
    const x = typeof a === 'boolean' ? asInt(a) : a;
    const y = typeof b === 'boolean' ? asInt(b) : b;
    if (Number.isNaN(x) || Number.isNaN(y)) return false;
    c = x < y ? -1 : x > y ? 1 : 0; // JS compares bigint with number by exact value
  } else if (typeof a === 'string' && typeof b === 'string') {
    c = compareCodePoints(a, b);
  } else if (Array.isArray(a) && Array.isArray(b)) {
    c = compareSequences(a, b, op);
  } else {
    throw typeError(`'${op}' not supported between instances of '${pyTypeName(a)}' and '${pyTypeName(b)}'`);
  }
  switch (op) {
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}

function compareSequences(a: PyValue[], b: PyValue[], op: '<' | '<=' | '>' | '>='): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (pyCompare('<', a[i]!, b[i]!)) return -1;
    if (pyCompare('<', b[i]!, a[i]!)) return 1;
  }
  void op;
  return a.length - b.length;
}

/** Exact decimal expansion of a finite double as (digits, exponent): value = digits * 10^exponent. */
export function exactDecimal(x: number): { digits: bigint; exp10: number } {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const biasedExp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp2: number;
  if (biasedExp === 0) exp2 = -1074;
  else {
    mant |= 1n << 52n;
    exp2 = biasedExp - 1075;
  }
  if (x < 0) mant = -mant;
  if (exp2 >= 0) return { digits: mant << BigInt(exp2), exp10: 0 };
  // m * 2^-k = m * 5^k / 10^k
  return { digits: mant * 5n ** BigInt(-exp2), exp10: exp2 };
}

/** Round the exact decimal value of `x` half-to-even at 10^-ndigits. */
function roundHalfEven(x: number, ndigits: number): number {
  const { digits, exp10 } = exactDecimal(x);
  const drop = -exp10 - ndigits; // decimal digits to drop
  if (drop <= 0) return x;
  const p = 10n ** BigInt(drop);
  const neg = digits < 0n;
  const ad = neg ? -digits : digits;
  let q = ad / p;
  const r = ad % p;
  const twice = 2n * r;
  if (twice > p || (twice === p && q % 2n === 1n)) q += 1n;
  const text = `${neg ? '-' : ''}${q}e${-ndigits}`;
  const value = Number(text);
  return value === 0 && neg ? -0 : value;
}

/**
 * Python `round(number, ndigits)`: for a float, the correctly rounded half-even result of its exact binary value
 * (so `round(2.675, 2) == 2.67`); `round(float)` with no digits gives an int; ints stay ints.
 */
export function pyRound(number: PyValue, ndigits: PyValue = null): PyValue {
  if (ndigits !== null && !isPyInt(ndigits)) {
    throw typeError(`'${pyTypeName(ndigits)}' object cannot be interpreted as an integer`);
  }
  if (isPyInt(number)) {
    const x = asInt(number);
    if (ndigits === null || asInt(ndigits) >= 0n) return x;
    const p = 10n ** -asInt(ndigits);
    let q = x / p;
    let r = x % p;
    if (r < 0n) {
      q -= 1n;
      r += p;
    }
    if (2n * r > p || (2n * r === p && (q % 2n !== 0n))) q += 1n;
    return q * p;
  }
  if (typeof number !== 'number') throw typeError(`type ${pyTypeName(number)} doesn't define __round__ method`);
  if (ndigits === null) {
    if (!Number.isFinite(number)) {
      throw Number.isNaN(number)
        ? valueError('cannot convert float NaN to integer')
        : new PyException('OverflowError', 'cannot convert float infinity to integer');
    }
    const f = Math.floor(number);
    const diff = number - f;
    const r = diff > 0.5 || (diff === 0.5 && f % 2 !== 0) ? f + 1 : f;
    return BigInt(r);
  }
  if (!Number.isFinite(number) || number === 0) return number;
  const nd = Number(asInt(ndigits));
  if (nd > 400) return number;
  if (nd < -400) return 0 * number;
  return roundHalfEven(number, nd);
}

/** Python `int(v)` for numbers and numeric strings (truncation toward zero for floats). */
export function pyInt(v: PyValue): bigint {
  if (isPyInt(v)) return asInt(v);
  if (typeof v === 'number') {
    if (Number.isNaN(v)) throw valueError('cannot convert float NaN to integer');
    if (!Number.isFinite(v)) throw new PyException('OverflowError', 'cannot convert float infinity to integer');
    return BigInt(Math.trunc(v));
  }
  if (typeof v === 'string') {
    const t = v.trim().replace(/_/g, '');
    if (/^[+-]?\d+$/.test(t)) return BigInt(t);
    throw valueError(`invalid literal for int() with base 10: ${pyRepr(v)}`);
  }
  throw typeError(`int() argument must be a string, a bytes-like object or a real number, not '${pyTypeName(v)}'`);
}

/** Python `float(v)` for numbers and numeric strings. */
export function pyFloat(v: PyValue): number {
  if (isPyNum(v)) return toFloat(v);
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase().replace(/_/g, '');
    if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return Number(t);
    if (/^[+-]?(inf|infinity)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
    if (/^[+-]?nan$/.test(t)) return NaN;
    throw valueError(`could not convert string to float: ${pyRepr(v)}`);
  }
  throw typeError(`float() argument must be a string or a real number, not '${pyTypeName(v)}'`);
}

/** `sum(values)` starting from int 0, as Python's builtin. */
export function pySum(values: readonly PyValue[]): PyValue {
  let acc: PyValue = 0n;
  for (const v of values) acc = pyAdd(acc, v);
  return acc;
}

/** `len(v)` for str (code points), list, tuple, dict. */
export function pyLen(v: PyValue): bigint {
  if (typeof v === 'string') return BigInt([...v].length);
  if (Array.isArray(v)) return BigInt(v.length);
  if (v instanceof PyTuple) return BigInt(v.length);
  if (v instanceof PyDict || v instanceof PySet) return BigInt(v.size);
  throw typeError(`object of type '${pyTypeName(v)}' has no len()`);
}
