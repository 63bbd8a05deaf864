import type { TurnBatch } from '../core/turn-batch.js';

/**
 * What the algorithm core needs from a policy back end, on turn samples (design.md, "Losses live on log-probs").
 * The exact lab's tabular policies implement it directly; model back ends (the `Learner` interface) through an
 * adapter. All per-token arrays are flat over the batch's response tokens in its row order.
 */
export interface PolicyPort {
  /** Per-token log-probs of the batch's response tokens under the current weights. */
  logprobs(batch: TurnBatch): Promise<Float64Array>;
  /**
   * Forward pass, then `gradOf(logp)` gives ∂L/∂logp, which the back end back-propagates into its accumulated
   * gradients. `gradOf` returns null to skip the backward pass (non-finite loss). Returns the forward log-probs.
   */
  forwardBackward(batch: TurnBatch, gradOf: (logp: Float64Array) => Float64Array | null): Promise<Float64Array>;
  /** Optimizer step on the accumulated gradients (policy and value), then zero them. */
  step(): Promise<{ skipped: boolean; gradNorm: number }>;
  /** Reference-policy log-probs (needed by a KL term and by REINFORCE++'s KL-in-reward). */
  referenceLogprobs?(batch: TurnBatch): Promise<Float64Array>;
  /** The critic's value of each sample's context (one per row); needed by GAE / PPO. */
  values?(batch: TurnBatch): Promise<Float64Array>;
  /** Like forwardBackward, for the critic: ∂L/∂V per row. */
  valuesForwardBackward?(batch: TurnBatch, gradOf: (values: Float64Array) => Float64Array | null): Promise<Float64Array>;
}
