import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskKnobsSchema, taskAt, taskFromJsonLine, taskToJsonLine } from '../../../src/envs/tasks/index.js';
import { UserError } from '../../../src/core/errors.js';

function seeupo(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/seeupo.js', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('a task line reads back as the same task (initial_config keeps ints as ints)', () => {
  const knobs = TaskKnobsSchema.parse({ userTurns: 3, actionsPerTurn: 2, distractorClasses: 1 });
  for (let i = 0; i < 20; i++) {
    const t = taskAt('heldout', i, knobs, 1);
    const line = taskToJsonLine(t);
    const back = taskFromJsonLine(line, 'x');
    assert.equal(taskToJsonLine(back), line);
    assert.equal(back.entry.initialConfig.get('MessageAPI') !== undefined, true);
  }
  const line = taskToJsonLine(taskAt('train', 0, knobs, 1));
  const tampered = line.replace(/"steps": \[\[\[\{"name":"\w+"/, '"steps": [[[{"name":"pwd"');
  assert.throws(() => taskFromJsonLine(tampered, 'f:1'), (e: Error) => e instanceof UserError && /f:1: "steps" of turn 0 are not the calls/.test(e.message));
  assert.throws(() => taskFromJsonLine('{"id": "x", "model": []}', 'f:2'), /f:2: not a task line/);
});

test('seeupo tasks export writes lines that seeupo bfcl replay checks as they are: every verdict valid', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seeupo-tasks-'));
  const file = join(dir, 'tasks.jsonl');
  for (const [split, knobs] of [['train', '{}'], ['heldout', '{"userTurns": 3, "actionsPerTurn": 2, "distractorClasses": 2}']]) {
    const ex = seeupo('tasks', 'export', '--n', '60', '--seed', '5', '--split', split!, '--knobs', knobs!, '--out', file);
    assert.equal(ex.code, 0, ex.err);
    assert.equal(ex.err, `wrote 60 ${split} tasks to ${file}\n`);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(lines.length, 60);
    assert.equal(JSON.parse(lines[7]!).id, `tasks_${split}_5_7`);
    const r = seeupo('bfcl', 'replay', '--input', file);
    assert.equal(r.code, 0, r.err);
    const verdicts = r.out.trim().split('\n').map((l) => JSON.parse(l) as { id: string; valid: boolean; error_type: string | null });
    assert.deepEqual(verdicts.map((v) => v.id), lines.map((l) => JSON.parse(l).id));
    assert.deepEqual(verdicts.filter((v) => !v.valid), []);
  }
  // A wrong call makes replay's verdict invalid: the line's own entry is what it is checked against.
  const first = JSON.parse(readFileSync(file, 'utf8').split('\n')[0]!);
  first.model[0] = [['pwd()']];
  writeFileSync(file, `${JSON.stringify(first)}\n`);
  const bad = JSON.parse(seeupo('bfcl', 'replay', '--input', file).out);
  assert.equal(bad.valid, false);
});

test('seeupo tasks sample: readable by default, export lines with --json; mistakes are one line, exit 2', () => {
  const r = seeupo('tasks', 'sample', '--n', '2', '--seed', '3');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^tasks_train_3_0 \(train\) {2}GorillaFileSystem, MessageAPI\n {2}files: workspace\/ \{/);
  assert.match(r.out, /\n\ntasks_train_3_1 \(train\)[^]*\n {2}turn 1 literal: list files\n {4}1\. ls\(\)\n {2}turn 2 choice: copy the txt file to projects\n {4}1\. cp\(source='todo\.txt',destination='projects'\)\n$/);
  const json = seeupo('tasks', 'sample', '--n', '3', '--seed', '3', '--split', 'test', '--json');
  const lines = json.out.trim().split('\n');
  assert.deepEqual(lines, [0, 1, 2].map((i) => taskToJsonLine(taskAt('test', i, TaskKnobsSchema.parse({}), 3))));
  for (const [args, message] of [
    [['--split', 'dev'], /unknown split 'dev' \(choose from train, test, heldout\)/],
    [['--n', '-1'], /--n takes an integer/],
    [['--knobs', '{"userTurns": 0}'], /invalid --knobs:\n {2}userTurns:/],
  ] as const) {
    const e = seeupo('tasks', 'sample', ...args);
    assert.equal(e.code, 2, args.join(' '));
    assert.match(e.err, message);
    assert.doesNotMatch(e.err, /at .*\.js/);
  }
  const unwritable = seeupo('tasks', 'export', '--n', '2', '--out', '/nonexistent-dir/tasks.jsonl');
  assert.equal(unwritable.code, 2);
  assert.match(unwritable.err, /^seeupo: cannot write \/nonexistent-dir\/tasks\.jsonl: ENOENT/);
  // A replay line that names a shipped entry still needs its category.
  const file = join(mkdtempSync(join(tmpdir(), 'seeupo-tasks-')), 'in.jsonl');
  writeFileSync(file, '{"id": "multi_turn_base_0", "model": []}\n');
  const noCategory = seeupo('bfcl', 'replay', '--input', file);
  assert.equal(noCategory.code, 2);
  assert.match(noCategory.err, /in\.jsonl:1: the line carries no entry \("initial_config"\); name its --category/);
});

test('seeupo tasks stats: turn kinds, sizes, overlap with train and demonstrations the checker accepts', () => {
  const r = seeupo('tasks', 'stats', '--n', '40', '--seed', '2', '--split', 'test', '--json');
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  const tasks = Array.from({ length: 40 }, (_, i) => taskAt('test', i, TaskKnobsSchema.parse({}), 2));
  const kinds = tasks.flatMap((t) => t.turnKinds);
  assert.deepEqual([s.split, s.seed, s.tasks, s.turns, s.demonstrationsValid], ['test', 2, 40, 80, 40]);
  for (const k of ['literal', 'copy', 'choice']) assert.equal(s.turnKinds[k], kinds.filter((x) => x === k).length / 80);
  assert.equal(s.meanCalls, tasks.reduce((n, t) => n + t.entry.groundTruth.flat().length, 0) / 40);
  assert.equal(typeof s.sameAsTrain, 'number');
  const text = seeupo('tasks', 'stats', '--n', '40', '--seed', '2');
  assert.match(text.out, /^tasks: 40 train \(seed 2\), 80 user turns\nturn kinds: literal \d+\.\d%, copy \d+\.\d%, choice \d+\.\d%\n/);
  assert.match(text.out, /\ndemonstrations the checker accepts: 40\/40\n$/);
  assert.doesNotMatch(text.out, /same as/);
});
