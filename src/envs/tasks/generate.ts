import type { ToolCall } from '../../core/messages.js';
import { Rng } from '../../core/rng.js';
import type { BfclEntry } from '../bfcl/data.js';
import { dependentRequest, feasibleDependentKinds, LITERAL_REQUESTS, lookupRequest, type DependentKind, type Pending, type Request } from './actions.js';
import { taskEntry } from './calls.js';
import { DISTRACTOR_CLASSES, involvedClasses, type TaskKnobs } from './knobs.js';
import { generateTrapTask } from './trap.js';
import { TaskWorld } from './world.js';
import { fileNamePool } from './words.js';

/** train and test draw from disjoint seed streams over the same names; heldout uses only the held-out file names. */
export const TASK_SPLITS = ['train', 'test', 'heldout'] as const;
export type TaskSplit = (typeof TASK_SPLITS)[number];

export function isTaskSplit(s: string): s is TaskSplit {
  return (TASK_SPLITS as readonly string[]).includes(s);
}

/**
 * What a user turn asks for: every argument in the user's words (`literal`), a value copied from an earlier tool
 * result (`copy`: the path `find` returned, the id `get_user_id` returned), or a file chosen by its extension from an
 * earlier `ls` listing (`choice`). The earlier result is in the same turn or in the turn before.
 */
export type TurnKind = 'literal' | 'copy' | 'choice' | TrapTurnKind;
export const TURN_KINDS: readonly TurnKind[] = ['literal', 'copy', 'choice', 'trap', 'payoff'];

/**
 * The trap family's turns (trap.ts): `trap`, the early request with an obvious and a complete answer ("list files":
 * `ls()` or `ls(a=True)`), and `payoff`, the last turn, which needs what only the complete answer showed.
 */
export type TrapTurnKind = 'trap' | 'payoff';

/** A trap task's other path, and which path its SFT demonstration shows. */
export interface TrapPaths {
  /** The obvious early action, then a late look in the payoff turn: the checker scores it 0. */
  readonly trapSteps: ReadonlyArray<ReadonlyArray<readonly ToolCall[]>>;
  /** The path `sftDemonstration` plays: `good` (the ground truth) with probability `trapDemoShare`, else `trap`. */
  readonly demonstrated: 'good' | 'trap';
}

/** A generated task: a BFCL entry (what `BfclEnv` plays and the checker scores) and its structured ground truth. */
export interface TaskSpec {
  readonly id: string;
  readonly split: TaskSplit;
  readonly entry: BfclEntry;
  /** The kind of each user turn. */
  readonly turnKinds: readonly TurnKind[];
  /**
   * The ground truth as demonstration steps, `[turn][step][call]`: a call that reads a result of the same turn
   * comes in a later step than the call that produced it. `entry.groundTruth` is the same calls, flattened per turn.
   */
  readonly steps: ReadonlyArray<ReadonlyArray<readonly ToolCall[]>>;
  /** Trap family only: the path that takes the obvious early action. */
  readonly trap?: TrapPaths;
}

/** Every class a generated task can involve (a vocabulary of tool names and argument keys is read from their docs). */
export const TASK_API_CLASSES: readonly string[] = ['GorillaFileSystem', 'MessageAPI', ...DISTRACTOR_CLASSES];

export { involvedClasses };

/**
 * The task at `index` of a split's stream for a seed: the same (split, index, knobs, seed) always gives the same
 * task, and each split has its own stream (a fork of the seed's generator labelled with the split and the index).
 */
export function taskAt(split: TaskSplit, index: number, knobs: TaskKnobs, seed: number): TaskSpec {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`task index must be a non-negative integer, got ${index}`);
  if (knobs.family === 'trap') return generateTrapTask(new Rng(seed).fork(`trap/${split}/${index}`), split, knobs, `trap_${split}_${seed}_${index}`);
  return generateTask(new Rng(seed).fork(`tasks/${split}/${index}`), split, knobs, `tasks_${split}_${seed}_${index}`);
}

