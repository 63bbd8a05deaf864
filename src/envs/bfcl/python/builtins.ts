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
  if (Array.isArray(v) || v instanceof PyTuple || typeof v === 'string') {
    const seq: readonly PyValue[] = Array.isArray(v) ? v : v instanceof PyTuple ? v.items : [...v];
    const what = Array.isArray(v) ? 'list' : v instanceof PyTuple ? 'tuple' : 'string';
    if (typeof key !== 'bigint' && typeof key !== 'boolean') {
      // CPython 3.11 words the str case differently (and quotes the type name there).
      throw typeError(what === 'string' ? `string indices must be integers, not '${pyTypeName(key)}'` : `${what} indices must be integers or slices, not ${pyTypeName(key)}`);
    }
    let i = Number(typeof key === 'boolean' ? (key ? 1n : 0n) : key);
    if (i < 0) i += seq.length;
    if (i < 0 || i >= seq.length) throw indexError(`${what} index out of range`);
    return seq[i]!;
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
