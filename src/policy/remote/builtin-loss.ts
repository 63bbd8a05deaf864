/**
 * When a Tinker server's built-in loss is exactly the configured algorithm's loss, one `forward_backward` with it
 * replaces the custom route's forward pass + forward_backward (a speed option: one pass on the server instead of
 * two). The token losses must agree per token up to a positive factor, which moves into the advantages:
 *  - `ppo` (−min(r·A, clip(r, lo, hi)·A) per token) is the token-level PPO-clip loss without dual clip, with
 *    lo = 1 − clipLow, hi = 1 + clipHigh and advantages c_t·A_t, c_t the aggregation coefficient (> 0).
 *  - `importance_sampling` (−r·A) has REINFORCE's gradient −c_t·A_t when r = 1, i.e. when the `logprobs` sent are
 *    the current weights' own: one optimizer step per batch (joint schedule, 1 epoch × 1 minibatch).
 * Anything with a KL term, a dual clip or a sequence-level loss (GSPO, SeeUPO) has no built-in equivalent.
 * The sums match only where the server sums (normalisation 'sum', hosted Tinker).
 */
import type { AlgorithmConfig } from '../../algos/config.js';

export type BuiltinLoss = { lossFn: 'ppo'; clipLowThreshold: number; clipHighThreshold: number } | { lossFn: 'importance_sampling' };

export function builtinLossFor(algo: AlgorithmConfig): BuiltinLoss | null {
  if (algo.kl !== null) return null;
  const loss = algo.loss;
  if (loss.kind === 'token-clip' && loss.dualClip === null) return { lossFn: 'ppo', clipLowThreshold: 1 - loss.clipLow, clipHighThreshold: 1 + loss.clipHigh };
  const s = algo.schedule;
  if (loss.kind === 'reinforce' && s.kind === 'joint' && s.epochs === 1 && s.minibatches === 1) return { lossFn: 'importance_sampling' };
  return null;
}
