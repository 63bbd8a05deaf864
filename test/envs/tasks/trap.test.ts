import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BfclEnv } from '../../../src/envs/bfcl/env.js';
import { parseConfig } from '../../../src/core/config.js';
import { UserError } from '../../../src/core/errors.js';
import { CompactRenderer } from '../../../src/render/compact.js';
import { compactVocabulary } from '../../../src/train/vocabulary.js';
import { generatedTaskSource } from '../../../src/train/generated-tasks.js';
import {
  TASK_API_CLASSES,
  TASK_WORDS,
  TaskKnobsSchema,
  demonstration,
  earlyChoice,
  fileNamePool,
  FILE_EXTENSIONS,
  FILE_STEMS,
  isHeldOutPair,
  sftDemonstration,
  taskAt,
  taskFromJsonLine,
  taskToJsonLine,
  type TaskSpec,
} from '../../../src/envs/tasks/index.js';

const trapKnobs = (over: Record<string, unknown> = {}) => TaskKnobsSchema.parse({ family: 'trap', ...over });
const TRAP = trapKnobs();

async function play(task: TaskSpec, steps: TaskSpec['steps']) {
  const env = new BfclEnv();
  const messages = await demonstration(task, env, steps);
  return { messages, ev: env.evaluate() };
}

function seeupo(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/seeupo.js', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('trap knobs: family and trapDemoShare; knobs a family does not read are errors, not silently ignored', () => {
  assert.deepEqual([TRAP.family, TRAP.trapDemoShare, TRAP.userTurns], ['trap', 0.25, 2]);
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ family: 'trap', crossTurnShare: 0.2 }, /crossTurnShare: not used by family trap \(leave it at 0\.5\)/],
    [{ family: 'trap', resultDependentShare: 1 }, /resultDependentShare: not used by family trap/],
    [{ family: 'trap', actionsPerTurn: 2 }, /actionsPerTurn: not used by family trap \(leave it at 1\)/],
    [{ family: 'trap', userTurns: 1 }, /userTurns: family trap needs at least 2 user turns/],
    [{ trapDemoShare: 0.5 }, /trapDemoShare: used by family trap only \(leave it at 0\.25\)/],
    [{ family: 'maze' }, /family:/],
    [{ family: 'trap', trapDemoShare: 1.5 }, /trapDemoShare:/],
  ];
  for (const [value, message] of bad) {
    assert.throws(() => parseConfig(TaskKnobsSchema, value, 'knobs'), (e: Error) => e instanceof UserError && message.test(e.message), JSON.stringify(value));
  }
  // The knobs that apply keep their meaning: classes involved, user turns.
  const t = taskAt('train', 0, trapKnobs({ messaging: false, distractorClasses: 2, userTurns: 5 }), 0);
  assert.deepEqual(t.entry.involvedClasses, ['GorillaFileSystem', 'TicketAPI', 'MathAPI']);
  assert.deepEqual(t.turnKinds, ['trap', 'literal', 'literal', 'literal', 'payoff']);
});

test('a pinned trap task: the ground truth lists with a=True; the trap path lists plainly and looks again in the last turn', () => {
  const t = taskAt('train', 0, TRAP, 0);
  assert.equal(t.id, 'trap_train_0_0');
  assert.deepEqual(t.entry.question, [[{ role: 'user', content: 'list files' }], [{ role: 'user', content: 'copy the pdf file to projects' }]]);
  assert.deepEqual(t.entry.groundTruth, [['ls(a=True)'], ["cp(source='.recipe.pdf',destination='projects')"]]);
  const cp = { name: 'cp', arguments: { source: '.recipe.pdf', destination: 'projects' } };
  assert.deepEqual(t.steps, [[[{ name: 'ls', arguments: { a: true } }]], [[cp]]]);
  assert.deepEqual(t.trap, {
    trapSteps: [[[{ name: 'ls', arguments: {} }]], [[{ name: 'ls', arguments: { a: true } }], [cp]]],
    demonstrated: 'trap',
  });
  assert.deepEqual(t.turnKinds, ['trap', 'payoff']);
  assert.match(taskToJsonLine(t), /"workspace": \{"type": "directory", "contents": \{"plan\.csv": \{[^}]*\}, "agenda\.txt": \{[^}]*\}, "\.recipe\.pdf": \{"type": "file", "content": "ready"\}, "archive"/);
});

