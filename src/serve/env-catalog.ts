import type { BfclEntry } from '../envs/bfcl/data.js';
import { baseSplit, findEntry } from '../envs/bfcl/data.js';
import { BfclEnv } from '../envs/bfcl/env.js';
import type { Env } from '../envs/env.js';
import { DEFAULT_TASK_KNOBS, isTaskSplit, taskAt } from '../envs/tasks/index.js';

/** What the env service serves under one `env_type`: tasks by id, and a fresh environment per instance. */
export interface ServedEnvType {
  readonly name: 'tasks' | 'bfcl';
  /** The task with this id, or null when there is none. */
  task(taskId: string): BfclEntry | null;
  /** Task ids of a split (`get_env_profile`); null for an unknown split. */
  taskIds(split: string, count: number): string[] | null;
  makeEnv(): Env<BfclEntry>;
}

export const ENV_TYPES = ['tasks', 'bfcl'] as const;

/**
 * `tasks`: the generated tasks of `seeupo train` with their default knobs, by id `tasks_<split>_<seed>_<index>`.
 * `bfcl`: BFCL v4 multi-turn entries by their BFCL id; splits `train` and `test` are the paper's base split.
 * Both play in the environment the trainer uses (tools as structured tools, no system prompt of BFCL's own).
 */
export function servedEnvType(name: 'tasks' | 'bfcl', opts: { maxStepsPerTurn: number }): ServedEnvType {
  const makeEnv = (): Env<BfclEntry> => new BfclEnv({ maxStepsPerTurn: opts.maxStepsPerTurn, systemPrompt: null, toolsInSystemPrompt: false });
  if (name === 'bfcl') {
    return {
      name,
      task: (id) => findEntry(id) ?? null,
      taskIds: (split, count) => (split === 'train' || split === 'test' ? baseSplit(split).slice(0, count).map((e) => e.id) : null),
      makeEnv,
    };
  }
  const TASK_ID = /^tasks_([a-z]+)_(\d+)_(\d+)$/;
  return {
    name,
    task: (id) => {
      const m = TASK_ID.exec(id);
      if (!m || !isTaskSplit(m[1]!)) return null;
      const seed = Number(m[2]);
      const index = Number(m[3]);
      if (!(seed <= 0xffffffff) || !Number.isSafeInteger(index)) return null;
      return taskAt(m[1], index, DEFAULT_TASK_KNOBS, seed).entry;
    },
    taskIds: (split, count) => (isTaskSplit(split) ? Array.from({ length: count }, (_, i) => `tasks_${split}_0_${i}`) : null),
    makeEnv,
  };
}
