import type { TaskFamily } from '../envs/tasks/knobs.js';

/**
 * `seeupo compare`'s budgets: a partial training config that lies under the user's --config and --set, sized so
 * that the comparison (7 algorithms × 5 seeds and 6 ablations × 3 seeds, on 2 task families) fits in about
 * two hours on 2 cores (docs/compare.md gives the measured numbers). Everything not named here is `seeupo train`'s
 * default: the same model, renderer, tasks, SFT and optimizer.
 */
export const COMPARE_PRESET = {
  threads: 1,
  rl: { iterations: 16 },
  rollout: { tasksPerIteration: 8, groupSize: 8 },
  eval: { every: 4, tasks: 100, finalTasks: 200, k: 0 },
} as const;

/**
 * Minibatches per batch for every algorithm whose schedule is joint (GRPO, GSPO, PPO, the REINFORCE family,
 * seeupo-joint) unless `--joint-minibatches` says otherwise. With one minibatch the only update of a batch is
 * on-policy, every ratio is 1, and GRPO's token clip and GSPO's sequence clip give the same gradient: the two runs
 * are byte-identical and clipping is never exercised. Four is what verl's GRPO/GSPO examples run (train batch =
 * 4 × PPO mini-batch) and close to SeeUPO's one update per turn (5–7 steps per batch on these tasks).
 */
export const COMPARE_JOINT_MINIBATCHES = 4;

/**
 * What a task family changes in the preset (under --config and --set, so a user's setting wins). The trap family's
 * SFT demonstrations mostly take the trap, so greedy validation success is 0 at every validation and keeping the
 * best would keep the first: its SFT runs a fixed 600 steps and validates once, at the end (docs/tasks.md).
 */
export const FAMILY_PRESETS: Partial<Record<TaskFamily, object>> = {
  trap: { sft: { steps: 600, evalEvery: 600 } },
};

/** The named sets `--algos` takes besides single names: the seven algorithms and SeeUPO's ablations. */
export const ALGORITHM_GROUPS: Readonly<Record<string, readonly string[]>> = {
  baselines: ['seeupo', 'grpo', 'gspo', 'ppo', 'reinforce', 'rloo', 'reinforce++'],
  ablations: ['seeupo-no-ratio', 'seeupo-forward', 'seeupo-random', 'seeupo-joint', 'seeupo-no-clamp', 'seeupo@4'],
};
