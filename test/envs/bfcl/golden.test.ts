import { test } from 'node:test';
import assert from 'node:assert/strict';
import { API_CLASSES } from '../../../src/envs/bfcl/apis/index.js';
import { GOLDEN_DATE, fixedClock } from '../../../src/envs/bfcl/apis/contract.js';
import { multiTurnCheck, isLongContextEntry } from '../../../src/envs/bfcl/checker.js';
import { BFCL_CATEGORIES, loadEntries, type BfclEntry } from '../../../src/envs/bfcl/data.js';
import { ApiSession } from '../../../src/envs/bfcl/executor.js';
import { jsonLoads } from '../../../src/envs/bfcl/python/json.js';
import { PyDict, pyEq, pyRepr } from '../../../src/envs/bfcl/python/value.js';
import { GOLDEN_MISSING, goldenAvailable, jsonable, readGoldenLines } from './golden-support.js';

/**
 * The port against the Python original, through ../shared/bfcl/golden: every ground-truth result string
 * byte-identical, every public state after a turn equal (Python ==), every checker verdict identical. Entries run in
 * make_golden.py's order (per entry: its ground-truth turns, then its variants), since a few module-level values of
 * the original (mpmath precision, long_context tables) carry over from one call to the next.
 */
const context = { clock: fixedClock(GOLDEN_DATE) };
const MAX_REPORTED = 15;

interface ResultLine {
  id: string;
  turn: number;
  calls: string[];
  results: string[];
  state: unknown;
}
interface VerdictLine {
  id: string;
  variant: string;
  model: string[][][];
  valid: boolean;
  error_type: string | null;
}

function groupById<T extends { id: string }>(items: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of items) {
    const list = out.get(x.id) ?? [];
    list.push(x);
    out.set(x.id, list);
  }
  return out;
}

for (const category of BFCL_CATEGORIES) {
  test(`golden ${category}: results, states and verdicts match the Python original`, { skip: !goldenAvailable() && GOLDEN_MISSING }, () => {
    const resultLines = readGoldenLines(`results.${category}.jsonl`);
    const results = groupById(resultLines.map((l) => ({ ...(JSON.parse(l) as ResultLine), line: l })));
    const verdicts = groupById(readGoldenLines(`verdicts.${category}.jsonl`).map((l) => JSON.parse(l) as VerdictLine));
    const failures: string[] = [];
    const fail = (msg: string): void => {
      failures.push(msg);
    };
    let checkedTurns = 0;
    let checkedVerdicts = 0;
    const skipped: string[] = [];
    for (const entry of loadEntries(category)) {
      if (!entry.involvedClasses.every((c) => API_CLASSES.has(c))) {
        skipped.push(entry.id);
        continue;
      }
      checkedTurns += checkResults(entry, results.get(entry.id) ?? [], fail);
      for (const v of verdicts.get(entry.id) ?? []) {
        const verdict = multiTurnCheck(v.model, entry.groundTruth, entry, { context });
        checkedVerdicts++;
        if (verdict.valid !== v.valid || verdict.errorType !== v.error_type) {
          fail(
            `${entry.id} variant ${v.variant}: verdict ${verdict.valid}/${verdict.errorType} (turn ${verdict.turn}) but Python gave ${v.valid}/${v.error_type}`,
          );
        }
      }
    }
    if (skipped.length > 0) {
      console.error(`golden ${category}: ${skipped.length} entries skipped (classes not ported yet)`);
    }
    console.error(`golden ${category}: ${checkedTurns} turns and ${checkedVerdicts} verdicts checked`);
    assert.ok(
      failures.length === 0,
      `${failures.length} mismatches in ${category}:\n${failures.slice(0, MAX_REPORTED).join('\n')}`,
    );
  });
}

function checkResults(entry: BfclEntry, lines: Array<ResultLine & { line: string }>, fail: (m: string) => void): number {
  const session = new ApiSession({
    involvedClasses: entry.involvedClasses,
    initialConfig: entry.initialConfig,
    longContext: isLongContextEntry(entry.id),
    context,
  });
  for (const line of lines) {
    const got = session.executeAll(line.calls);
    for (let i = 0; i < Math.max(got.length, line.results.length); i++) {
      if (got[i] !== line.results[i]) {
        fail(`${entry.id} turn ${line.turn} call ${JSON.stringify(line.calls[i])}:\n  TS:     ${JSON.stringify(got[i])}\n  Python: ${JSON.stringify(line.results[i])}`);
      }
    }
    const wantState = (jsonLoads(line.line) as PyDict).getItem('state') as PyDict;
    for (const [className, instance] of session.instances) {
      const mine = jsonable(PyDict.of(instance.publicState()));
      const want = wantState.get(className) ?? new PyDict();
      if (!pyEq(mine, want)) {
        fail(`${entry.id} turn ${line.turn} state of ${className}:\n  TS:     ${clip(pyRepr(mine))}\n  Python: ${clip(pyRepr(want))}`);
      }
    }
  }
  return lines.length;
}

function clip(s: string): string {
  return s.length > 3000 ? s.slice(0, 3000) + '...' : s;
}
