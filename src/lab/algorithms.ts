import type { AlgorithmConfig } from '../algos/config.js';
import { resolveAlgorithm } from '../algos/registry.js';
import { UserError } from '../core/errors.js';

/**
 * The algorithms the lab runs: every named algorithm of the core, SeeUPO's ablations, and PPO with an oracle
 * critic. Each is the core's preset plus overrides (resolveAlgorithm validates them), so the lab trains with the
 * very advantage, loss and schedule code the neural trainer uses.
 */
interface LabAlgorithm {
  base: string;
  overrides: Record<string, unknown>;
  /** One line for --help and the report. */
  about: string;
}

export const LAB_ALGORITHMS = {
  seeupo: { base: 'seeupo', overrides: {}, about: 'SeeUPO: reverse sequential per-turn updates, ratio correction δ=0.2, GRAE batch-standardised ±3' },
  'seeupo-forward': { base: 'seeupo', overrides: { schedule: { order: 'forward' } }, about: 'SeeUPO with the turns updated first-to-last' },
  'seeupo-random': { base: 'seeupo', overrides: { schedule: { order: 'random' } }, about: 'SeeUPO with the turns in a seeded random order each iteration' },
  'seeupo-no-ratio': { base: 'seeupo', overrides: { schedule: { ratioCorrection: null } }, about: 'SeeUPO without the ratio correction' },
  'seeupo-no-clamp': { base: 'seeupo', overrides: { advantage: { batchStandardise: { clamp: null } } }, about: 'SeeUPO without the ±3 advantage clamp' },
  'seeupo-behaviour': {
    base: 'seeupo',
    overrides: { schedule: { oldPolicy: 'behaviour' } },
    about: "SeeUPO with the behaviour policy as every turn's π_old: ratio, clip and ρ against the sampling log-probs (HAPPO)",
  },
  'seeupo-behaviour-no-clamp': {
    base: 'seeupo',
    overrides: { schedule: { oldPolicy: 'behaviour' }, advantage: { batchStandardise: { clamp: null } } },
    about: 'seeupo-behaviour without the ±3 advantage clamp',
  },
  'seeupo-wide-clip': {
    base: 'seeupo',
    overrides: { loss: { clipLow: 0.2, clipHigh: 0.2 } },
    about: "SeeUPO with PPO's clip ε = 0.2 instead of GSPO's 3e-4/4e-4 (control for seeupo-behaviour-wide-clip)",
  },
  'seeupo-behaviour-wide-clip': {
    base: 'seeupo',
    overrides: { loss: { clipLow: 0.2, clipHigh: 0.2 }, schedule: { oldPolicy: 'behaviour' } },
    about: 'seeupo-behaviour with the clip ε = 0.2: a drifted ratio is not clipped at once',
  },
  'seeupo-joint': {
    base: 'seeupo',
    overrides: { schedule: { kind: 'joint', epochs: 1, minibatches: 1 } },
    about: "SeeUPO's advantage and loss with one joint update (GSPO-like schedule)",
  },
  reinforce: { base: 'reinforce', overrides: {}, about: 'REINFORCE with the mean-only GRAE baseline, one joint step (exact mode: gradient ascent on J)' },
  rloo: { base: 'rloo', overrides: {}, about: 'REINFORCE with the leave-one-out baseline' },
  'reinforce++': { base: 'reinforce++', overrides: {}, about: 'REINFORCE++: batch-normalised returns, token PPO-clip ε=0.2' },
  grpo: { base: 'grpo', overrides: {}, about: 'GRPO: GRAE with group std, token PPO-clip ε=0.2, joint update' },
  gspo: { base: 'gspo', overrides: {}, about: 'GSPO: GRAE with group std, sequence clip ε=3e-4/4e-4, joint update' },
  'grae-clip': {
    base: 'reinforce',
    overrides: { loss: { kind: 'token-clip', clipLow: 0.2, clipHigh: 0.2, dualClip: null } },
    about: 'mean-only GRAE with token PPO-clip ε=0.2, joint update (claim 2: clipped updates with GRAE)',
  },
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
