/**
 * The Python value model of the BFCL port.
 *
 * The original backend is Python, and its observable behaviour (result strings, state equality) depends on Python's
 * types: `str(5.0)` is "5.0" but `str(5)` is "5", `json.dumps` writes `True` as `true`, `1 == 1.0` holds and a dict
 * looked up with `1.0` finds the key `1`. A Python value is therefore represented in TypeScript as:
 *
 *   Python            TypeScript
 *   None              null
 *   bool              boolean
 *   int               bigint            (arbitrary precision, like Python's int)
 *   float             number
 *   str               string
 *   list              PyValue[]         (a plain mutable array)
 *   tuple             PyTuple
 *   dict              PyDict            (insertion-ordered, keys compared with Python's hash equality)
 *   other objects     PyObject subclasses (File, Directory, Ellipsis, ...)
 *
 * int and float never share a JS type, so the distinction that decides `str()` output cannot be lost silently;
 * arithmetic that mixes them goes through ops.ts, which follows Python's promotion rules.
 */

export type PyValue = null | boolean | bigint | number | string | PyValue[] | PyTuple | PyDict | PyObject;

/** A Python exception raised by ported code. `message` is exactly `str(exception)` in Python. */
export class PyException extends Error {
  constructor(
    /** Python exception class name, e.g. "KeyError", "TypeError". */
    readonly pyType: string,
    message: string,
  ) {
    super(message);
    this.name = pyType;
  }
}

export const typeError = (message: string): PyException => new PyException('TypeError', message);
export const valueError = (message: string): PyException => new PyException('ValueError', message);
export const indexError = (message: string): PyException => new PyException('IndexError', message);
export const zeroDivisionError = (message: string): PyException => new PyException('ZeroDivisionError', message);
export const attributeError = (message: string): PyException => new PyException('AttributeError', message);
export const nameError = (message: string): PyException => new PyException('NameError', message);
/** `str(KeyError(k))` is `repr(k)`, so the message is the key's repr. */
export const keyError = (key: PyValue): PyException => new PyException('KeyError', pyRepr(key));

/** Base of Python objects that are neither primitives nor containers (file-system nodes, Ellipsis, ...). */
export abstract class PyObject {
  /** `type(x).__name__`. */
  abstract readonly pyClassName: string;
  /** `repr(x)`. */
  abstract pyRepr(): string;
  /** `str(x)`; defaults to repr like Python's object.__str__. */
  pyStr(): string {
    return this.pyRepr();
  }
  /** `x == other`; defaults to identity like Python's object.__eq__. */
  pyEquals(other: PyValue): boolean {
    return this === other;
  }
  /** `vars(x)` without `_` names for objects that have a `__dict__`; null for those that do not (set, Ellipsis). */
  publicAttributes(): Record<string, PyValue> | null {
    return null;
  }
}

/** A Python set (MessageAPI keeps one). Iterates and prints in insertion order (CPython's order is by hash). */
export class PySet extends PyObject {
  readonly pyClassName = 'set';
  private readonly members = new PyDict();

  constructor(items: Iterable<PyValue> = []) {
    super();
    for (const x of items) this.members.set(x, null);
  }
  get size(): number {
    return this.members.size;
  }
  has(x: PyValue): boolean {
    return this.members.has(x);
  }
  add(x: PyValue): void {
    this.members.set(x, null);
  }
  delete(x: PyValue): boolean {
    return this.members.delete(x);
  }
  items(): PyValue[] {
    return this.members.keys();
  }
  pyRepr(): string {
    return this.size === 0 ? 'set()' : '{' + this.items().map(pyRepr).join(', ') + '}';
  }
  override pyEquals(other: PyValue): boolean {
    return other instanceof PySet && other.size === this.size && this.items().every((x) => other.has(x));
  }
  deepCopy(): PySet {
    return new PySet(this.items().map((x) => deepCopy(x)));
  }
}

class EllipsisObject extends PyObject {
  readonly pyClassName = 'ellipsis';
  pyRepr(): string {
    return 'Ellipsis';
  }
}

/** Python's `...` (it appears in long_context.WATCH_LIST_EXTENSION, which makes json.dumps fail there). */
export const Ellipsis: PyObject = new EllipsisObject();

/** A Python tuple: immutable, prints with parentheses, hashable, never equal to a list. */
export class PyTuple {
  readonly items: readonly PyValue[];
  constructor(items: readonly PyValue[]) {
    this.items = Object.freeze([...items]);
  }
  get length(): number {
    return this.items.length;
  }
}

/**
 * Key under which a dict stores `key`: Python's hash equality, so True, 1 and 1.0 collide and 'a' does not collide
 * with any number. Unhashable keys raise Python's TypeError.
 */
function hashKey(key: PyValue): string {
  if (typeof key === 'string') return 's' + key;
  if (typeof key === 'bigint') return 'i' + key.toString();
  if (typeof key === 'boolean') return key ? 'i1' : 'i0';
  if (typeof key === 'number') {
    if (Number.isInteger(key)) return 'i' + BigInt(key).toString();
    return 'f' + String(key); // unique per value: JS strings of doubles round-trip
  }
  if (key === null) return 'n';
  if (key instanceof PyTuple) return 't(' + key.items.map(hashKey).join(',') + ')';
  if (key instanceof PyObject) return 'o' + objectId(key);
  throw typeError(`unhashable type: '${pyTypeName(key)}'`);
}

