import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GOLDEN_DATE, fixedClock } from '../../../src/envs/bfcl/apis/contract.js';
import { isEmptyTurn, isLongContextEntry, multiTurnCheck } from '../../../src/envs/bfcl/checker.js';
import { loadEntries } from '../../../src/envs/bfcl/data.js';

const context = { clock: fixedClock(GOLDEN_DATE) };

/**
 * Model call lists for multi_turn_base_0 and the verdicts the original multi_turn_checker gave them (CPython
 * 3.11.7): the empty-turn rule (one empty step is empty, two are not), state before response, results of earlier
 * turns counting for later ones, results compared as text (a different grep pattern with the same matches passes).
 */
const CASES: Array<{ name: string; model: string[][][]; valid: boolean; errorType: string | null; errorMessage: string | null }> = [
  { name: "ground_truth", model: [[["cd(folder='document')", "mkdir(dir_name='temp')", "mv(source='final_report.pdf', destination='temp')"]], [["cd(folder='temp')", "grep(file_name='final_report.pdf',pattern='budget analysis')"]], [["sort('final_report.pdf')"]], [["cd(folder='..')", "mv(source='previous_report.pdf',destination='temp')", "cd(folder='temp')", "diff(file_name1='final_report.pdf',file_name2='previous_report.pdf')"]]], valid: true, errorType: null, errorMessage: null },
  { name: "one_call_per_step", model: [[["cd(folder='document')"], ["mkdir(dir_name='temp')"], ["mv(source='final_report.pdf', destination='temp')"]], [["cd(folder='temp')"], ["grep(file_name='final_report.pdf',pattern='budget analysis')"]], [["sort('final_report.pdf')"]], [["cd(folder='..')"], ["mv(source='previous_report.pdf',destination='temp')"], ["cd(folder='temp')"], ["diff(file_name1='final_report.pdf',file_name2='previous_report.pdf')"]]], valid: true, errorType: null, errorMessage: null },
  { name: "empty_turn1", model: [[["cd(folder='document')", "mkdir(dir_name='temp')", "mv(source='final_report.pdf', destination='temp')"]], [], [["sort('final_report.pdf')"]], [["cd(folder='..')", "mv(source='previous_report.pdf',destination='temp')", "cd(folder='temp')", "diff(file_name1='final_report.pdf',file_name2='previous_report.pdf')"]]], valid: false, errorType: "multi_turn:empty_turn_model_response", errorMessage: "Model response list is empty for turn 1" },
  { name: "two_empty_steps_turn1", model: [[["cd(folder='document')", "mkdir(dir_name='temp')", "mv(source='final_report.pdf', destination='temp')"]], [[], []], [["sort('final_report.pdf')"]], [["cd(folder='..')", "mv(source='previous_report.pdf',destination='temp')", "cd(folder='temp')", "diff(file_name1='final_report.pdf',file_name2='previous_report.pdf')"]]], valid: false, errorType: "multi_turn:execution_response_mismatch", errorMessage: "Model response execution results so far does not contain all the ground truth response execution results for turn 1." },
  { name: "drop_mv_turn0", model: [[["cd(folder='document')", "mkdir(dir_name='temp')"]], [["cd(folder='temp')", "grep(file_name='final_report.pdf',pattern='budget analysis')"]], [["sort('final_report.pdf')"]], [["cd(folder='..')", "mv(source='previous_report.pdf',destination='temp')", "cd(folder='temp')", "diff(file_name1='final_report.pdf',file_name2='previous_report.pdf')"]]], valid: false, errorType: "multi_turn:instance_state_mismatch", errorMessage: "Model instance for GorillaFileSystem does not match the state with ground truth instance." },
  { name: "turn1_done_early", model: [[["cd(folder='document')", "mkdir(dir_name='temp')", "mv(source='final_report.pdf', destination='temp')", "cd(folder='temp')", "grep(file_name='final_report.pdf',pattern='budget analysis')"]], [["pwd()"]], [["sort('final_report.pdf')"]], [["cd(folder='..')", "mv(source='previous_report.pdf',destination='temp')", "cd(folder='temp')", "diff(file_name1='final_report.pdf',file_name2='previous_report.pdf')"]]], valid: true, errorType: null, errorMessage: null },
  { name: "wrong_grep_pattern", model: [[["cd(folder='document')", "mkdir(dir_name='temp')", "mv(source='final_report.pdf', destination='temp')"]], [["cd(folder='temp')", "grep(file_name='final_report.pdf',pattern='budget')"]], [["sort('final_report.pdf')"]], [["cd(folder='..')", "mv(source='previous_report.pdf',destination='temp')", "cd(folder='temp')", "diff(file_name1='final_report.pdf',file_name2='previous_report.pdf')"]]], valid: true, errorType: null, errorMessage: null },
];

test('multiTurnCheck gives the original verdicts and messages', () => {
  const entry = loadEntries('base')[0]!;
  for (const c of CASES) {
    const v = multiTurnCheck(c.model, entry.groundTruth, entry, { context });
    assert.equal(v.valid, c.valid, c.name);
    assert.equal(v.errorType, c.errorType, c.name);
    assert.equal(v.errorMessage, c.errorMessage, c.name);
  }
});

test('multiTurnCheck reports every turn and the results of every model call', () => {
  const entry = loadEntries('base')[0]!;
  const dropMv = CASES.find((c) => c.name === 'drop_mv_turn0')!;
  const v = multiTurnCheck(dropMv.model, entry.groundTruth, entry, { context });
  assert.equal(v.turn, 0);
  assert.equal(v.turns.length, 4);
  assert.equal(v.turns[0]!.errorType, 'multi_turn:instance_state_mismatch');
  // The state differs in the root directory only: the file never moved into temp.
  assert.deepEqual((v.details as { keys(): unknown[] }).keys(), ['root']);
  assert.deepEqual(v.modelResults[0], [['{"current_working_directory": "document"}', 'None']]);
  const empty = multiTurnCheck(CASES.find((c) => c.name === 'empty_turn1')!.model, entry.groundTruth, entry, { context });
  assert.deepEqual(
    empty.turns.map((t) => t.valid),
    [true, false, false, false], // without turn 1's cd, turn 2's sort runs in the wrong directory
  );
});

test('a turn count different from the ground truth is force-terminated', () => {
  const entry = loadEntries('base')[0]!;
  const v = multiTurnCheck([[["cd(folder='document')"]]], entry.groundTruth, entry, { context });
  assert.equal(v.errorType, 'multi_turn:force_terminated');
  assert.equal(
    v.errorMessage,
    'Model was force-terminated during inference phase. The length of the model result turns (1) does not match the length of the ground truth turns (4).',
  );
});

test('turns with an empty ground truth are skipped; helpers follow the original rules', () => {
  const entry = loadEntries('miss_func')[1]!; // mv is withheld until turn 2: turn 1's ground truth is empty
  assert.deepEqual(entry.groundTruth[1], []);
  assert.deepEqual(entry.missedFunctions.get(2), ['mv']);
  const model = entry.groundTruth.map((t) => (t.length > 0 ? [[...t]] : []));
  const v = multiTurnCheck(model, entry.groundTruth, entry, { context });
  assert.equal(v.valid, true);
  assert.equal(v.turns[1]!.skipped, true);
  assert.ok(isEmptyTurn([]) && isEmptyTurn([[]]) && !isEmptyTurn([[], []]));
  assert.ok(isLongContextEntry('multi_turn_long_context_3') && !isLongContextEntry('multi_turn_base_3'));
});
