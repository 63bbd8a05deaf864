import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BfclEnv } from '../../../src/envs/bfcl/env.js';
import { DEFAULT_TASK_KNOBS, TaskKnobsSchema, demonstration, taskAt, type TaskSpec } from '../../../src/envs/tasks/index.js';
import type { ToolCall } from '../../../src/core/messages.js';

async function play(task: TaskSpec, steps: ReadonlyArray<ReadonlyArray<readonly ToolCall[]>>) {
  const env = new BfclEnv();
  await demonstration({ ...task, steps }, env);
  return env.evaluate();
}

test('a demonstration: system, user, then per step the calls and their results, and an empty message per turn', async () => {
  const task = taskAt('train', 1, DEFAULT_TASK_KNOBS, 3);
  const env = new BfclEnv();
  const messages = await demonstration(task, env);
  assert.equal(messages[0]!.role, 'system');
  assert.deepEqual(messages.slice(1), [
    { role: 'user', content: 'list files' },
    { role: 'assistant', content: '', toolCalls: [{ name: 'ls', arguments: {} }] },
    { role: 'tool', content: '{"current_directory_content": ["todo.txt", "recipe.csv", "letter.doc", "vault", "trash", "projects"]}' },
    { role: 'assistant', content: '' },
    { role: 'user', content: 'copy the txt file to projects' },
    { role: 'assistant', content: '', toolCalls: [{ name: 'cp', arguments: { source: 'todo.txt', destination: 'projects' } }] },
    { role: 'tool', content: `{"result": "'todo.txt' copied to 'projects/todo.txt'"}` },
    { role: 'assistant', content: '' },
  ]);
  const ev = env.evaluate();
  assert.deepEqual([ev.score, ev.success], [1, true]);
});

test('every demonstration scores 1 with the checker and meets no error result (every split, several knobs)', async () => {
  const knobSets = [
    DEFAULT_TASK_KNOBS,
    TaskKnobsSchema.parse({ userTurns: 4, actionsPerTurn: 3, distractorClasses: 2, resultDependentShare: 0.7 }),
    TaskKnobsSchema.parse({ messaging: false, resultDependentShare: 1, userTurns: 3 }),
  ];
  let played = 0;
  for (const knobs of knobSets) {
    for (const split of ['train', 'test', 'heldout'] as const) {
      for (let i = 0; i < 30; i++) {
        const task = taskAt(split, i, knobs, 4);
        const env = new BfclEnv();
        const messages = await demonstration(task, env);
        const ev = env.evaluate();
        assert.equal(ev.score, 1, `${task.id}: ${ev.verdict.errorType} ${ev.verdict.errorMessage}`);
        for (const m of messages) if (m.role === 'tool') assert.doesNotMatch(m.content, /error/i, task.id);
        played++;
      }
    }
  }
  assert.equal(played, 270);
});

/** The first task of the stream whose turn kinds match. */
function findTask(pred: (t: TaskSpec) => boolean): TaskSpec {
  for (let i = 0; i < 1000; i++) {
    const t = taskAt('train', i, DEFAULT_TASK_KNOBS, 9);
    if (pred(t)) return t;
  }
  throw new Error('no such task in 1000');
}

const replaceCall = (steps: TaskSpec['steps'], turn: number, step: number, call: ToolCall) =>
  steps.map((s, t) => (t !== turn ? s : s.map((calls, j) => (j !== step ? calls : [call]))));

test('wrong answers fail: another file of the listing, a wrong user id, a lookup left out, an earlier turn skipped', async () => {
  // A choice: move/copy/delete/show the file of the named extension; the other file is wrong.
  const choice = findTask((t) => t.turnKinds[1] === 'choice' && t.steps[1]!.length === 2 && t.steps[1]![1]![0]!.name === 'rm');
  const rm = choice.steps[1]![1]![0]!;
  const listing = (await demonstration(choice)).filter((m) => m.role === 'tool')[choice.steps[0]!.flat().length]!.content;
  const other = (JSON.parse(listing).current_directory_content as string[]).find((f) => f.includes('.') && f !== rm.arguments['file_name'])!;
  const wrongFile = await play(choice, replaceCall(choice.steps, 1, 1, { name: 'rm', arguments: { file_name: other } }));
  assert.deepEqual([wrongFile.score, wrongFile.verdict.errorType, wrongFile.verdict.turn], [0, 'multi_turn:instance_state_mismatch', 1]);
  // The lookup left out: the state is right, but the listing the ground truth shows was never asked for.
  const noLookup = await play(choice, choice.steps.map((s, t) => (t === 1 ? [s[1]!] : s)));
  assert.deepEqual([noLookup.score, noLookup.verdict.errorType], [0, 'multi_turn:execution_response_mismatch']);

  // A copy: the id read from get_user_id; any other id is wrong.
  const copy = findTask((t) => t.turnKinds[0] === 'copy' && t.steps[0]![0]![0]!.name === 'get_user_id');
  const send = copy.steps[0]![1]![0]!;
  const wrongId = send.arguments['receiver_id'] === 'USR001' ? 'USR002' : 'USR001';
  const bad = await play(copy, replaceCall(copy.steps, 0, 1, { name: 'send_message', arguments: { ...send.arguments, receiver_id: wrongId } }));
  assert.equal(bad.score, 0);

  // A turn skipped: the episode's later answer does not make up for it.
  const skipped = await play(copy, copy.steps.map((s, t) => (t === 0 ? [] : s)));
  assert.deepEqual([skipped.score, skipped.verdict.errorType, skipped.verdict.turn], [0, 'multi_turn:empty_turn_model_response', 0]);
});
