import { UserError } from '../core/errors.js';
import { parseConfig } from '../core/config.js';
import type { AlgorithmConfig } from './config.js';
import { algorithmSchema } from './config.js';

/**
 * The named algorithms: each is one composition of the core's pieces, stated exactly. Presets carry no KL term
 * (it needs a reference policy); the reference code used k3 with β = 0.002 — set `kl` to enable it.
 */
const presets = {
  /**
   * SeeUPO (seeupo.md §5): GRAE mean-only, batch-standardised and clamped to ±3; sequence-level clipped loss
   * (GSPO's ε = 3e-4 / 4e-4) aggregated seq-mean-token-mean; sequential updates in reverse turn order, one epoch
   * and one minibatch per turn, π_old recomputed before each turn (`oldPolicy: 'phase'`; `'behaviour'` measures
   * against the sampling policy instead); ratio correction with δ = 0.2.
   */
  seeupo: {
    name: 'seeupo',
    advantage: { kind: 'grae', std: false, batchStandardise: { clamp: 3 } },
    loss: { kind: 'seq-clip', clipLow: 3e-4, clipHigh: 4e-4 },
    aggregation: 'seq-mean-token-mean',
    kl: null,
    schedule: { kind: 'sequential', order: 'reverse', epochs: 1, minibatches: 1, ratioCorrection: { delta: 0.2 }, oldPolicy: 'phase' },
  },
  /**
   * REINFORCE with GRAE (mean-only group baseline): loss −A_i·Σ_turns Σ_tokens log π, averaged over trajectories
   * (traj-mean-token-sum), one joint step per iteration. With exact probability weights it is gradient ascent
   * on J.
   */
  reinforce: {
    name: 'reinforce',
    advantage: { kind: 'grae', std: false, batchStandardise: null },
    loss: { kind: 'reinforce' },
    aggregation: 'traj-mean-token-sum',
    kl: null,
    schedule: { kind: 'joint', epochs: 1, minibatches: 1 },
  },
  /**
   * GRPO (Shao et al. 2024): GRAE with group std; token-level PPO-clip ε = 0.2, no dual clip; seq-mean-token-mean;
   * joint update, 1 epoch × 1 minibatch.
   */
  grpo: {
    name: 'grpo',
    advantage: { kind: 'grae', std: true, batchStandardise: null },
    loss: { kind: 'token-clip', clipLow: 0.2, clipHigh: 0.2, dualClip: null },
    aggregation: 'seq-mean-token-mean',
    kl: null,
    schedule: { kind: 'joint', epochs: 1, minibatches: 1 },
  },
  /**
   * GSPO (Zheng et al. 2025): GRAE with group std; sequence-level clipped loss ε = 3e-4 / 4e-4;
   * seq-mean-token-mean; joint update, 1 epoch × 1 minibatch.
   */
  gspo: {
    name: 'gspo',
    advantage: { kind: 'grae', std: true, batchStandardise: null },
    loss: { kind: 'seq-clip', clipLow: 3e-4, clipHigh: 4e-4 },
    aggregation: 'seq-mean-token-mean',
    kl: null,
    schedule: { kind: 'joint', epochs: 1, minibatches: 1 },
  },
  /**
   * RLOO (Ahmadian et al. 2024): REINFORCE with the leave-one-out group baseline R_i − mean of the other G−1;
   * traj-mean-token-sum; one joint step.
   */
  rloo: {
    name: 'rloo',
    advantage: { kind: 'rloo' },
    loss: { kind: 'reinforce' },
    aggregation: 'traj-mean-token-sum',
    kl: null,
    schedule: { kind: 'joint', epochs: 1, minibatches: 1 },
  },
  /**
   * REINFORCE++ (Hu 2025): per-token returns (KL folded into the reward when klCoef > 0; default off, it needs a
   * reference policy) normalised over the batch; token-level PPO-clip ε = 0.2; token-mean; one joint step.
   */
  'reinforce++': {
    name: 'reinforce++',
    advantage: { kind: 'reinforce++', klCoef: 0 },
    loss: { kind: 'token-clip', clipLow: 0.2, clipHigh: 0.2, dualClip: null },
    aggregation: 'token-mean',
    kl: null,
    schedule: { kind: 'joint', epochs: 1, minibatches: 1 },
  },
  /**
   * PPO with a learned critic: turn-level GAE (γ = 1, λ = 1); token-level PPO-clip ε = 0.2 with dual clip c = 3;
   * token-mean; clipped value loss (ε_v = 0.2, coefficient 0.5); joint update, 1 epoch × 1 minibatch.
   */
  ppo: {
    name: 'ppo',
    advantage: { kind: 'gae', gamma: 1, lambda: 1, valueCoef: 0.5, valueClip: 0.2 },
    loss: { kind: 'token-clip', clipLow: 0.2, clipHigh: 0.2, dualClip: 3 },
    aggregation: 'token-mean',
    kl: null,
    schedule: { kind: 'joint', epochs: 1, minibatches: 1 },
  },
} satisfies Record<string, AlgorithmConfig>;

export type AlgorithmName = keyof typeof presets;
export const ALGORITHM_NAMES = Object.keys(presets) as AlgorithmName[];

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Deep-merges overrides onto a preset. An override object whose `kind` differs from the preset's replaces that
 * sub-object wholesale (the other kind's fields would not apply); arrays replace.
 */
export function mergeOverrides(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  if ('kind' in over && over.kind !== base.kind) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergeOverrides(base[k], v) : v;
  return out;
}

/** The named algorithm's configuration, with optional overrides validated against the strict schema. */
export function resolveAlgorithm(name: string, overrides: unknown = {}): AlgorithmConfig {
  if (!(name in presets)) throw new UserError(`unknown algorithm '${name}'; known: ${ALGORITHM_NAMES.join(', ')}`);
  const base = structuredClone(presets[name as AlgorithmName]) as AlgorithmConfig;
  return parseConfig(algorithmSchema, mergeOverrides(base, overrides), `configuration of algorithm '${name}'`);
}
