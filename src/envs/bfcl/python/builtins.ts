import {
  PyDict,
  PySet,
  PyTuple,
  attributeError,
  indexError,
  pyEq,
  pyTypeName,
  typeError,
  valueError,
  type PyValue,
} from './value.js';

/**
 * Python builtins and methods the ported classes use, with Python's errors for wrong types (models pass any JSON
 * value for any parameter, and the error text is part of the result the checker compares).
 */

/** `item in container`. */
export function pyIn(item: PyValue, container: PyValue): boolean {
  if (Array.isArray(container)) return container.some((x) => pyEq(x, item));
  if (container instanceof PyTuple) return container.items.some((x) => pyEq(x, item));
  if (container instanceof PyDict) return container.has(item);
  if (container instanceof PySet) return container.has(item);
  if (typeof container === 'string') {
    if (typeof item !== 'string') {
      throw typeError(`'in <string>' requires string as left operand, not ${pyTypeName(item)}`);
    }
    return container.includes(item);
  }
  throw typeError(`argument of type '${pyTypeName(container)}' is not iterable`);
}

/** `v.<method>` on something that must be a str: the str, or Python's AttributeError. */
export function asStr(v: PyValue, method: string): string {
  if (typeof v !== 'string') throw attributeError(`'${pyTypeName(v)}' object has no attribute '${method}'`);
  return v;
}

/** `v.<method>` on something that must be a list. */
export function asList(v: PyValue, method: string): PyValue[] {
  if (!Array.isArray(v)) throw attributeError(`'${pyTypeName(v)}' object has no attribute '${method}'`);
  return v;
}

/** `v.<method>` on something that must be a dict. */
export function asDict(v: PyValue, method: string): PyDict {
  if (!(v instanceof PyDict)) throw attributeError(`'${pyTypeName(v)}' object has no attribute '${method}'`);
  return v;
}

/** `v[key]` on a dict (KeyError) or a list/str with an int index (IndexError), as Python subscripts. */
export function getItem(v: PyValue, key: PyValue): PyValue {
  if (v instanceof PyDict) return v.getItem(key);
  if (Array.isArray(v)) return v[sequenceIndex(v, key, 'list')]!;
  if (v instanceof PyTuple) return v.items[sequenceIndex(v.items, key, 'tuple')]!;
  if (typeof v === 'string') {
    // CPython 3.11 words the str case differently (and quotes the type name there).
    if (typeof key !== 'bigint' && typeof key !== 'boolean') throw typeError(`string indices must be integers, not '${pyTypeName(key)}'`);
    const chars = [...v];
    return chars[sequenceIndex(chars, key, 'str')]!;
  }
  throw typeError(`'${pyTypeName(v)}' object is not subscriptable`);
}

/** `list.remove(x)`: removes the first element equal to x. */
export function listRemove(list: PyValue[], x: PyValue): void {
  const i = list.findIndex((y) => pyEq(y, x));
  if (i < 0) throw valueError('list.remove(x): x not in list');
  list.splice(i, 1);
}

/** `str.zfill(width)`. */
export function zfill(s: string, width: number): string {
  if (s.length >= width) return s;
  const sign = s[0] === '+' || s[0] === '-' ? s[0] : '';
  return sign + '0'.repeat(width - s.length) + s.slice(sign.length);
}

/** Iterates a Python iterable (list, tuple, str, dict keys, set) as `for x in v`. */
export function pyIter(v: PyValue): PyValue[] {
  if (Array.isArray(v)) return v;
  if (v instanceof PyTuple) return [...v.items];
  if (typeof v === 'string') return [...v];
  if (v instanceof PyDict) return v.keys();
  if (v instanceof PySet) return v.items();
  throw typeError(`'${pyTypeName(v)}' object is not iterable`);
}

/** The index `v[key]` reads or writes; `what` names the sequence in Python's messages ("list", "tuple", ...). */
function sequenceIndex(v: readonly PyValue[], key: PyValue, what: string): number {
  if (typeof key !== 'bigint' && typeof key !== 'boolean') {
    throw typeError(`${what.split(' ')[0]} indices must be integers or slices, not ${pyTypeName(key)}`);
  }
  const n = v.length;
  let i = Number(typeof key === 'boolean' ? (key ? 1n : 0n) : key);
  if (i < 0) i += n;
  if (i < 0 || i >= n) throw indexError(`${what === 'str' ? 'string' : what} index out of range`);
  return i;
}

/** `container[key] = value` for dicts and lists. */
export function setItem(container: PyValue, key: PyValue, value: PyValue): void {
  if (container instanceof PyDict) {
    container.set(key, value);
    return;
  }
  if (Array.isArray(container)) {
    container[sequenceIndex(container, key, 'list assignment')] = value;
    return;
  }
  throw typeError(`'${pyTypeName(container)}' object does not support item assignment`);
}

/**
 * `a += b` / `a -= b`: Python names the augmented operator in its TypeError ("unsupported operand type(s) for -=:
 * 'NoneType' and 'int'"), where python/ops.ts names the plain one.
 */
export function augmented(op: '+=' | '-=', fn: (a: PyValue, b: PyValue) => PyValue, a: PyValue, b: PyValue): PyValue {
  try {
    return fn(a, b);
  } catch (e) {
    if (e instanceof Error && e.name === 'TypeError' && e.message.startsWith(`unsupported operand type(s) for ${op[0]}:`)) {
      throw typeError(e.message.replace(`for ${op[0]}:`, `for ${op}:`));
    }
    throw e;
  }
}

/** `sep.join(items)`: every item must be a str. */
export function joinStrings(sep: string, items: readonly PyValue[]): string {
  items.forEach((item, i) => {
    if (typeof item !== 'string') throw typeError(`sequence item ${i}: expected str instance, ${pyTypeName(item)} found`);
  });
  return items.join(sep);
}
