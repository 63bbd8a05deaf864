/**
 * Test helper (not a test file): replays the cases of scripts/bfcl-fuzz.py (model-like outputs with the Python
 * original's results and verdicts) through `replay`, in order, on one process state, as `seeupo bfcl replay` does
 * with a whole file, and lists every difference.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessState } from '../../../src/envs/bfcl/apis/process-state.js';
import { BFCL_CATEGORIES, loadEntries, type BfclCategory, type BfclEntry } from '../../../src/envs/bfcl/data.js';
import { replay } from '../../../src/envs/bfcl/replay.js';

export const FUZZ_CASES = join(process.cwd(), 'test', 'fixtures', 'bfcl-fuzz', 'cases.jsonl');

type Compact = string | { sha256: string; bytes: number };

export interface FuzzCase {
  readonly category: BfclCategory;
  readonly id: string;
  readonly kind: string;
  readonly model: string[][][];
  readonly results: Compact[][][];
  readonly valid: boolean;
  readonly error_type: string | null;
}

export interface FuzzDifference {
  readonly line: number;
  readonly kind: string;
  /** The call whose result differs, or null for a verdict difference. */
  readonly call: string | null;
  readonly python: string;
  readonly ts: string;
}

export interface FuzzReport {
  readonly cases: number;
  readonly calls: number;
  readonly differentResults: FuzzDifference[];
  readonly differentVerdicts: FuzzDifference[];
}

/** A result as the fixture stores it: the text, or the hash and UTF-8 length of a long one. */
export function compact(result: string): Compact {
  if (result.length <= 200) return result;
  const data = Buffer.from(result, 'utf8');
  return { sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length };
}

/**
 * TravelAPI's "Invalid travel class. Must be one of {...}" prints a Python set of str, whose order follows the
 * process's string hashes (PYTHONHASHSEED): the original itself prints it differently from run to run. Compared
 * with the members sorted.
 */
function setOrderFree(r: Compact | null): Compact | null {
  if (typeof r !== 'string') return r;
  return r.replace(/Must be one of \{([^}]*)\}/g, (_m, items: string) => `Must be one of {${items.split(', ').sort().join(', ')}}`);
}

export function readFuzzCases(file = FUZZ_CASES): FuzzCase[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as FuzzCase);
}

export function replayFuzzCases(cases: readonly FuzzCase[]): FuzzReport {
  const entries = new Map<string, BfclEntry>(BFCL_CATEGORIES.flatMap((cat) => loadEntries(cat).map((e) => [e.id, e] as const)));
  // One Python process ran the whole file: one process state, fresh at the start.
  const process = ProcessState.fresh();
  const differentResults: FuzzDifference[] = [];
  const differentVerdicts: FuzzDifference[] = [];
  let calls = 0;
  cases.forEach((c, line) => {
    const out = replay({ id: c.id, model: c.model }, entries.get(c.id)!, { process });
    if (out.valid !== c.valid || out.error_type !== c.error_type) {
      differentVerdicts.push({ line, kind: c.kind, call: null, python: `${c.valid} ${c.error_type}`, ts: `${out.valid} ${out.error_type}` });
    }
    c.model.forEach((turn, t) =>
      turn.forEach((step, s) =>
        step.forEach((call, k) => {
          calls++;
          const want = JSON.stringify(setOrderFree(c.results[t]?.[s]?.[k] ?? null));
          const got = out.results[t]?.[s]?.[k];
          const have = JSON.stringify(got === undefined ? null : setOrderFree(compact(got)));
          if (want !== have) differentResults.push({ line, kind: c.kind, call, python: want, ts: have });
        }),
      ),
    );
  });
  return { cases: cases.length, calls, differentResults, differentVerdicts };
}
