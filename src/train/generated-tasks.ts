import type { BfclEntry } from '../envs/bfcl/data.js';
import type { Env } from '../envs/env.js';
import { earlyChoice, involvedClasses, sftDemonstration, taskAt, TASK_WORDS, type TaskKnobs, type TaskSpec } from '../envs/tasks/index.js';
import type { Split, TaskSource, TrainTask } from './task-source.js';

/** The built-in task family (src/envs/tasks) as the trainer's task source. */
export function generatedTaskSource(knobs: TaskKnobs, seed: number): TaskSource {
  return {
    classes: involvedClasses(knobs),
    words: TASK_WORDS,
    task: (split: Split, index: number): TaskSpec => taskAt(split, index, knobs, seed),
    demonstration: (task: TrainTask, env: Env<BfclEntry>) => {
      if (!('steps' in task)) throw new Error(`task ${task.id} is not a generated task: it has no ground-truth steps`);
      return sftDemonstration(task as TaskSpec, env);
    },
    ...(knobs.family === 'trap' ? { episodeLabel: earlyChoice } : {}),
  };
}
