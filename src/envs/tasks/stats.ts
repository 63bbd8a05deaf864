import { BfclEnv } from '../bfcl/env.js';
import { demonstration } from './demonstration.js';
import { TURN_KINDS, taskAt, type TaskSplit, type TaskSpec, type TurnKind } from './generate.js';
import type { TaskKnobs } from './knobs.js';
import { taskTextWords } from './words.js';

/** What `seeupo tasks stats` reports on the first n tasks of a split's stream. */
export interface TaskStats {
  readonly split: TaskSplit;
  readonly seed: number;
  readonly tasks: number;
  readonly turns: number;
  /** Share of user turns of each kind. */
  readonly turnKinds: Record<TurnKind, number>;
  /** Share of result-dependent turns that read a lookup of the previous turn (the rest look up in their own turn). */
  readonly readsPreviousTurn: number;
  /** Per task, on average: calls, assistant steps with calls, words of user text. */
  readonly meanCalls: number;
  readonly meanSteps: number;
  readonly meanUserWords: number;
  /** Tasks with a distinct (user text, ground truth); the start states differ more often. */
  readonly distinct: number;
  /** For test and heldout: tasks whose user text and ground truth equal those of one of the first n train tasks. */
  readonly sameAsTrain: number | null;
  /** Ground-truth demonstrations played through BfclEnv that the checker scores 1. */
  readonly demonstrationsValid: number;
  /** Trap family only (null otherwise). */
  readonly trap: TrapStats | null;
}

/** The trap family's two paths, each played through BfclEnv and scored by the checker. */
export interface TrapStats {
  /** Trap paths (obvious `ls()`, late `ls(a=True)` in the payoff turn) that the checker scores 0. */
  readonly trapPathsFailing: number;
  /** Of those, the ones whose verdict is decided at turn 1: every later turn of the trap path checks valid on its own. */
  readonly trapPathsFailingOnlyAtTurn1: number;
  /** SFT demonstrations that show the good path (the rest show the trap path): about `trapDemoShare` of the tasks. */
  readonly demonstratedGood: number;
}

const textAndTruth = (t: TaskSpec): string => JSON.stringify([t.entry.question, t.entry.groundTruth]);

/** Whether a result-dependent turn reads the previous turn's lookup (the dependent request comes first in its turn, after its own lookup if any). */
function readsPrevious(t: TaskSpec, turn: number): boolean {
  const first = t.steps[turn]![0]![0]!.name;
  return !['ls', 'find', 'get_user_id'].includes(first);
}

export async function taskStats(split: TaskSplit, n: number, knobs: TaskKnobs, seed: number): Promise<TaskStats> {
  const kinds = Object.fromEntries(TURN_KINDS.map((k) => [k, 0])) as Record<TurnKind, number>;
  const trap = { trapPathsFailing: 0, trapPathsFailingOnlyAtTurn1: 0, demonstratedGood: 0 };
  const distinct = new Set<string>();
  let turns = 0;
  let dependent = 0;
  let previous = 0;
  let calls = 0;
  let steps = 0;
  let words = 0;
  let valid = 0;
  const train = split === 'train' ? null : new Set(Array.from({ length: n }, (_, i) => textAndTruth(taskAt('train', i, knobs, seed))));
  let sameAsTrain = 0;
  for (let i = 0; i < n; i++) {
    const t = taskAt(split, i, knobs, seed);
    t.turnKinds.forEach((k, turn) => {
      turns++;
      kinds[k]++;
      if (k === 'copy' || k === 'choice') {
        dependent++;
        if (readsPrevious(t, turn)) previous++;
      }
    });
    calls += t.entry.groundTruth.flat().length;
    steps += t.steps.flat().length;
    words += t.entry.question.flat().reduce((s, m) => s + taskTextWords(m.content).length, 0);
    const key = textAndTruth(t);
    distinct.add(key);
    if (train?.has(key)) sameAsTrain++;
    const env = new BfclEnv();
    await demonstration(t, env);
    if (env.evaluate().success) valid++;
    if (t.trap) {
      const trapEnv = new BfclEnv();
      await demonstration(t, trapEnv, t.trap.trapSteps);
      const { verdict } = trapEnv.evaluate();
      if (!verdict.valid) trap.trapPathsFailing++;
      if (verdict.turn === 0 && verdict.turns.slice(1).every((v) => v.valid)) trap.trapPathsFailingOnlyAtTurn1++;
      if (t.trap.demonstrated === 'good') trap.demonstratedGood++;
    }
  }
  const share = (x: number, of: number): number => (of === 0 ? 0 : x / of);
  return {
    split,
    seed,
    tasks: n,
    turns,
    turnKinds: Object.fromEntries(TURN_KINDS.map((k) => [k, share(kinds[k], turns)])) as Record<TurnKind, number>,
    readsPreviousTurn: share(previous, dependent),
    meanCalls: share(calls, n),
    meanSteps: share(steps, n),
    meanUserWords: share(words, n),
    distinct: distinct.size,
    sameAsTrain: train ? sameAsTrain : null,
    demonstrationsValid: valid,
    trap: knobs.family === 'trap' ? trap : null,
  };
}
