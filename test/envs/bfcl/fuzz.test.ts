import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { instanceName, processMethodCalls } from '../../../src/envs/bfcl/call-rewrite.js';
import { FUZZ_CASES, readFuzzCases, replayFuzzCases, type FuzzCase } from './fuzz-support.js';

/**
 * The port against the Python original on model-like outputs. Expectations come from CPython 3.11.7 running the
 * original (../shared/bfcl/reference) through scripts/bfcl-fuzz.py: test/fixtures/bfcl-fuzz/exact.jsonl holds the
 * hand-written cases (`--exact`), cases.jsonl the generated ones (seed 0). Both files are replayed in order on one
 * process state, as `seeupo bfcl replay` replays a file.
 */
const EXACT = join(process.cwd(), 'test', 'fixtures', 'bfcl-fuzz', 'exact.jsonl');

/** `_process_method_calls(call, {'ls': 'I', 'cd': 'I', 'post_tweet': 'T'})` as CPython printed it. */
const REWRITES: ReadonlyArray<readonly [string, string]> = [
  ['ls()', 'I.ls()'],
  ['ls ()', 'I.ls()'],
  ['ls\t\n (a)', 'I.ls(a)'],
  ["cd(folder='the system (admin)')", "I.cd(folder='the system(admin)')"],
  ["post_tweet(content='ls() and cd (x)')", "T.post_tweet(content='I.ls() and I.cd(x)')"],
  ['x.ls()', 'x.I.ls()'],
  ['foo (ls ())', 'foo(I.ls())'],
  ['\u00e9ls(x)', '\u00e9ls(x)'],
  ['caf\u00e9 (x)', 'caf\u00e9(x)'],
  ['a1 (b) 1a (c) _ (d)', 'a1(b) 1a (c) _(d)'],
  ['ls\u3000()', 'I.ls()'],
  ['ls\u200b()', 'ls\u200b()'],
  ['ls\u00a0()', 'I.ls()'],
  ['ls\u001c()', 'I.ls()'],
  ['ls\ufeff()', 'ls\ufeff()'],
  ['print(ls)', 'print(ls)'],
  ['ls', 'ls'],
  ['\u00c0ls()', '\u00c0ls()'],
  ['ls\u00e9 ()', 'ls\u00e9()'],
];

test('processMethodCalls rewrites call text exactly as the original regex does, inside strings too', () => {
  const owners: Record<string, string> = { ls: 'I', cd: 'I', post_tweet: 'T' };
  for (const [call, want] of REWRITES) assert.equal(processMethodCalls(call, (n) => owners[n]), want, JSON.stringify(call));
  assert.equal(instanceName('gpt-4o-2024.1/x', 'multi_turn_base_0', 'TwitterAPI'), 'gpt_4o_2024_1_x_multi_turn_base_0_TwitterAPI_instance');
});

function resultsOf(c: FuzzCase): string[] {
  return c.results.flat(2).map((r) => (typeof r === 'string' ? r : JSON.stringify(r)));
}

test('hand-written cases: rewritten strings, keywords as argument names, the checker stopping at the first failure, instance names', () => {
  const cases = readFuzzCases(EXACT);
  const report = replayFuzzCases(cases);
  assert.equal(report.cases, 12);
  assert.deepEqual(report.differentResults, []);
  assert.deepEqual(report.differentVerdicts, []);
  // What the original printed, for the reader (the fixture holds all of it).
  const [rewrite, twitter, keywords, , afterFailure, , stillEmpty, , stillEmptyToo, , carried, instances] = cases.map(resultsOf);
  assert.ok(rewrite![4]!.includes('"the system(admin)"'));
  assert.equal(rewrite![6], '{"file_content": "see seeupo_eval_multi_turn_base_0_GorillaFileSystem_instance.ls() and seeupo_eval_multi_turn_base_0_GorillaFileSystem_instance.cd(folder) and print(x)"}');
  assert.equal(rewrite![10], "Error during execution: name 'ls' is not defined");
  assert.ok(twitter![1]!.includes('"tags": ["#a(b)"], "mentions": ["@c(d)"]'));
  assert.deepEqual(keywords!.slice(0, 4), [
    'Error during execution: invalid syntax (<string>, line 1)',
    'Error during execution: invalid syntax (<string>, line 1)',
    'Error during execution: cannot assign to True (<string>, line 1)',
    'Error during execution: cannot assign to None (<string>, line 1)',
  ]);
  assert.equal(keywords![9], 'Error during execution: invalid syntax (<string>, line 2)');
  for (const r of [afterFailure, stillEmpty, stillEmptyToo]) assert.match(r![0]!, /"tags": \[\], "mentions": \[\]\}$/);
  assert.match(carried![0]!, /"mentions": \["@kept"\]\}$/);
  assert.deepEqual(instances!.slice(1, 3), ['3', "Error during execution: 'TwitterAPI' object has no attribute 'nothing'"]);
});

test('generated model-like outputs: the same results and verdicts as the original, call for call', () => {
  const report = replayFuzzCases(readFuzzCases(FUZZ_CASES));
  assert.deepEqual({ cases: report.cases, calls: report.calls }, { cases: 400, calls: 3218 });
  assert.deepEqual(report.differentResults, []);
  assert.deepEqual(report.differentVerdicts, []);
});