test('both paths through BfclEnv: the good one scores 1; the trap one 0, decided at turn 1, every later turn valid on its own', async () => {
  const t = taskAt('train', 0, TRAP, 0);
  const good = await play(t, t.steps);
  assert.deepEqual([good.ev.score, good.ev.success], [1, true]);
  const trap = await play(t, t.trap!.trapSteps);
  // What the agent sees after the obvious answer: a listing that looks complete, with no pdf file in it.
  assert.deepEqual(trap.messages.slice(1, 5), [
    { role: 'user', content: 'list files' },
    { role: 'assistant', content: '', toolCalls: [{ name: 'ls', arguments: {} }] },
    { role: 'tool', content: '{"current_directory_content": ["plan.csv", "agenda.txt", "archive", "private", "projects"]}' },
    { role: 'assistant', content: '' },
  ]);
  assert.deepEqual([trap.ev.score, trap.ev.verdict.errorType, trap.ev.verdict.turn], [0, 'multi_turn:execution_response_mismatch', 0]);
  assert.deepEqual(trap.ev.verdict.turns.map((v) => v.valid), [false, true]);
  // No last turn repairs it: the right call without a second look, or nothing at all, also score 0.
  for (const last of [[t.steps[1]![0]!], []]) {
    const r = await play(t, [t.trap!.trapSteps[0]!, last]);
    assert.equal(r.ev.score, 0);
  }
  // A good first turn followed by a wrong file fails at the payoff turn.
  const wrong = await play(t, [t.steps[0]!, [[{ name: 'cp', arguments: { source: 'plan.csv', destination: 'projects' } }]]]);
  assert.deepEqual([wrong.ev.score, wrong.ev.verdict.turn], [0, 1]);
});

test('over every split and 2–4 user turns: good path 1 with no error result, trap path 0 only at turn 1; the hidden file is the only one of its extension', async () => {
  let played = 0;
  for (const userTurns of [2, 3, 4]) {
    for (const split of ['train', 'test', 'heldout'] as const) {
      for (let i = 0; i < 25; i++) {
        const t = taskAt(split, i, trapKnobs({ userTurns }), 4);
        const good = await play(t, t.steps);
        assert.equal(good.ev.score, 1, `${t.id}: ${good.ev.verdict.errorMessage}`);
        for (const m of good.messages) if (m.role === 'tool') assert.doesNotMatch(m.content, /error/i, t.id);
        const trap = await play(t, t.trap!.trapSteps);
        assert.deepEqual([trap.ev.score, trap.ev.verdict.turn], [0, 0], t.id);
        assert.ok(trap.ev.verdict.turns.slice(1).every((v) => v.valid), t.id);
        // The trap path differs from the ground truth in the first turn (ls()) and the last (a late look) only.
        assert.deepEqual(t.trap!.trapSteps.slice(1, -1), t.steps.slice(1, -1));
        assert.deepEqual(t.trap!.trapSteps.at(-1), [[{ name: 'ls', arguments: { a: true } }], ...t.steps.at(-1)!]);
        // The late look sees the working directory the payoff acts on: one file of the named extension, hidden.
        const ext = /the (\w+) file/.exec(t.entry.question.at(-1)![0]!.content)![1]!;
        const lateListing = trap.messages.filter((m) => m.role === 'tool').at(-2)!.content;
        const named = (JSON.parse(lateListing).current_directory_content as string[]).filter((f) => f.endsWith(`.${ext}`));
        assert.equal(named.length, 1, `${t.id}: ${lateListing}`);
        assert.ok(named[0]!.startsWith('.'), t.id);
        played++;
      }
    }
  }
  assert.equal(played, 225);
});

test('determinism by seed: the same (split, index, knobs, seed) gives the same trap task; trapDemoShare changes only the demonstrated path', () => {
  const line = (i: number, seed: number, knobs = TRAP) => taskToJsonLine(taskAt('train', i, knobs, seed));
  const a = Array.from({ length: 40 }, (_, i) => line(i, 7));
  assert.deepEqual(Array.from({ length: 40 }, (_, i) => line(i, 7)), a);
  const body = (l: string) => l.replace(/"id": "[^"]*", /, '');
  assert.ok(Array.from({ length: 40 }, (_, i) => line(i, 8)).filter((l, i) => body(l) === body(a[i]!)).length < 3);
  const withoutPath = (l: string) => l.replace(/, "demonstrated": "(good|trap)"\}$/, '}');
  for (const share of [0, 1]) {
    assert.deepEqual(Array.from({ length: 40 }, (_, i) => withoutPath(line(i, 7, trapKnobs({ trapDemoShare: share })))), a.map(withoutPath));
  }
});