/** The tasks of a split's stream, from `start` on, without end. */
export function* taskStream(split: TaskSplit, knobs: TaskKnobs, seed: number, start = 0): Generator<TaskSpec> {
  for (let index = start; ; index++) yield taskAt(split, index, knobs, seed);
}

/** How often each dependent request is drawn, among those the world allows: choice and copy equally often. */
function dependentWeight(kind: DependentKind, knobs: TaskKnobs): number {
  if (kind === 'choice') return 2;
  if (kind === 'path') return knobs.messaging ? 1 : 2;
  return 1;
}

function drawDependentKind(world: TaskWorld, rng: Rng, knobs: TaskKnobs): DependentKind | null {
  const kinds = feasibleDependentKinds(world);
  return kinds.length === 0 ? null : kinds[rng.categorical(kinds.map((k) => dependentWeight(k, knobs)))]!;
}

/** A literal request among those the state allows (every candidate is built, so the draws do not depend on which fail). */
function drawLiteral(world: TaskWorld, rng: Rng, pool: readonly string[]): Request {
  const built = LITERAL_REQUESTS.map((r) => ({ weight: r.weight, request: r.build(world, rng, pool) }));
  const feasible = built.filter((b) => b.request !== null);
  return feasible[rng.categorical(feasible.map((b) => b.weight))]!.request!;
}

/**
 * One task from `rng`. Per user turn: with probability `resultDependentShare` the turn's first request reads an
 * earlier result; when the turn before is literal, with probability `crossTurnShare` that turn ends with the lookup ("list files")
 * and this turn reads it ("move the pdf file to docs"), so the right call depends on an earlier turn's result.
 * Every request is drawn against the state the earlier ones leave.
 */
export function generateTask(rng: Rng, split: TaskSplit, knobs: TaskKnobs, id: string): TaskSpec {
  const pool = fileNamePool(split === 'heldout');
  const world = TaskWorld.generate(rng, pool, knobs.messaging);
  const initialConfig = world.initialConfig();
  const turns = knobs.userTurns;
  const dependent = Array.from({ length: turns }, () => rng.next() < knobs.resultDependentShare);
  const lookupBefore = dependent.map((d, t) => t > 0 && d && !dependent[t - 1] && rng.next() < knobs.crossTurnShare);

  const question: string[] = [];
  const turnKinds: TurnKind[] = [];
  const steps: ToolCall[][][] = [];
  let pending: Pending | null = null;
  for (let t = 0; t < turns; t++) {
    const requests: Request[] = [];
    let kind: TurnKind = 'literal';
    if (dependent[t]) {
      const dk = pending?.kind ?? drawDependentKind(world, rng, knobs);
      if (dk !== null) {
        const r = dependentRequest(world, rng, dk, pending);
        r.apply();
        requests.push(r);
        kind = dk === 'choice' ? 'choice' : 'copy';
      }
    }
    pending = null;
    while (requests.length < knobs.actionsPerTurn) {
      if (requests.length === knobs.actionsPerTurn - 1 && lookupBefore[t + 1]) {
        const dk = drawDependentKind(world, rng, knobs);
        if (dk !== null) {
          const lookup = lookupRequest(world, rng, dk);
          pending = lookup.pending;
          requests.push(lookup.request);
          continue;
        }
      }
      const r = drawLiteral(world, rng, pool);
      r.apply();
      requests.push(r);
    }
    question.push(requests.map((r) => r.text).join(' and '));
    turnKinds.push(kind);
    steps.push(mergeSteps(requests));
  }
  const entry = taskEntry(id, question, knobs, initialConfig, steps);
  return { id, split, entry, turnKinds, steps };
}

/** A turn's steps: calls run together until one reads a result of this turn, which starts a new step. */
function mergeSteps(requests: readonly Request[]): ToolCall[][] {
  const steps: ToolCall[][] = [[]];
  for (const r of requests) {
    r.steps.forEach((s, i) => {
      if (i > 0) steps.push([]);
      steps[steps.length - 1]!.push(...s);
    });
  }
  return steps;
}
