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

/** The named sets `--algos` takes besides single names: the seven algorithms and SeeUPO's ablations. */
export const ALGORITHM_GROUPS: Readonly<Record<string, readonly string[]>> = {
  baselines: ['seeupo', 'grpo', 'gspo', 'ppo', 'reinforce', 'rloo', 'reinforce++'],
  ablations: ['seeupo-no-ratio', 'seeupo-forward', 'seeupo-random', 'seeupo-joint', 'seeupo-no-clamp', 'seeupo@4'],
};