test('trapDemoShare is the share of SFT demonstrations on the good path (2,000 tasks), and SFT plays that path', async () => {
  const share = (s: number, n: number) => {
    const k = trapKnobs({ trapDemoShare: s });
    return Array.from({ length: n }, (_, i) => taskAt('train', i, k, 3).trap!.demonstrated).filter((d) => d === 'good').length / n;
  };
  assert.ok(Math.abs(share(0.25, 2000) - 0.25) < 0.025);
  assert.ok(Math.abs(share(0.6, 2000) - 0.6) < 0.025);
  assert.deepEqual([share(0, 300), share(1, 300)], [0, 1]);
  // The trainer's task source demonstrates the drawn path: its SFT episodes score as that path does.
  const source = generatedTaskSource(TRAP, 3);
  const scores = { good: [] as number[], trap: [] as number[] };
  for (let i = 0; i < 16; i++) {
    const t = source.task('train', i) as TaskSpec;
    const env = new BfclEnv();
    const messages = await source.demonstration(t, env);
    assert.deepEqual(messages, await sftDemonstration(t));
    scores[t.trap!.demonstrated].push(env.evaluate().score);
  }
  assert.ok(scores.good.length > 0 && scores.trap.length > 0);
  assert.deepEqual([new Set(scores.good), new Set(scores.trap)], [new Set([1]), new Set([0])]);
});

test('held-out names: trap tasks of train and test never hold one, held-out trap tasks only them (hidden files included)', () => {
  const anyFile = new RegExp(`\\.?(?<![a-z])(${FILE_STEMS.join('|')})\\.(${FILE_EXTENSIONS.join('|')})(?![a-z])`, 'g');
  const k = trapKnobs({ userTurns: 3 });
  for (const [split, heldOut] of [['train', false], ['test', false], ['heldout', true]] as const) {
    let hidden = 0;
    for (let i = 0; i < 300; i++) {
      const line = taskToJsonLine(taskAt(split, i, k, 11));
      for (const m of line.matchAll(anyFile)) {
        assert.equal(isHeldOutPair(m[1]!, m[2]!), heldOut, `${split} ${i}: ${m[0]}`);
        if (m[0].startsWith('.')) hidden++;
      }
    }
    assert.ok(hidden >= 300, `${split}: ${hidden} hidden-name mentions`);
  }
  assert.equal(fileNamePool(true).length, 16);
});

test('trap lines: read back as the same task; seeupo bfcl replay finds the ground truth valid and the trap path invalid', () => {
  for (let i = 0; i < 10; i++) {
    const line = taskToJsonLine(taskAt('heldout', i, trapKnobs({ userTurns: 3, distractorClasses: 1 }), 2));
    assert.equal(taskToJsonLine(taskFromJsonLine(line, 'x')), line);
  }
  const line = taskToJsonLine(taskAt('train', 0, TRAP, 0));
  assert.throws(() => taskFromJsonLine(line.replace('"demonstrated": "trap"', '"demonstrated": "both"'), 'f:3'), /f:3: "demonstrated" must be good or trap/);

  const dir = mkdtempSync(join(tmpdir(), 'seeupo-trap-'));
  const file = join(dir, 'trap.jsonl');
  const ex = seeupo('tasks', 'export', '--family', 'trap', '--n', '40', '--seed', '1', '--split', 'test', '--knobs', '{"userTurns": 3}', '--out', file);
  assert.equal(ex.code, 0, ex.err);
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  assert.equal(JSON.parse(lines[5]!).id, 'trap_test_1_5');
  const verdicts = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l) as { valid: boolean; error_type: string | null });
  const r = seeupo('bfcl', 'replay', '--input', file);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(verdicts(r.out).filter((v) => !v.valid), []);
  // The same lines with the trap path as the model's calls: every one invalid, at the first turn's listing.
  const trapLines = lines.map((l) => {
    const o = JSON.parse(l);
    o.model = (o.trap_steps as Array<Array<Array<{ name: string; arguments: Record<string, unknown> }>>>).map((turn) =>
      turn.map((step) => step.map((c) => `${c.name}(${Object.entries(c.arguments).map(([k, v]) => `${k}=${v === true ? 'True' : `'${String(v)}'`}`).join(',')})`)),
    );
    return JSON.stringify(o);
  });
  writeFileSync(file, `${trapLines.join('\n')}\n`);
  const bad = verdicts(seeupo('bfcl', 'replay', '--input', file).out);
  assert.equal(bad.length, 40);
  assert.deepEqual(new Set(bad.map((v) => `${v.valid} ${v.error_type}`)), new Set(['false multi_turn:execution_response_mismatch']));
});

