import { getItem, joinStrings, pyIn, pyIter } from './builtins.js';
import { pyAbs, pyCompare, pyFloat, pyInt, pyLen, pyRound, pySum } from './ops.js';
import { splitWhitespace, strip } from './strings.js';
import {
  PyDict,
  PyException,
  PySet,
  PyTuple,
  attributeError,
  pyEq,
  pyRepr,
  pyStr,
  pyTruthy,
  pyTypeName,
  typeError,
  valueError,
  type PyValue,
} from './value.js';

/**
 * The Python builtins and value methods a call string may use around the API methods (`len(ls())`,
 * `str(get_ticket(1))`, `ls().get('error')`, `sorted(...)`): the original `eval`s the call, so they work there.
 * Positional arguments and keywords as Python passes them; the common cases have Python's results, the rarer
 * error texts are approximate. Objects the port does not model (`range`, `dict_keys`, generators, `enumerate`)
 * are lists here: the same when iterated, not when printed.
 */
export type Keywords = ReadonlyArray<readonly [string, PyValue]>;
type Builtin = (args: readonly PyValue[], keywords: Keywords) => PyValue;

function arity(name: string, args: readonly PyValue[], min: number, max: number, keywords: Keywords, allowed: readonly string[] = []): void {
  for (const [k] of keywords) {
    if (allowed.includes(k)) continue;
    throw typeError(allowed.length === 0 ? `${name}() takes no keyword arguments` : `'${k}' is an invalid keyword argument for ${name}()`);
  }
  if (args.length < min || args.length > max) {
    const expected = min === max ? `exactly ${min === 1 ? 'one argument' : `${min} arguments`}` : `at most ${max} arguments`;
    throw typeError(`${name}() takes ${expected} (${args.length} given)`);
  }
}

function keyword(keywords: Keywords, name: string): PyValue | undefined {
  return keywords.find(([k]) => k === name)?.[1];
}

/** `sorted` and `list.sort`: stable, by `<`, with Python's TypeError for unorderable items. */
function sortValues(values: readonly PyValue[], reverse: boolean): PyValue[] {
  const indexed = values.map((v, i) => [v, i] as const);
  indexed.sort(([a, i], [b, j]) => {
    if (pyCompare('<', reverse ? b : a, reverse ? a : b)) return -1;
    if (pyCompare('<', reverse ? a : b, reverse ? b : a)) return 1;
    return i - j;
  });
  return indexed.map(([v]) => v);
}

function extreme(name: 'min' | 'max', args: readonly PyValue[], keywords: Keywords): PyValue {
  arity(name, args, 1, Infinity, keywords, ['default']);
  const values = args.length === 1 ? pyIter(args[0]!) : [...args];
  if (values.length === 0) {
    const fallback = keyword(keywords, 'default');
    if (fallback !== undefined) return fallback;
    throw valueError(`${name}() arg is an empty sequence`);
  }
  let best: PyValue = values[0]!;
  for (const v of values.slice(1)) if (pyCompare(name === 'min' ? '<' : '>', v, best)) best = v;
  return best;
}

const RANGE_LIMIT = 10_000_000n;

function range(args: readonly PyValue[]): PyValue[] {
  const ints = args.map((a) => {
    if (typeof a !== 'bigint' && typeof a !== 'boolean') {
      throw typeError(`'${pyTypeName(a)}' object cannot be interpreted as an integer`);
    }
    return typeof a === 'boolean' ? (a ? 1n : 0n) : a;
  });
  const [start, stop, step] = ints.length === 1 ? [0n, ints[0]!, 1n] : [ints[0]!, ints[1]!, ints[2] ?? 1n];
  if (step === 0n) throw valueError('range() arg 3 must not be zero');
  // Python's range is lazy; this one is a list, so a huge one is refused rather than filling the memory.
  const count = step > 0n ? (stop - start + step - 1n) / step : (start - stop - step - 1n) / -step;
  if (count > RANGE_LIMIT) throw new PyException('MemoryError', `range of ${count} items (the port builds ranges as lists)`);
  const out: PyValue[] = [];
  for (let i = start; step > 0n ? i < stop : i > stop; i += step) out.push(i);
  return out;
}

