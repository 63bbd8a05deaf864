import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_TASK_KNOBS,
  DIR_NAMES,
  FILE_EXTENSIONS,
  FILE_STEMS,
  TASK_WORDS,
  TaskKnobsSchema,
  callString,
  fileNamePool,
  isHeldOutPair,
  taskAt,
  taskStream,
  taskTextWords,
  taskToJsonLine,
  type TaskSpec,
} from '../../../src/envs/tasks/index.js';
import { parseConfig } from '../../../src/core/config.js';
import { UserError } from '../../../src/core/errors.js';

const knobs = (over: Record<string, unknown> = {}) => TaskKnobsSchema.parse(over);
const tasks = (split: 'train' | 'test' | 'heldout', n: number, seed: number, k = DEFAULT_TASK_KNOBS): TaskSpec[] =>
  Array.from({ length: n }, (_, i) => taskAt(split, i, k, seed));

test('knobs: strict schema with the small-model defaults', () => {
  assert.deepEqual(DEFAULT_TASK_KNOBS, {
    family: 'default',
    userTurns: 2,
    actionsPerTurn: 1,
    distractorClasses: 0,
    resultDependentShare: 0.5,
    crossTurnShare: 0.5,
    messaging: true,
    trapDemoShare: 0.25,
  });
  assert.throws(() => parseConfig(TaskKnobsSchema, { userTurn: 2 }, 'knobs'), (e: Error) => e instanceof UserError && /unknown key 'userTurn'/.test(e.message));
  assert.throws(() => parseConfig(TaskKnobsSchema, { resultDependentShare: 1.5 }, 'knobs'), /resultDependentShare/);
  assert.throws(() => parseConfig(TaskKnobsSchema, { distractorClasses: 3 }, 'knobs'), /distractorClasses/);
});

test('a pinned task: the generator draws exactly this from (train, 1, defaults, seed 3)', () => {
  const t = taskAt('train', 1, DEFAULT_TASK_KNOBS, 3);
  assert.equal(t.id, 'tasks_train_3_1');
  assert.deepEqual(t.entry.question, [[{ role: 'user', content: 'list files' }], [{ role: 'user', content: 'copy the txt file to projects' }]]);
  assert.deepEqual(t.entry.groundTruth, [['ls()'], ["cp(source='todo.txt',destination='projects')"]]);
  assert.deepEqual(t.steps, [[[{ name: 'ls', arguments: {} }]], [[{ name: 'cp', arguments: { source: 'todo.txt', destination: 'projects' } }]]]);
  assert.deepEqual(t.turnKinds, ['literal', 'choice']);
  assert.deepEqual(t.entry.involvedClasses, ['GorillaFileSystem', 'MessageAPI']);
  assert.equal(t.entry.category, 'base');
});

test('determinism: the same (split, index, knobs, seed) gives the same task; streams differ by seed and split', () => {
  const a = tasks('train', 50, 7).map(taskToJsonLine);
  assert.deepEqual(tasks('train', 50, 7).map(taskToJsonLine), a);
  const stream = taskStream('train', DEFAULT_TASK_KNOBS, 7, 10);
  assert.deepEqual(Array.from({ length: 5 }, () => taskToJsonLine(stream.next().value!)), a.slice(10, 15));
  const body = (line: string) => line.replace(/"id": "[^"]*", /, '');
  const otherSeed = tasks('train', 50, 8).map(taskToJsonLine);
  const test_ = tasks('test', 50, 7).map(taskToJsonLine);
  assert.ok(otherSeed.filter((l, i) => body(l) === body(a[i]!)).length < 3);
  assert.ok(test_.filter((l, i) => body(l) === body(a[i]!)).length < 3);
});