test('seeupo tasks sample/stats --family trap; --family and --knobs must agree', () => {
  const s = seeupo('tasks', 'sample', '--family', 'trap', '--n', '1');
  assert.equal(s.code, 0, s.err);
  assert.equal(
    s.out,
    [
      'trap_train_0_0 (train)  GorillaFileSystem, MessageAPI',
      '  files: workspace/ {plan.csv agenda.txt .recipe.pdf archive/ {plan.pdf} private/ {song.csv} projects/ {notes.pdf}}',
      '  users: dave=USR003 frank=USR002 erin=USR004 (logged in: USR007)',
      '  turn 1 trap: list files',
      '    1. ls(a=True)',
      '    trap path: ls()',
      '  turn 2 payoff: copy the pdf file to projects',
      "    1. cp(source='.recipe.pdf',destination='projects')",
      "    trap path: ls(a=True), then cp(source='.recipe.pdf',destination='projects')",
      '  SFT demonstration: trap path',
      '',
    ].join('\n'),
  );
  const stats = seeupo('tasks', 'stats', '--knobs', '{"family": "trap"}', '--n', '40', '--seed', '2', '--json');
  assert.equal(stats.code, 0, stats.err);
  const j = JSON.parse(stats.out);
  const tasks = Array.from({ length: 40 }, (_, i) => taskAt('train', i, TRAP, 2));
  assert.deepEqual([j.turns, j.turnKinds.trap, j.turnKinds.payoff, j.demonstrationsValid], [80, 0.5, 0.5, 40]);
  assert.deepEqual(j.trap, {
    trapPathsFailing: 40,
    trapPathsFailingOnlyAtTurn1: 40,
    demonstratedGood: tasks.filter((t) => t.trap!.demonstrated === 'good').length,
  });
  const text = seeupo('tasks', 'stats', '--family', 'trap', '--n', '40', '--seed', '2');
  assert.match(text.out, /\nturn kinds: trap 50\.0%, literal 0\.0%, payoff 50\.0%\n/);
  assert.match(text.out, /\ntrap paths the checker scores 0: 40\/40 \(40 failing only at turn 1\)\nSFT demonstrations on the good path: \d+\/40 \(\d+\.\d%\)\n$/);
  const conflict = seeupo('tasks', 'sample', '--family', 'trap', '--knobs', '{"family": "default"}');
  assert.equal(conflict.code, 2);
  assert.match(conflict.err, /--family trap contradicts "family": "default" in --knobs/);
  const unknown = seeupo('tasks', 'stats', '--family', 'maze');
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /invalid --knobs:\n {2}family:/);
});

test('compact rendering of trap demonstrations (both paths): no byte token but the separators', async () => {
  const renderer = new CompactRenderer(compactVocabulary(TASK_API_CLASSES, TASK_WORDS));
  const separators = new Set([' ', '.', '/'].map((c) => c.charCodeAt(0)));
  let longest = 0;
  for (let i = 0; i < 30; i++) {
    const t = taskAt(i % 2 === 0 ? 'train' : 'heldout', i, TRAP, 6);
    for (const steps of [t.steps, t.trap!.trapSteps]) {
      const env = new BfclEnv({ systemPrompt: null, toolsInSystemPrompt: false });
      const messages = await demonstration(t, env, steps);
      for (const m of messages) {
        const ids = m.role === 'user' ? renderer.tokenizer.encode(m.content) : m.role === 'assistant' ? renderer.encodeResponse(m) : [];
        assert.deepEqual(ids.filter((id) => id < 256 && !separators.has(id)), [], `${t.id} ${m.role}`);
      }
      longest = Math.max(longest, renderer.supervisedExample(messages, env.tools()).tokens.length);
    }
  }
  assert.ok(longest <= 256, `longest trap episode: ${longest} tokens`);
});

test('earlyChoice reads the first turn of an episode: ls(a=True) good, only ls() trap, no listing none', async () => {
  const t = taskAt('train', 0, TRAP, 0);
  assert.equal(earlyChoice(await demonstration(t, new BfclEnv(), t.steps)), 'good');
  // The trap path lists with a=True too, but only in the last turn.
  assert.equal(earlyChoice(await demonstration(t, new BfclEnv(), t.trap!.trapSteps)), 'trap');
  const ls = (args: Record<string, unknown>) => ({ name: 'ls', arguments: args });
  const episode = (calls: Array<{ name: string; arguments: Record<string, unknown> }>) => [
    { role: 'user' as const, content: 'list files' },
    { role: 'assistant' as const, content: '', toolCalls: calls },
    { role: 'user' as const, content: 'show the md file' },
    { role: 'assistant' as const, content: '', toolCalls: [ls({ a: true })] },
  ];
  assert.deepEqual(
    [episode([ls({})]), episode([ls({ a: false }), ls({ a: 1 })]), episode([ls({ a: [] })]), episode([{ name: 'pwd', arguments: {} }]), episode([])].map(earlyChoice),
    ['trap', 'good', 'trap', 'none', 'none'],
  );
});
