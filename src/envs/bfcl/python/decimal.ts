import { exactDecimal } from './ops.js';
import { PyObject } from './value.js';

/**
 * The part of Python's `decimal` that MathAPI.square_root reaches: `Decimal(float or int)` (exact), `sqrt()` under a
 * context precision (CPython's algorithm: exact results at the ideal exponent, otherwise correctly rounded
 * half-even), and `str()`/`repr()`.
 */
export type DecimalValue =
  | { readonly kind: 'finite'; readonly neg: boolean; readonly coeff: bigint; readonly exp: number }
  | { readonly kind: 'nan' | 'inf' | '-inf' };

/** `Decimal(x)` for a float: its exact binary value. */
export function decimalFromFloat(x: number): DecimalValue {
  if (Number.isNaN(x)) return { kind: 'nan' };
  if (x === Infinity) return { kind: 'inf' };
  if (x === -Infinity) return { kind: '-inf' };
  const neg = x < 0 || Object.is(x, -0);
  if (x === 0) return { kind: 'finite', neg, coeff: 0n, exp: 0 };
  let { digits, exp10 } = exactDecimal(x);
  if (digits < 0n) digits = -digits;
  // exactDecimal's digits carry trailing zeros for integers; Decimal.from_float keeps n*5^k / 10^k exactly.
  while (exp10 < 0 && digits % 10n === 0n) {
    digits /= 10n;
    exp10 += 1;
  }
  return { kind: 'finite', neg, coeff: digits, exp: exp10 };
}

/** `Decimal(n)` for an int. */
export function decimalFromInt(n: bigint): DecimalValue {
  return { kind: 'finite', neg: n < 0n, coeff: n < 0n ? -n : n, exp: 0 };
}

const digitCount = (n: bigint): number => n.toString().length;

/** Context._fix for precision only: round the coefficient to `prec` digits, half-even. */
function fix(neg: boolean, coeff: bigint, exp: number, prec: number): DecimalValue {
  const len = digitCount(coeff);
  if (coeff === 0n || len <= prec) return { kind: 'finite', neg, coeff, exp };
  const drop = len - prec;
  const p = 10n ** BigInt(drop);
  let q = coeff / p;
  const r = coeff % p;
  if (2n * r > p || (2n * r === p && q % 2n === 1n)) q += 1n;
  let e = exp + drop;
  if (digitCount(q) > prec) {
    q /= 10n;
    e += 1;
  }
  return { kind: 'finite', neg, coeff: q, exp: e };
}

/** `Decimal.sqrt()` under `getcontext().prec = prec` for a value that is not negative. */
export function decimalSqrt(x: DecimalValue, prec: number): DecimalValue {
  if (x.kind !== 'finite') return x;
  if (x.coeff === 0n) return fix(x.neg, 0n, Math.floor(x.exp / 2), prec);
  const p = prec + 1;
  let e = Math.floor(x.exp / 2);
  const ndigits = digitCount(x.coeff);
  let c: bigint;
  let l: number;
  if (x.exp % 2 !== 0) {
    c = x.coeff * 10n;
    l = (ndigits >> 1) + 1;
  } else {
    c = x.coeff;
    l = (ndigits + 1) >> 1;
  }
  const shift = p - l;
  let exact: boolean;
  if (shift >= 0) {
    c *= 100n ** BigInt(shift);
    exact = true;
  } else {
    const d = 100n ** BigInt(-shift);
    exact = c % d === 0n;
    c /= d;
  }
  e -= shift;
  let n = 10n ** BigInt(p);
  for (;;) {
    const q = c / n;
    if (n <= q) break;
    n = (n + q) >> 1n;
  }
  exact = exact && n * n === c;
  if (exact) {
    if (shift >= 0) n /= 10n ** BigInt(shift);
    else n *= 10n ** BigInt(-shift);
    e += shift;
  } else if (n % 5n === 0n) n += 1n;
  return fix(false, n, e, prec);
}

/** `str(Decimal)` (scientific notation when the exponent is positive or the number is small). */
export function decimalToString(d: DecimalValue): string {
  if (d.kind !== 'finite') return d.kind === 'nan' ? 'NaN' : d.kind === 'inf' ? 'Infinity' : '-Infinity';
  const sign = d.neg ? '-' : '';
  const int = d.coeff.toString();
  const leftdigits = d.exp + int.length;
  const dotplace = d.exp <= 0 && leftdigits > -6 ? leftdigits : 1;
  let intpart: string;
  let fracpart: string;
  if (dotplace <= 0) {
    intpart = '0';
    fracpart = '.' + '0'.repeat(-dotplace) + int;
  } else if (dotplace >= int.length) {
    intpart = int + '0'.repeat(dotplace - int.length);
    fracpart = '';
  } else {
    intpart = int.slice(0, dotplace);
    fracpart = '.' + int.slice(dotplace);
  }
  const e = leftdigits - dotplace;
  const exp = leftdigits === dotplace ? '' : `E${e >= 0 ? '+' : '-'}${Math.abs(e)}`;
  return sign + intpart + fracpart + exp;
}

/** A Decimal as a Python object. */
export class DecimalObject extends PyObject {
  readonly pyClassName = 'Decimal';
  constructor(readonly value: DecimalValue) {
    super();
  }
  pyRepr(): string {
    return `Decimal('${decimalToString(this.value)}')`;
  }
  override pyStr(): string {
    return decimalToString(this.value);
  }
}