test('the held-out names: one stem + extension pair in five, every stem and extension still in training', () => {
  const heldOut = fileNamePool(true);
  const train = fileNamePool(false);
  assert.equal(heldOut.length, 16);
  assert.equal(train.length, 64);
  assert.ok(heldOut.includes('report.pdf') && isHeldOutPair('report', 'pdf'));
  for (const stem of FILE_STEMS) assert.ok(train.some((f) => f.startsWith(`${stem}.`)), stem);
  for (const ext of FILE_EXTENSIONS) assert.ok(train.some((f) => f.endsWith(`.${ext}`)), ext);
});

test('held-out names never occur in train or test tasks (3,000 tasks), and held-out tasks use only them', () => {
  const heldOut = fileNamePool(true);
  const anyHeldOut = new RegExp(`(?<![a-z])(${heldOut.map((f) => f.replace('.', '\\.')).join('|')})(?![a-z])`);
  for (const [split, n] of [['train', 2000], ['test', 1000]] as const) {
    for (const t of tasks(split, n, 11, knobs({ userTurns: 3, actionsPerTurn: 2 }))) {
      const m = anyHeldOut.exec(taskToJsonLine(t));
      assert.equal(m, null, `${t.id} holds ${m?.[0]}`);
    }
  }
  const anyFile = new RegExp(`(?<![a-z])(${FILE_STEMS.join('|')})\\.(${FILE_EXTENSIONS.join('|')})(?![a-z])`, 'g');
  let files = 0;
  for (const t of tasks('heldout', 300, 11, knobs({ userTurns: 3, actionsPerTurn: 2 }))) {
    for (const m of taskToJsonLine(t).matchAll(anyFile)) {
      files++;
      assert.ok(isHeldOutPair(m[1]!, m[2]!), `${t.id} holds training name ${m[0]}`);
    }
  }
  assert.ok(files > 3000);
});

test('the word rule: user text, names, contents and argument values are words of TASK_WORDS', () => {
  assert.equal(new Set(TASK_WORDS).size, TASK_WORDS.length);
  assert.equal(TASK_WORDS.length, 83); // docs/tasks.md
  // find(name=d) matches d and nothing else: no directory name is part of another name.
  const names = [...DIR_NAMES, ...FILE_STEMS, ...FILE_EXTENSIONS, 'workspace'];
  for (const d of DIR_NAMES) for (const n of names) if (n !== d) assert.ok(!n.includes(d), `${d} in ${n}`);
  const words = new Set(TASK_WORDS);
  const check = (text: string, where: string) => {
    for (const w of taskTextWords(text)) assert.ok(words.has(w), `${where}: '${w}' of '${text}' is not a task word`);
  };
  const strings = (v: unknown): string[] =>
    typeof v === 'string' ? [v] : Array.isArray(v) ? v.flatMap(strings) : v && typeof v === 'object' ? Object.entries(v).flatMap(([k, x]) => [k, ...strings(x)]) : [];
  for (const k of [DEFAULT_TASK_KNOBS, knobs({ userTurns: 4, actionsPerTurn: 3 })]) {
    for (const t of [...tasks('train', 300, 5, k), ...tasks('heldout', 100, 5, k)]) {
      for (const turn of t.entry.question) for (const m of turn) check(m.content, t.id);
      for (const call of t.steps.flat(2)) for (const v of strings(call.arguments).filter((_, i) => i % 2 === 1)) check(v, `${t.id} ${call.name}`);
      const config = JSON.parse(taskToJsonLine(t))['initial_config'];
      // Names and contents, not the config's own keys ("type", "contents", "user_map", ...).
      const fsWords = JSON.stringify(config.GorillaFileSystem).match(/"[^"]*"/g)!.map((s) => s.slice(1, -1));
      for (const s of fsWords.filter((s) => !['root', 'type', 'directory', 'file', 'contents', 'content'].includes(s))) check(s, `${t.id} config`);
    }
  }
});

/** Whether a dependent turn reads a lookup of the previous turn (its first step has no lookup call). */
function readsPreviousTurn(t: TaskSpec, turn: number): boolean {
  return t.steps[turn]!.length === 1;
}