const BUILTINS: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ['len', (a, k) => (arity('len', a, 1, 1, k), pyLen(a[0]!))],
  ['str', (a, k) => (arity('str', a, 0, 1, k), a.length === 0 ? '' : pyStr(a[0]!))],
  ['repr', (a, k) => (arity('repr', a, 1, 1, k), pyRepr(a[0]!))],
  ['print', (a, k) => (arity('print', a, 0, Infinity, k, ['sep', 'end', 'file', 'flush']), null)],
  ['bool', (a, k) => (arity('bool', a, 0, 1, k), a.length === 0 ? false : pyTruthy(a[0]!))],
  ['int', (a, k) => (arity('int', a, 0, 1, k), a.length === 0 ? 0n : pyInt(a[0]!))],
  ['float', (a, k) => (arity('float', a, 0, 1, k), a.length === 0 ? 0.0 : pyFloat(a[0]!))],
  ['list', (a, k) => (arity('list', a, 0, 1, k), a.length === 0 ? [] : [...pyIter(a[0]!)])],
  ['tuple', (a, k) => (arity('tuple', a, 0, 1, k), new PyTuple(a.length === 0 ? [] : pyIter(a[0]!)))],
  ['set', (a, k) => (arity('set', a, 0, 1, k), new PySet(a.length === 0 ? [] : pyIter(a[0]!)))],
  [
    'sorted',
    (a, k) => {
      arity('sorted', a, 1, 1, k, ['reverse']);
      return sortValues(pyIter(a[0]!), pyTruthy(keyword(k, 'reverse') ?? false));
    },
  ],
  ['sum', (a, k) => (arity('sum', a, 1, 2, k), a.length === 2 ? pyIter(a[0]!).reduce((acc, v) => pySum([acc, v]), a[1]!) : pySum(pyIter(a[0]!)))],
  ['min', (a, k) => extreme('min', a, k)],
  ['max', (a, k) => extreme('max', a, k)],
  ['abs', (a, k) => (arity('abs', a, 1, 1, k), pyAbs(a[0]!))],
  ['round', (a, k) => (arity('round', a, 1, 2, k), pyRound(a[0]!, a[1] ?? null))],
  ['range', (a, k) => (arity('range', a, 1, 3, k), range(a))],
  [
    'enumerate',
    (a, k) => {
      arity('enumerate', a, 1, 2, k);
      const start = a[1] === undefined ? 0n : pyInt(a[1]);
      return pyIter(a[0]!).map((v, i) => new PyTuple([start + BigInt(i), v]));
    },
  ],
  [
    'zip',
    (a, k) => {
      arity('zip', a, 0, Infinity, k);
      const lists = a.map((x) => pyIter(x));
      const n = lists.length === 0 ? 0 : Math.min(...lists.map((l) => l.length));
      return Array.from({ length: n }, (_, i) => new PyTuple(lists.map((l) => l[i]!)));
    },
  ],
]);

/** Whether `name` is a builtin function this port can call. */
export function isBuiltinFunction(name: string): boolean {
  return BUILTINS.has(name);
}

export function callBuiltin(name: string, args: readonly PyValue[], keywords: Keywords): PyValue {
  const fn = BUILTINS.get(name);
  if (!fn) throw new Error(`not a builtin: ${name}`);
  return fn(args, keywords);
}

type Method = (args: readonly PyValue[], keywords: Keywords) => PyValue;

/** `obj.name`, looked up before the arguments are evaluated (an unknown name is Python's AttributeError). */
export function valueMethod(obj: PyValue, name: string): Method {
  const method = methodOf(obj, name);
  if (!method) throw attributeError(`'${pyTypeName(obj)}' object has no attribute '${name}'`);
  return method;
}

function methodOf(obj: PyValue, name: string): Method | undefined {
  if (obj instanceof PyDict) {
    switch (name) {
      case 'get':
        return (a, k) => {
          arity(name, a, 1, 2, k);
          return obj.has(a[0]!) ? getItem(obj, a[0]!) : (a[1] ?? null);
        };
      case 'keys':
        return (a, k) => (arity(name, a, 0, 0, k), obj.keys());
      case 'values':
        return (a, k) => (arity(name, a, 0, 0, k), obj.values());
      case 'items':
        return (a, k) => (arity(name, a, 0, 0, k), obj.entries().map(([key, v]) => new PyTuple([key, v])));
    }
    return undefined;
  }
  if (typeof obj === 'string') {
    const str = (v: PyValue | undefined, what: string): string => {
      if (typeof v !== 'string') throw typeError(`${what} arg must be None or str`);
      return v;
    };
    switch (name) {
      case 'upper':
        return (a, k) => (arity(name, a, 0, 0, k), obj.toUpperCase());
      case 'lower':
        return (a, k) => (arity(name, a, 0, 0, k), obj.toLowerCase());
      case 'strip':
        return (a, k) => (arity(name, a, 0, 1, k), strip(obj, a[0] === undefined || a[0] === null ? null : str(a[0], 'strip'), 'both'));
      case 'split':
        return (a, k) => (arity(name, a, 0, 1, k), a[0] === undefined || a[0] === null ? splitWhitespace(obj) : obj.split(str(a[0], 'split')));
      case 'join':
        return (a, k) => (arity(name, a, 1, 1, k), joinStrings(obj, pyIter(a[0]!)));
      case 'replace':
        return (a, k) => (arity(name, a, 2, 2, k), obj.split(str(a[0], 'replace')).join(str(a[1], 'replace')));
      case 'startswith':
        return (a, k) => (arity(name, a, 1, 1, k), obj.startsWith(str(a[0], 'startswith')));
      case 'endswith':
        return (a, k) => (arity(name, a, 1, 1, k), obj.endsWith(str(a[0], 'endswith')));
    }
    return undefined;
  }
  if (Array.isArray(obj)) {
    switch (name) {
      case 'count':
        return (a, k) => (arity(name, a, 1, 1, k), BigInt(obj.filter((v) => pyEq(v, a[0]!)).length));
      case 'index':
        return (a, k) => {
          arity(name, a, 1, 1, k);
          const i = obj.findIndex((v) => pyEq(v, a[0]!));
          if (i < 0) throw valueError(`${pyRepr(a[0]!)} is not in list`);
          return BigInt(i);
        };
    }
  }
  return undefined;
}

/** One comparison of a chain (`a < b`, `x in y`, `v is None`). */
export function compareValues(op: string, a: PyValue, b: PyValue): boolean {
  switch (op) {
    case '==':
      return pyEq(a, b);
    case '!=':
      return !pyEq(a, b);
    case '<':
    case '<=':
    case '>':
    case '>=':
      return pyCompare(op, a, b);
    case 'in':
      return pyIn(a, b);
    case 'not in':
      return !pyIn(a, b);
    case 'is':
      return a === b;
    case 'is not':
      return a !== b;
  }
  throw new Error(`unknown comparison ${op}`);
}
