import { exactDecimal } from './ops.js';
import { PyException, PyObject } from './value.js';

/**
 * The part of mpmath 1.3 that MathAPI.logarithm reaches: `mp.dps = n`, `log(x) / log(b)` on binary floats of the
 * context precision with round-half-even, and `repr()` of the resulting mpf/mpc (to_str with repr_dps digits).
 * Logarithms are computed in fixed point with 64 guard bits and rounded once, like mpmath's own (20 guard bits),
 * so results agree except when the exact value lies within ~2^-(prec+20) of a rounding boundary.
 */

/** A finite nonzero binary float `(-1)^neg * man * 2^exp` with `man` odd, or a special value. */
export type Mpf =
  | { readonly kind: 'finite'; readonly neg: boolean; readonly man: bigint; readonly exp: number }
  | { readonly kind: 'zero' | 'inf' | '-inf' | 'nan' };

const LOG2_10 = 3.3219280948873626; // math.log(10, 2) and mpmath's own constant

const bitLength = (n: bigint): number => (n === 0n ? 0 : n.toString(2).length);

/** mpmath `dps_to_prec`. */
export function dpsToPrec(dps: number): number {
  return Math.max(1, pyRoundHalfEven((Math.trunc(dps) + 1) * LOG2_10));
}

/** mpmath `prec_to_dps`. */
export function precToDps(prec: number): number {
  return Math.max(1, pyRoundHalfEven(Math.trunc(prec) / LOG2_10) - 1);
}

/** mpmath `repr_dps`. */
export function reprDps(prec: number): number {
  const dps = precToDps(prec);
  return dps === 15 ? 17 : dps + 3;
}

/** Python's round(float) to an int (half to even). */
function pyRoundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
}

/** Rounds `man * 2^exp` (plus a sticky flag for discarded nonzero bits below) to `prec` bits, half-even. */
function normalize(neg: boolean, man: bigint, exp: number, prec: number, sticky = false): Mpf {
  if (man === 0n) return { kind: 'zero' };
  const bc = bitLength(man);
  if (bc > prec) {
    const shift = bc - prec;
    const q = man >> BigInt(shift);
    const rem = man - (q << BigInt(shift));
    const half = 1n << BigInt(shift - 1);
    man = rem > half || (rem === half && (sticky || (q & 1n) === 1n)) ? q + 1n : q;
    exp += shift;
  }
  while ((man & 1n) === 0n) {
    man >>= 1n;
    exp += 1;
  }
  return { kind: 'finite', neg, man, exp };
}

/** An exact mpf from a JS double. */
export function mpfFromFloat(x: number): Mpf {
  if (Number.isNaN(x)) return { kind: 'nan' };
  if (x === Infinity) return { kind: 'inf' };
  if (x === -Infinity) return { kind: '-inf' };
  if (x === 0) return { kind: 'zero' };
  const { digits, exp10 } = exactDecimal(x);
  // exactDecimal gives digits * 10^exp10 with exp10 <= 0 = m * 5^k / 10^k for m*2^-k; recover m, -k.
  const k = -exp10;
  const man = (digits < 0n ? -digits : digits) / 5n ** BigInt(k);
  return normalize(x < 0, man, -k, 1_000_000);
}

/** An exact mpf from an int. */
export function mpfFromInt(n: bigint): Mpf {
  if (n === 0n) return { kind: 'zero' };
  return normalize(n < 0n, n < 0n ? -n : n, 0, 1_000_000);
}

/** atanh(1/q) * 2^wp in fixed point, for an integer q >= 2. */
function atanhInv(q: bigint, wp: number): bigint {
  const one = 1n << BigInt(wp);
  let term = one / q;
  const q2 = q * q;
  let sum = term;
  for (let k = 3n; term !== 0n; k += 2n) {
    term /= q2;
    sum += term / k;
  }
  return sum;
}

