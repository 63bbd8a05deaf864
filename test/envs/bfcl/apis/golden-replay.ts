/**
 * Test helper (not a test file): replays the golden ground-truth turns of every entry that involves one API class
 * through the executor, with only that class instantiated, and collects every difference from the original's
 * result strings and public state. States are compared as text: make_golden.py's `jsonable` then json.dumps on
 * both sides, so an int where Python has a float (or a different key order) is a difference too, stricter than the
 * checker's `==`.
 */
import { GOLDEN_DATE, fixedClock, type ApiClass } from '../../../../src/envs/bfcl/apis/contract.js';
import { BFCL_CATEGORIES, loadEntries, type BfclCategory } from '../../../../src/envs/bfcl/data.js';
import { ApiSession } from '../../../../src/envs/bfcl/executor.js';
import { jsonLoads } from '../../../../src/envs/bfcl/python/json.js';
import { PyDict, jsonDumps } from '../../../../src/envs/bfcl/python/value.js';
import { jsonable, readGoldenLines } from '../golden-support.js';

export interface ReplayReport {
  /** Ground-truth turns replayed (entries involving the class, all categories). */
  turns: number;
  /** Calls of the class whose result string was compared. */
  calls: number;
  /** Entries involving the class. */
  entries: number;
  mismatches: string[];
}

const CALL_HEAD = /^\s*([A-Za-z_]\w*)\s*\(/;

/** Replays one category's golden turns for `cls`; differences are described with entry id, turn and call. */
function replayCategory(cls: ApiClass, category: BfclCategory, report: ReplayReport): void {
  const entries = new Map(loadEntries(category).map((e) => [e.id, e] as const));
  let session: ApiSession | null = null;
  let sessionId = '';
  for (const line of readGoldenLines(`results.${category}.jsonl`)) {
    if (!line.includes(`"${cls.className}": {`)) continue;
    const golden = jsonLoads(line) as PyDict;
    const id = golden.getItem('id') as string;
    const entry = entries.get(id)!;
    if (!entry.involvedClasses.includes(cls.className)) continue;
    if (sessionId !== id) {
      session = new ApiSession({
        involvedClasses: [cls.className],
        initialConfig: entry.initialConfig,
        longContext: category === 'long_context',
        context: { clock: fixedClock(GOLDEN_DATE) },
        registry: new Map([[cls.className, cls]]),
      });
      sessionId = id;
      report.entries++;
    }
    report.turns++;
    const turn = golden.getItem('turn');
    const calls = golden.getItem('calls') as string[];
    const expected = golden.getItem('results') as string[];
    const actual = session!.executeAll(calls);
    calls.forEach((call, i) => {
      const name = CALL_HEAD.exec(call)?.[1];
      if (name === undefined || !cls.methods.has(name)) return; // another class's call
      report.calls++;
      if (actual[i] !== expected[i]) {
        report.mismatches.push(`${id} turn ${turn} call ${call}\n  python: ${expected[i]}\n  ts:     ${actual[i]}`);
      }
    });
    const expectedState = jsonDumps((golden.getItem('state') as PyDict).getItem(cls.className));
    const actualState = jsonDumps(jsonable(PyDict.of(session!.instances.get(cls.className)!.publicState())));
    if (actualState !== expectedState) {
      report.mismatches.push(`${id} turn ${turn} state of ${cls.className}\n  python: ${expectedState}\n  ts:     ${actualState}`);
    }
  }
}

/** Replays all four categories. */
export function replayAll(cls: ApiClass): ReplayReport {
  const report: ReplayReport = { turns: 0, calls: 0, entries: 0, mismatches: [] };
  for (const category of BFCL_CATEGORIES) replayCategory(cls, category, report);
  return report;
}
