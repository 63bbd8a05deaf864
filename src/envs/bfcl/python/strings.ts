import { exactDecimal } from './ops.js';

/** Python str methods whose JS look-alikes differ (line breaks, whitespace, ordering, number formatting). */

const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

/** `s.splitlines()`: every Python line boundary; no empty last line after a trailing break. */
export function splitlines(s: string): string[] {
  if (s === '') return [];
  const parts = s.split(new RegExp(LINE_BREAK.source, 'g'));
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

const WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;

/** `s.split()`: runs of Python whitespace separate words; no empty words. */
export function splitWhitespace(s: string): string[] {
  return s.split(WHITESPACE).filter((w) => w !== '');
}

/** Python's str ordering: by code point (JS compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

/** `sorted(strs)`. */
export function sortedStrings(strs: readonly string[]): string[] {
  return [...strs].sort(compareCodePoints);
}

/** `s.strip(chars)` / `lstrip` / `rstrip` with an explicit character set (or whitespace when chars is null). */
export function strip(s: string, chars: string | null, side: 'both' | 'left' | 'right' = 'both'): string {
  const set = chars === null ? null : new Set([...chars]);
  const isStripped = (c: string): boolean => (set ? set.has(c) : splitWhitespace(c).length === 0);
  const cps = [...s];
  let start = 0;
  let end = cps.length;
  if (side !== 'right') while (start < end && isStripped(cps[start]!)) start++;
  if (side !== 'left') while (end > start && isStripped(cps[end - 1]!)) end--;
  return cps.slice(start, end).join('');
}

/** `len(s.encode("utf-8"))`. */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/**
 * `f"{x:.{digits}f}"` for a float: the exact binary value rounded half-even (JS toFixed rounds ties up, and
 * switches to exponent form above 1e21).
 */
export function formatFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const { digits: mant, exp10 } = exactDecimal(x);
  const neg = mant < 0n || Object.is(x, -0);
  let a = mant < 0n ? -mant : mant;
  // value = a * 10^exp10; we want round(value * 10^digits) half-even.
  const shift = exp10 + digits;
  let q: bigint;
  if (shift >= 0) q = a * 10n ** BigInt(shift);
  else {
    const p = 10n ** BigInt(-shift);
    q = a / p;
    const r = a % p;
    if (2n * r > p || (2n * r === p && q % 2n === 1n)) q += 1n;
  }
  a = q;
  let text = a.toString().padStart(digits + 1, '0');
  if (digits > 0) text = text.slice(0, -digits) + '.' + text.slice(-digits);
  return (neg ? '-' : '') + text;
}