/** ln 2 * 2^wp. */
function ln2Fixed(wp: number): bigint {
  return 2n * atanhInv(3n, wp);
}

/** pi * 2^wp (Machin). */
function piFixed(wp: number): bigint {
  const atanInv = (q: bigint): bigint => {
    const one = 1n << BigInt(wp);
    let term = one / q;
    const q2 = q * q;
    let sum = term;
    let sign = -1n;
    for (let k = 3n; term !== 0n; k += 2n) {
      term /= q2;
      sum += (sign * term) / k;
      sign = -sign;
    }
    return sum;
  };
  return 16n * atanInv(5n) - 4n * atanInv(239n);
}

const GUARD = 64;

/** ln(x) * 2^wp in fixed point for a finite positive mpf. */
function lnFixed(man: bigint, exp: number, wp: number): bigint {
  // x = f * 2^e with f = man / 2^bc in [1/2, 1).
  const bc = bitLength(man);
  const e = exp + bc;
  const one = 1n << BigInt(wp);
  const f = (man << BigInt(wp)) >> BigInt(bc); // f * 2^wp
  // ln f = 2 atanh((f - 1) / (f + 1)), |(f-1)/(f+1)| <= 1/3.
  // f < 1, so y < 0: sum the series for |y| (a right shift of a negative BigInt floors and never reaches 0).
  const y = ((one - f) << BigInt(wp)) / (f + one);
  const y2 = (y * y) >> BigInt(wp);
  let term = y;
  let sum = y;
  for (let k = 3n; term !== 0n; k += 2n) {
    term = (term * y2) >> BigInt(wp);
    sum += term / k;
  }
  return -2n * sum + BigInt(e) * ln2Fixed(wp);
}

/** mpmath `log(x)` at `prec` bits: an mpf for x > 0, null for x < 0 (complex, see logComplex). */
export function mpfLog(x: Mpf, prec: number): Mpf | null {
  switch (x.kind) {
    case 'zero':
      return { kind: '-inf' };
    case 'inf':
      return { kind: 'inf' };
    case 'nan':
      return { kind: 'nan' };
    case '-inf':
      return null;
  }
  if (x.neg) return null;
  if (x.man === 1n && x.exp === 0) return { kind: 'zero' };
  const wp = prec + GUARD;
  const l = lnFixed(x.man, x.exp, wp);
  return normalize(l < 0n, l < 0n ? -l : l, -wp, prec, true);
}

/** pi at `prec` bits. */
export function mpfPi(prec: number): Mpf {
  const wp = prec + GUARD;
  return normalize(false, piFixed(wp), -wp, prec, true);
}

/** mpmath `mpf_div(a, b, prec, 'n')`: correctly rounded quotient; division by zero raises ZeroDivisionError(''). */
export function mpfDiv(a: Mpf, b: Mpf, prec: number): Mpf {
  if (b.kind === 'zero') throw new PyException('ZeroDivisionError', '');
  if (a.kind === 'nan' || b.kind === 'nan') return { kind: 'nan' };
  if (a.kind === 'zero') return { kind: 'zero' };
  const signOf = (m: Mpf): number => (m.kind === '-inf' ? -1 : m.kind === 'inf' ? 1 : m.kind === 'finite' ? (m.neg ? -1 : 1) : 0);
  if (a.kind !== 'finite') {
    if (b.kind !== 'finite') return { kind: 'nan' };
    return signOf(a) * signOf(b) > 0 ? { kind: 'inf' } : { kind: '-inf' };
  }
  if (b.kind !== 'finite') return { kind: 'zero' };
  const shift = Math.max(0, prec + bitLength(b.man) - bitLength(a.man) + 3);
  const num = a.man << BigInt(shift);
  const q = num / b.man;
  const sticky = num % b.man !== 0n;
  return normalize(a.neg !== b.neg, q, a.exp - b.exp - shift, prec, sticky);
}