const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;
function objectId(o: object): number {
  let id = objectIds.get(o);
  if (id === undefined) {
    id = nextObjectId++;
    objectIds.set(o, id);
  }
  return id;
}

/** A Python dict: insertion-ordered; lookups use Python key equality (`d[1.0]` finds the key `1`). */
export class PyDict {
  private readonly slots = new Map<string, { key: PyValue; value: PyValue }>();

  constructor(entries?: Iterable<readonly [PyValue, PyValue]>) {
    if (entries) for (const [k, v] of entries) this.set(k, v);
  }

  /** Builds a dict with string keys from a plain object, in the object's key order. */
  static of(record: Readonly<Record<string, PyValue>>): PyDict {
    return new PyDict(Object.entries(record));
  }

  get size(): number {
    return this.slots.size;
  }

  has(key: PyValue): boolean {
    return this.slots.has(hashKey(key));
  }

  /** `d.get(key)`: undefined when absent (use getItem for `d[key]`). */
  get(key: PyValue): PyValue | undefined {
    return this.slots.get(hashKey(key))?.value;
  }

  /** `d[key]`: raises Python's KeyError when absent. */
  getItem(key: PyValue): PyValue {
    const slot = this.slots.get(hashKey(key));
    if (!slot) throw keyError(key);
    return slot.value;
  }

  /** `d[key] = value`; an existing key keeps its original key object and position, as in Python. */
  set(key: PyValue, value: PyValue): this {
    const h = hashKey(key);
    const slot = this.slots.get(h);
    if (slot) slot.value = value;
    else this.slots.set(h, { key, value });
    return this;
  }

  /** `del d[key]` without the error: returns whether the key was there. */
  delete(key: PyValue): boolean {
    return this.slots.delete(hashKey(key));
  }

  /** `d.pop(key)`: raises KeyError when absent. */
  pop(key: PyValue): PyValue {
    const h = hashKey(key);
    const slot = this.slots.get(h);
    if (!slot) throw keyError(key);
    this.slots.delete(h);
    return slot.value;
  }

  keys(): PyValue[] {
    return [...this.slots.values()].map((s) => s.key);
  }

  values(): PyValue[] {
    return [...this.slots.values()].map((s) => s.value);
  }

  entries(): Array<[PyValue, PyValue]> {
    return [...this.slots.values()].map((s) => [s.key, s.value]);
  }

  [Symbol.iterator](): IterableIterator<[PyValue, PyValue]> {
    return this.entries()[Symbol.iterator]();
  }

  /** `d.copy()`: a shallow copy. */
  copy(): PyDict {
    return new PyDict(this.entries());
  }
}

/** `type(v).__name__`. */
export function pyTypeName(v: PyValue): string {
  if (v === null) return 'NoneType';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'str';
  }
  if (Array.isArray(v)) return 'list';
  if (v instanceof PyTuple) return 'tuple';
  if (v instanceof PyDict) return 'dict';
  return v.pyClassName;
}

/** Python `v1 == v2` (deep for containers; `1 == 1.0 == True`; a list never equals a tuple). */
export function pyEq(a: PyValue, b: PyValue): boolean {
  if (a === b) return typeof a !== 'number' || !Number.isNaN(a);
  const ta = typeof a;
  const tb = typeof b;
  const numA = ta === 'bigint' || ta === 'number' || ta === 'boolean';
  const numB = tb === 'bigint' || tb === 'number' || tb === 'boolean';
  if (numA || numB) {
    if (!(numA && numB)) return false;
    const x = ta === 'boolean' ? (a ? 1n : 0n) : (a as bigint | number);
    const y = tb === 'boolean' ? (b ? 1n : 0n) : (b as bigint | number);
    // JS `==` compares a bigint and a number by exact mathematical value, like Python.
    return x == y;
  }
  if (a === null || b === null || ta === 'string' || tb === 'string') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!pyEq(a[i]!, b[i]!)) return false;
    return true;
  }
  if (a instanceof PyTuple) {
    if (!(b instanceof PyTuple) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!pyEq(a.items[i]!, b.items[i]!)) return false;
    return true;
  }
  if (a instanceof PyDict) {
    if (!(b instanceof PyDict) || a.size !== b.size) return false;
    for (const [k, v] of a) {
      const w = b.get(k);
      if (w === undefined || !pyEq(v, w)) return false;
    }
    return true;
  }
  if (a instanceof PyObject) return a.pyEquals(b);
  if (b instanceof PyObject) return b.pyEquals(a);
  return false;
}