test('turn kinds appear at the configured share; half of the dependent turns after a literal one read that turn', () => {
  const count = (ts: TaskSpec[]) => {
    const c = { literal: 0, copy: 0, choice: 0, trap: 0, payoff: 0, afterLiteral: 0, crossTurn: 0 };
    for (const t of ts) {
      t.turnKinds.forEach((k, i) => {
        c[k]++;
        if (k !== 'literal' && i > 0 && t.turnKinds[i - 1] === 'literal') {
          c.afterLiteral++;
          if (readsPreviousTurn(t, i)) c.crossTurn++;
        }
      });
    }
    return c;
  };
  const d = count(tasks('train', 2000, 1));
  const turns = 4000;
  assert.ok(Math.abs((d.copy + d.choice) / turns - 0.5) < 0.025, JSON.stringify(d));
  assert.ok(Math.abs(d.copy / turns - 0.25) < 0.025 && Math.abs(d.choice / turns - 0.25) < 0.025, JSON.stringify(d));
  assert.ok(Math.abs(d.crossTurn / d.afterLiteral - 0.5) < 0.05, JSON.stringify(d));
  for (const share of [0, 1]) {
    const c = count(tasks('train', 300, 1, knobs({ crossTurnShare: share, userTurns: 3 })));
    assert.ok(c.afterLiteral > 100);
    assert.equal(c.crossTurn, share * c.afterLiteral);
  }
  const d3 = count(tasks('train', 1000, 1, knobs({ resultDependentShare: 0.3, userTurns: 3 })));
  assert.ok(Math.abs((d3.copy + d3.choice) / 3000 - 0.3) < 0.03, JSON.stringify(d3));
  assert.deepEqual(count(tasks('test', 300, 1, knobs({ resultDependentShare: 0 }))).literal, 600);
  // With messaging a copied user id is always possible, so every turn depends on a result.
  assert.equal(count(tasks('test', 300, 1, knobs({ resultDependentShare: 1 }))).literal, 0);
});

test('structure: user turns, requests per turn, steps split where a call reads a result of its own turn', () => {
  const k = knobs({ userTurns: 3, actionsPerTurn: 2, distractorClasses: 2 });
  for (const t of tasks('train', 300, 2, k)) {
    assert.equal(t.entry.question.length, 3);
    assert.deepEqual(t.entry.involvedClasses, ['GorillaFileSystem', 'MessageAPI', 'TicketAPI', 'MathAPI']);
    t.steps.forEach((steps, turn) => {
      assert.deepEqual(t.entry.groundTruth[turn], steps.flat().map(callString));
      const calls = steps.flat().length;
      const kind = t.turnKinds[turn];
      if (kind === 'literal') assert.deepEqual([steps.length, calls], [1, 2], t.id);
      else if (readsPreviousTurn(t, turn)) assert.equal(calls, 2, t.id);
      else {
        // Own lookup first, alone in the first step.
        assert.equal(steps.length, 2, t.id);
        assert.deepEqual(steps[0]!.map((c) => c.name), [kind === 'choice' ? 'ls' : steps[1]![0]!.name === 'cd' ? 'find' : 'get_user_id']);
        assert.equal(calls, 3, t.id);
      }
      if (readsPreviousTurn(t, turn) && kind !== 'literal') {
        const lookup = t.steps[turn - 1]!.at(-1)!.at(-1)!.name;
        assert.equal(lookup, kind === 'choice' ? 'ls' : steps[0]![0]!.name === 'cd' ? 'find' : 'get_user_id', t.id);
      }
    });
  }
  const plain = taskAt('train', 0, knobs({ messaging: false }), 2);
  assert.deepEqual(plain.entry.involvedClasses, ['GorillaFileSystem']);
  assert.ok(!taskToJsonLine(plain).includes('MessageAPI'));
});
