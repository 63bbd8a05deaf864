import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PyDict, PyObject, PyTuple, pyRepr, pyStr, type PyValue } from '../../../src/envs/bfcl/python/value.js';

/**
 * The goldens made by ../shared/bfcl/make_golden.py (tests only; the product never reads ../shared).
 * SEEUPO_BFCL_SHARED names the shared bfcl folder where it is not ../shared/bfcl (a git worktree elsewhere).
 */
export const SHARED_BFCL_DIR = process.env.SEEUPO_BFCL_SHARED ?? join(process.cwd(), '..', 'shared', 'bfcl');
export const GOLDEN_DIR = join(SHARED_BFCL_DIR, 'golden');

export function goldenAvailable(): boolean {
  return existsSync(join(GOLDEN_DIR, 'results.base.jsonl'));
}

export const GOLDEN_MISSING = `BFCL goldens not found at ${GOLDEN_DIR}: run python3 ../shared/bfcl/make_golden.py`;

export function readGoldenLines(file: string): string[] {
  return readFileSync(join(GOLDEN_DIR, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
}

/**
 * make_golden.py's `jsonable`: the public state as JSON-able values: dict keys through str(), tuples as lists,
 * objects with a __dict__ as {"__class__", public attributes except "parent"}, other objects as {"__class__", "repr"}.
 */
export function jsonable(v: PyValue, path: Set<object> = new Set()): PyValue {
  if (v === null || typeof v !== 'object') return v;
  if (path.has(v)) return PyDict.of({ __cycle__: v instanceof PyObject ? v.pyClassName : 'container' });
  const inner = new Set(path).add(v);
  if (v instanceof PyDict) return new PyDict(v.entries().map(([k, x]) => [pyStr(k), jsonable(x, inner)] as const));
  if (Array.isArray(v)) return v.map((x) => jsonable(x, inner));
  if (v instanceof PyTuple) return v.items.map((x) => jsonable(x, inner));
  const attrs = v.publicAttributes();
  if (attrs === null) return PyDict.of({ __class__: v.pyClassName, repr: pyRepr(v) });
  const out = new PyDict([['__class__', v.pyClassName]]);
  for (const [k, x] of Object.entries(attrs)) if (k !== 'parent') out.set(k, jsonable(x, inner));
  return out;
}
