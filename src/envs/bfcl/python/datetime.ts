import { pyRepr, pyTypeName, typeError, valueError, type PyValue } from './value.js';

/**
 * The parts of Python's `datetime` the API classes use: `datetime.strptime` (CPython 3.11, C locale) with its error
 * texts, comparison of naive date-times, `datetime.min`/`max`, and `fromtimestamp(...).strftime(...)` in UTC.
 */

/** A naive date-time as datetime.strptime returns it. */
export interface NaiveDateTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** Orders date-times like Python compares datetimes (microseconds are always 0 here). */
export function sortKey(t: NaiveDateTime): number {
  return ((((t.year * 100 + t.month) * 100 + t.day) * 100 + t.hour) * 100 + t.minute) * 100 + t.second;
}

/** `datetime.min` / `datetime.max` as sort keys (max's microseconds exceed every parsed time's 0). */
export const DATETIME_MIN_KEY = sortKey({ year: 1, month: 1, day: 1, hour: 0, minute: 0, second: 0 });
export const DATETIME_MAX_KEY = sortKey({ year: 9999, month: 12, day: 31, hour: 23, minute: 59, second: 59 });

/** The directive regexes of CPython 3.11's _strptime (C locale), as named groups. */
const STRPTIME_DIRECTIVES: Readonly<Record<string, string>> = {
  d: '(?<d>3[0-1]|[1-2]\\d|0[1-9]|[1-9]| [1-9])',
  H: '(?<H>2[0-3]|[0-1]\\d|\\d)',
  I: '(?<I>1[0-2]|0[1-9]|[1-9])',
  m: '(?<m>1[0-2]|0[1-9]|[1-9])',
  M: '(?<M>[0-5]\\d|\\d)',
  S: '(?<S>6[0-1]|[0-5]\\d|\\d)',
  Y: '(?<Y>\\d\\d\\d\\d)',
  p: '(?<p>am|pm)',
};

/** Python's `\s` in a str pattern: JS's `\s` plus the separators \x1c-\x1f and \x85. */
const PY_WHITESPACE = '[\\s\\x1c-\\x1f\\x85]';

const strptimeRegexes = new Map<string, RegExp>();

function strptimeRegex(format: string): RegExp {
  let re = strptimeRegexes.get(format);
  if (re) return re;
  // As _strptime's TimeRE.pattern: escape regex syntax, any whitespace run matches \s+, directives expand.
  const escaped = format.replace(/[\\.^$*+?(){}[\]|]/g, '\\$&').replace(/\s+/g, '\u0000');
  let pattern = '';
  for (let i = 0; i < escaped.length; i++) {
    const ch = escaped[i]!;
    if (ch === '%') {
      const directive = STRPTIME_DIRECTIVES[escaped[++i] ?? ''];
      if (directive === undefined) throw new Error(`strptime directive %${escaped[i]} is not ported`);
      pattern += directive;
    } else pattern += ch === '\u0000' ? `${PY_WHITESPACE}+` : ch;
  }
  re = new RegExp(`^(?:${pattern})`, 'i'); // compiled with re.IGNORECASE, matched at the start
  strptimeRegexes.set(format, re);
  return re;
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/**
 * `datetime.strptime(data, format)` of CPython 3.11 for the directives %Y %m %d %H %I %M %S %p, with its ValueError
 * texts ("time data '2024/01/01' does not match format '%Y-%m-%d'", "unconverted data remains: x", "day is out of
 * range for month", ...) and its TypeError for a non-str argument.
 */
export function strptime(data: PyValue, format: string): NaiveDateTime {
  if (typeof data !== 'string') {
    // CPython's argument check names None as "None", other types by their type name.
    throw typeError(`strptime() argument 1 must be str, not ${data === null ? 'None' : pyTypeName(data)}`);
  }
  const m = strptimeRegex(format).exec(data);
  if (!m) throw valueError(`time data ${pyRepr(data)} does not match format ${pyRepr(format)}`);
  if (m[0].length !== data.length) throw valueError(`unconverted data remains: ${data.slice(m[0].length)}`);
  const g = m.groups ?? {};
  const num = (s: string | undefined, fallback: number): number => (s === undefined ? fallback : Number(s));
  const year = num(g.Y, 1900);
  const month = num(g.m, 1);
  const day = num(g.d, 1);
  let hour = num(g.H, 0);
  if (g.I !== undefined) {
    hour = Number(g.I);
    const pm = (g.p ?? '').toLowerCase() === 'pm';
    if (pm && hour !== 12) hour += 12;
    else if (!pm && hour === 12) hour = 0; // 12 AM is midnight
  }
  const minute = num(g.M, 0);
  const second = num(g.S, 0);
  if (year < 1) throw valueError(`year ${year} is out of range`);
  if (day > daysInMonth(year, month)) throw valueError('day is out of range for month');
  if (second > 59) throw valueError('second must be in 0..59');
  return { year, month, day, hour, minute, second };
}

/** `datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")` with the machine's time zone taken as UTC. */
export function formatUtc(seconds: number): string {
  const d = new Date(seconds * 1000);
  const p = (n: number): string => String(n).padStart(2, '0');
  return (
    `${String(d.getUTCFullYear()).padStart(4, '0')}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`
  );
}
