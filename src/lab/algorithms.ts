import type { AlgorithmConfig } from '../algos/config.js';
import { resolveAlgorithm } from '../algos/registry.js';
import { ALGORITHM_VARIANTS } from '../algos/variants.js';
import { UserError } from '../core/errors.js';

/**
 * The algorithms the lab runs: every named algorithm of the core, SeeUPO's ablations (the core's variants,
 * src/algos/variants.ts, which the trainer runs under the same names), and PPO with an oracle critic. Each is the
 * core's preset plus overrides (resolveAlgorithm validates them), so the lab trains with the very advantage, loss
 * and schedule code the neural trainer uses.
 */
interface LabAlgorithm {
  base: string;
  overrides: Record<string, unknown>;
  /** One line for --help and the report. */
  about: string;
}

export const LAB_ALGORITHMS = {
  seeupo: { base: 'seeupo', overrides: {}, about: 'SeeUPO: reverse sequential per-turn updates, ratio correction δ=0.2, GRAE batch-standardised ±3' },
  ...ALGORITHM_VARIANTS,
  reinforce: { base: 'reinforce', overrides: {}, about: 'REINFORCE with the mean-only GRAE baseline, one joint step (exact mode: gradient ascent on J)' },
  rloo: { base: 'rloo', overrides: {}, about: 'REINFORCE with the leave-one-out baseline' },
  'reinforce++': { base: 'reinforce++', overrides: {}, about: 'REINFORCE++: batch-normalised returns, token PPO-clip ε=0.2' },
  grpo: { base: 'grpo', overrides: {}, about: 'GRPO: GRAE with group std, token PPO-clip ε=0.2, joint update' },
  gspo: { base: 'gspo', overrides: {}, about: 'GSPO: GRAE with group std, sequence clip ε=3e-4/4e-4, joint update' },
  'ppo-oracle': { base: 'ppo', overrides: {}, about: "PPO (token clip 0.2, dual clip 3, GAE γ=λ=1) with the exact value as its critic" },
} satisfies Record<string, LabAlgorithm>;

export type LabAlgorithmName = keyof typeof LAB_ALGORITHMS;
export const LAB_ALGORITHM_NAMES = Object.keys(LAB_ALGORITHMS) as LabAlgorithmName[];

/** The core configuration of a lab algorithm; `epochs` (when given) overrides the schedule's epochs. */
export function labAlgorithm(name: string, epochs?: number): AlgorithmConfig {
  if (!(name in LAB_ALGORITHMS)) {
    // The lab has no learned critic: its PPO is the core's preset with the exact value as critic.
    const hint = name === 'ppo' ? " (the lab's PPO is 'ppo-oracle': the core's ppo preset with the exact value as its critic)" : '';
    throw new UserError(`unknown lab algorithm '${name}'${hint}; known: ${LAB_ALGORITHM_NAMES.join(', ')}`);
  }
  const a: LabAlgorithm = LAB_ALGORITHMS[name as LabAlgorithmName];
  const over: Record<string, unknown> = structuredClone(a.overrides);
  if (epochs !== undefined) over.schedule = { ...((over.schedule as Record<string, unknown> | undefined) ?? {}), epochs };
  return { ...resolveAlgorithm(a.base, over), name };
}