/** mpmath `to_str(s, dps)` (defaults: strip zeros, fixed notation for exponents in (min(-dps//3, -5), dps)). */
export function mpfToStr(s: Mpf, dps: number): string {
  switch (s.kind) {
    case 'zero':
      return dps ? '0.0' : '.0';
    case 'inf':
      return '+inf';
    case '-inf':
      return '-inf';
    case 'nan':
      return 'nan';
  }
  const minFixed = Math.min(-Math.floor(dps / 3), -5);
  const maxFixed = dps;
  const sign = s.neg ? '-' : '';
  let { digits, exponent } = toDigitsExp(s.man, s.exp, dps + 3);
  if (!dps) {
    if ('56789'.includes(digits[0]!)) exponent += 1;
    digits = '.0';
  } else {
    if (digits.length > dps && '56789'.includes(digits[dps]!)) {
      digits = digits.slice(0, dps);
      let i = dps - 1;
      while (i >= 0 && digits[i] === '9') i--;
      if (i >= 0) digits = digits.slice(0, i) + String(Number(digits[i]) + 1) + '0'.repeat(dps - i - 1);
      else {
        digits = '1' + '0'.repeat(dps - 1);
        exponent += 1;
      }
    } else digits = digits.slice(0, dps);
    let split: number;
    if (minFixed < exponent && exponent < maxFixed) {
      if (exponent < 0) {
        digits = '0'.repeat(-exponent) + digits;
        split = 1;
      } else {
        split = exponent + 1;
        if (split > dps) digits += '0'.repeat(split - dps);
      }
      exponent = 0;
    } else split = 1;
    digits = digits.slice(0, split) + '.' + digits.slice(split);
    digits = digits.replace(/0+$/, '');
    if (digits.endsWith('.')) digits += '0';
  }
  if (exponent === 0 && dps) return sign + digits;
  return exponent >= 0 ? `${sign}${digits}e+${exponent}` : `${sign}${digits}e${exponent}`;
}

/** mpmath `to_digits_exp` for |s| = man * 2^exp: digits rounded toward zero, and the decimal exponent. */
function toDigitsExp(man: bigint, exp: number, dps: number): { digits: string; exponent: number } {
  const bc = bitLength(man);
  if (Math.abs(exp + bc) > 3500) {
    throw new PyException('OverflowError', 'mpf exponent out of the ported range');
  }
  const bitprec = Math.trunc(dps * LOG2_10) + 10;
  const fixprec = Math.max(bitprec - exp - bc, 0);
  const fixdps = Math.trunc(fixprec / LOG2_10 + 0.5);
  const offset = exp + fixprec;
  const sf = offset >= 0 ? man << BigInt(offset) : man >> BigInt(-offset);
  const sd = (sf * 10n ** BigInt(fixdps)) >> BigInt(fixprec);
  const digits = sd.toString();
  return { digits, exponent: digits.length - fixdps - 1 };
}

/** An mpf as a Python object: `repr` is `mpf('...')` with the context's repr digits. */
export class MpfObject extends PyObject {
  readonly pyClassName = 'mpf';
  constructor(
    readonly value: Mpf,
    readonly prec: number,
  ) {
    super();
  }
  digits(): string {
    return mpfToStr(this.value, reprDps(this.prec));
  }
  pyRepr(): string {
    return `mpf('${this.digits()}')`;
  }
  override pyStr(): string {
    return mpfToStr(this.value, precToDps(this.prec));
  }
}

/** An mpc as a Python object: `mpc(real='...', imag='...')`. */
export class MpcObject extends PyObject {
  readonly pyClassName = 'mpc';
  constructor(
    readonly real: Mpf,
    readonly imag: Mpf,
    readonly prec: number,
  ) {
    super();
  }
  pyRepr(): string {
    const dps = reprDps(this.prec);
    return `mpc(real='${mpfToStr(this.real, dps)}', imag='${mpfToStr(this.imag, dps)}')`;
  }
}
