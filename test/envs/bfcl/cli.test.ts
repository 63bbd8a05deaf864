import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function seeupo(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/seeupo.js', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function inputFile(lines: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'seeupo-bfcl-'));
  const file = join(dir, 'in.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

// multi_turn_base_0: its ground truth, and the same with the last call of turn 0 dropped. Expected results and
// verdicts are the goldens of the Python original.
const GROUND_TRUTH = [[["cd(folder='document')", "mkdir(dir_name='temp')", "mv(source='final_report.pdf', destination='temp')"]], [["cd(folder='temp')", "grep(file_name='final_report.pdf',pattern='budget analysis')"]], [["sort('final_report.pdf')"]], [["cd(folder='..')", "mv(source='previous_report.pdf',destination='temp')", "cd(folder='temp')", "diff(file_name1='final_report.pdf',file_name2='previous_report.pdf')"]]];
const DROP_LAST = [[["cd(folder='document')", "mkdir(dir_name='temp')"]], [["cd(folder='temp')", "grep(file_name='final_report.pdf',pattern='budget analysis')"]], [["sort('final_report.pdf')"]], [["cd(folder='..')", "mv(source='previous_report.pdf',destination='temp')", "cd(folder='temp')", "diff(file_name1='final_report.pdf',file_name2='previous_report.pdf')"]]];
const GROUND_TRUTH_RESULTS = [[["{\"current_working_directory\": \"document\"}", "None", "{\"result\": \"'final_report.pdf' moved to 'temp/final_report.pdf'\"}"]], [["{\"current_working_directory\": \"temp\"}", "{\"matching_lines\": [\"Year2024 This is the final report content including budget analysis and other sections.\"]}"]], [["{\"sorted_content\": \"Year2024 This is the final report content including budget analysis and other sections.\"}"]], [["{}", "{\"result\": \"'previous_report.pdf' moved to 'temp/previous_report.pdf'\"}", "{\"current_working_directory\": \"temp\"}", "{\"diff_lines\": \"- Year2024 This is the final report content including budget analysis and other sections.\\n+ Year203 This is the previous report content with different budget analysis.\"}"]]];

test('seeupo bfcl replay prints results and verdicts per input line', () => {
  const file = inputFile([
    JSON.stringify({ id: 'multi_turn_base_0', model: GROUND_TRUTH }),
    '',
    JSON.stringify({ id: 'multi_turn_base_0', model: DROP_LAST }),
  ]);
  const r = seeupo('bfcl', 'replay', '--category', 'base', '--input', file);
  assert.equal(r.code, 0, r.err);
  const out = r.out.trim().split('\n').map((l) => JSON.parse(l) as { id: string; results: string[][][]; valid: boolean; error_type: string | null });
  assert.equal(out.length, 2);
  assert.deepEqual(out[0], { id: 'multi_turn_base_0', results: GROUND_TRUTH_RESULTS, valid: true, error_type: null });
  assert.equal(out[1]!.valid, false);
  assert.equal(out[1]!.error_type, 'multi_turn:instance_state_mismatch');
  assert.deepEqual(out[1]!.results[0], [GROUND_TRUTH_RESULTS[0]![0]!.slice(0, 2)]);
  assert.match(r.err, /replayed 2 lines/);
});

test("seeupo bfcl replay --today moves TravelAPI's today (default: the goldens' 2026-11-25)", () => {
  const call = "verify_traveler_information(first_name='Michael', last_name='Thompson', date_of_birth='2008-11-26', passport_number='P12345678')";
  const file = inputFile([JSON.stringify({ id: 'multi_turn_base_153', model: [[[call]]] })]);
  const result = (r: { code: number | null; out: string; err: string }): string => {
    assert.equal(r.code, 0, r.err);
    return (JSON.parse(r.out) as { results: string[][][] }).results[0]![0]![0]!;
  };
  // 17 years old on 2026-11-25, 18 the day after (then the next check, the passport, fails).
  assert.equal(
    result(seeupo('bfcl', 'replay', '--category', 'base', '--input', file)),
    '{"verification_status": false, "verification_failure": "Traveler must be at least 18 years old."}',
  );
  assert.equal(
    result(seeupo('bfcl', 'replay', '--category', 'base', '--input', file, '--today', '2026-11-26')),
    '{"verification_status": false, "verification_failure": "Passport must be issued by the United States."}',
  );
  const bad = seeupo('bfcl', 'replay', '--category', 'base', '--input', file, '--today', '2026-02-30');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--today takes a date YYYY-MM-DD, got '2026-02-30'/);
});

// What the original's executor printed (CPython 3.11.7, model_name 'gpt-4o-2024-11-20-FC', is_evaL_run=True): the
// method name inside the string gets the instance's name, made of the model name and the entry id.
test("seeupo bfcl replay --model-name names the instances the original writes into strings (default 'seeupo')", () => {
  const calls = ["echo(content='run ls () now', file_name='a.txt')", "cat(file_name='a.txt')"];
  const file = inputFile([JSON.stringify({ id: 'multi_turn_base_0', model: [[calls], [], [], []] })]);
  const catResult = (r: { code: number | null; out: string; err: string }): string => {
    assert.equal(r.code, 0, r.err);
    return (JSON.parse(r.out) as { results: string[][][] }).results[0]![0]![1]!;
  };
  assert.equal(
    catResult(seeupo('bfcl', 'replay', '--category', 'base', '--input', file, '--model-name', 'gpt-4o-2024-11-20-FC')),
    '{"file_content": "run gpt_4o_2024_11_20_FC_eval_multi_turn_base_0_GorillaFileSystem_instance.ls() now"}',
  );
  assert.equal(
    catResult(seeupo('bfcl', 'replay', '--category', 'base', '--input', file)),
    '{"file_content": "run seeupo_eval_multi_turn_base_0_GorillaFileSystem_instance.ls() now"}',
  );
});

test('seeupo bfcl replay names bad input without a stack trace', () => {
  const unknownId = seeupo('bfcl', 'replay', '--category', 'base', '--input', inputFile(['{"id": "multi_turn_base_999", "model": []}']));
  assert.equal(unknownId.code, 2);
  assert.match(unknownId.err, /in\.jsonl:1: no entry 'multi_turn_base_999' in category base/);
  const badShape = seeupo('bfcl', 'replay', '--category', 'base', '--input', inputFile(['{"id": "multi_turn_base_0", "model": [["ls()"]]}']));
  assert.equal(badShape.code, 2);
  assert.match(badShape.err, /"model" must be a list \(turns\) of lists \(steps\) of call strings/);
  const badCategory = seeupo('bfcl', 'replay', '--category', 'simple', '--input', 'x');
  assert.equal(badCategory.code, 2);
  assert.match(badCategory.err, /unknown category 'simple'/);
  assert.ok(!badCategory.err.includes('    at '));
});

test('seeupo bfcl stats counts turns, calls and entries solvable within call budgets', () => {
  const r = seeupo('bfcl', 'stats', '--json', '--budget', '10', '34', '35');
  assert.equal(r.code, 0, r.err);
  const rows = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(rows.map((x) => x['category']), ['base', 'miss_func', 'miss_param', 'long_context']);
  // base: 745 turns and 1161 calls over 200 entries; long_context: 1222 calls, two entries need 34 and 35.
  assert.deepEqual(rows[0], {
    category: 'base',
    entries: 200,
    turns: { min: 1, mean: 3.725, max: 7 },
    calls: { min: 2, mean: 5.805, max: 10 },
    maxCallsPerTurn: 7,
    solvableWithin: { '10': 200, '34': 200, '35': 200 },
  });
  assert.deepEqual(rows[3]!['solvableWithin'], { '10': 198, '34': 199, '35': 200 });
  assert.equal((rows[3]!['calls'] as { mean: number }).mean, 6.11);
  const table = seeupo('bfcl', 'stats');
  assert.equal(table.out.split('\n')[0], 'category\tentries\tturns min/mean/max\tcalls min/mean/max\tmax calls/turn\tsolvable<=10\tsolvable<=20\tsolvable<=30\tsolvable<=50');
  assert.equal(seeupo('bfcl', 'stats', '--budget', 'x').code, 2);
});