/**
 * `repr(x)` of a float: the shortest string that round-trips (as in JS), written in Python's layout — exponent form
 * when the decimal exponent is below -4 or at least 16 (`1e-05`, `1e+16`), otherwise positional with at least one
 * fractional digit (`5.0`, `0.0001`).
 */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  if (abs >= 1e-4 && abs < 1e16) {
    // Both languages write this range positionally with the same shortest digits; JS drops the ".0".
    const s = String(x);
    return s.includes('.') ? s : s + '.0';
  }
  const sign = x < 0 ? '-' : '';
  const [mantissa, exponent = '0'] = String(Math.abs(x)).split('e');
  const [intPart, fracPart = ''] = mantissa!.split('.');
  let digits = intPart! + fracPart;
  let decpt = intPart!.length + Number(exponent);
  // Normalise to significant digits d1 d2 ... with the decimal point after `decpt` of them.
  const lead = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(lead);
  decpt -= lead;
  digits = digits.replace(/0+$/, '');
  if (decpt > 16 || decpt < -3) {
    const e = decpt - 1;
    const mant = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    return `${sign}${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

// Python's str.isprintable(): false for Other (C*) and Separator (Z*) categories, except the ASCII space.
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

/** `repr(s)` of a str: single quotes unless the text has ' and no ", Python's escapes for the rest. */
export function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + hex(cp, 2);
    else if (cp < 0x7f) out += ch;
    else if (ch !== ' ' && NON_PRINTABLE.test(ch)) {
      out += cp <= 0xff ? '\\x' + hex(cp, 2) : cp <= 0xffff ? '\\u' + hex(cp, 4) : '\\U' + hex(cp, 8);
    } else out += ch;
  }
  return out + quote;
}

/** `repr(v)`. */
export function pyRepr(v: PyValue): string {
  if (v === null) return 'None';
  switch (typeof v) {
    case 'boolean':
      return v ? 'True' : 'False';
    case 'bigint':
      return v.toString();
    case 'number':
      return floatRepr(v);
    case 'string':
      return strRepr(v);
  }
  if (Array.isArray(v)) return '[' + v.map(pyRepr).join(', ') + ']';
  if (v instanceof PyTuple) {
    const inner = v.items.map(pyRepr).join(', ');
    return v.length === 1 ? `(${inner},)` : `(${inner})`;
  }
  if (v instanceof PyDict) return '{' + v.entries().map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ') + '}';
  return v.pyRepr();
}

/** `str(v)`: the text itself for a str, the object's __str__ for objects, repr otherwise. */
export function pyStr(v: PyValue): string {
  if (typeof v === 'string') return v;
  if (v instanceof PyObject) return v.pyStr();
  return pyRepr(v);
}

/** A JSON string literal as Python's json.dumps writes it (ensure_ascii=True). */
const NEEDS_ESCAPE = /["\\\x00-\x1f\x7f-\uffff]/;

export function jsonString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += '\\u' + hex(c, 4); // UTF-16 units: astral chars become surrogate pairs
    else out += s[i];
  }
  return out + '"';
}

function jsonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return floatRepr(x);
}

function jsonKey(k: PyValue): string {
  if (typeof k === 'string') return jsonString(k);
  if (typeof k === 'boolean') return k ? '"true"' : '"false"';
  if (k === null) return '"null"';
  if (typeof k === 'bigint') return `"${k.toString()}"`;
  if (typeof k === 'number') return `"${jsonFloat(k)}"`;
  throw typeError(`keys must be str, int, float, bool or None, not ${pyTypeName(k)}`);
}

/**
 * `json.dumps(v)` with Python's defaults (separators ", " and ": ", ensure_ascii). Objects that Python cannot
 * serialise raise its TypeError, so callers can fall back to `str()` as the original executor does.
 */
export function jsonDumps(v: PyValue): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'number':
      return jsonFloat(v);
    case 'string':
      return jsonString(v);
  }
  if (Array.isArray(v)) return '[' + v.map(jsonDumps).join(', ') + ']';
  if (v instanceof PyTuple) return '[' + v.items.map(jsonDumps).join(', ') + ']';
  if (v instanceof PyDict) return '{' + v.entries().map(([k, x]) => `${jsonKey(k)}: ${jsonDumps(x)}`).join(', ') + '}';
  throw typeError(`Object of type ${v.pyClassName} is not JSON serializable`);
}

/** Python `bool(v)`. */
export function pyTruthy(v: PyValue): boolean {
  if (v === null) return false;
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'bigint':
      return v !== 0n;
    case 'number':
      return v !== 0; // NaN is truthy in Python
    case 'string':
      return v.length > 0;
  }
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof PyTuple) return v.length > 0;
  if (v instanceof PyDict) return v.size > 0;
  if (v instanceof PySet) return v.size > 0;
  return true;
}

/** `copy.deepcopy(v)` for the value model (objects are copied by their own `deepCopy` when they define one). */
export function deepCopy<T extends PyValue>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => deepCopy(x)) as T;
  if (v instanceof PyTuple) return new PyTuple(v.items.map((x) => deepCopy(x))) as T;
  if (v instanceof PyDict) return new PyDict(v.entries().map(([k, x]) => [k, deepCopy(x)] as const)) as T;
  const copier = (v as unknown as { deepCopy?: () => T }).deepCopy;
  return copier ? copier.call(v) : v;
}
