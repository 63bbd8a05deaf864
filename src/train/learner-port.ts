import type { PolicyPort } from '../algos/port.js';
import type { TurnBatch } from '../core/turn-batch.js';
import type { Learner, OptimStepOptions, ScoredSequence } from '../policy/learner.js';
import type { LearnedCritic } from './critic.js';

/**
 * Drives a model back end (`Learner`: TF.js, libtorch, or a remote trainer) from the algorithm core: each turn
 * sample becomes the sequence context ++ response, scored on its response tokens. A learner with
 * `forwardBackwardFn` runs one forward per call: its log-probs go to the core's gradient function and the
 * backward pass runs on the same graph. Otherwise, as the Tinker protocol does for custom losses: forward for
 * log-probs, ∂L/∂logp from the core, then forward-backward with it. With a critic (PPO), the port also gives the
 * core values and takes ∂L/∂V, and every optimizer step steps both models.
 */
export class LearnerPort implements PolicyPort {
  constructor(
    private readonly learner: Learner,
    private readonly optim: OptimStepOptions,
    /** A frozen copy of the initial policy, for KL terms; omit when the algorithm has none. */
    reference?: Learner,
    /** The learned critic, for GAE advantages; omit when the algorithm has none. */
    private readonly critic?: LearnedCritic,
    /**
     * Train the critic only (a critic warm-up): the policy's loss is still computed on its forward, for the
     * statistics, but not back-propagated, and `step` steps the critic alone (the policy's norm is then NaN).
     */
    private readonly freezePolicy = false,
  ) {
    if (freezePolicy && !critic) throw new Error('LearnerPort: freezing the policy leaves nothing to train without a critic');
    if (reference) this.referenceLogprobs = (batch) => this.scoreWith(reference, batch);
    if (critic) {
      this.values = (batch) => critic.values(batch);
      this.valuesForwardBackward = (batch, gradOf) => critic.valuesForwardBackward(batch, gradOf);
    }
  }

  readonly referenceLogprobs?: (batch: TurnBatch) => Promise<Float64Array>;
  readonly values?: (batch: TurnBatch) => Promise<Float64Array>;
  readonly valuesForwardBackward?: (batch: TurnBatch, gradOf: (values: Float64Array) => Float64Array | null) => Promise<Float64Array>;

  logprobs(batch: TurnBatch): Promise<Float64Array> {
    return this.scoreWith(this.learner, batch);
  }

  async forwardBackward(batch: TurnBatch, gradOf: (logp: Float64Array) => Float64Array | null): Promise<Float64Array> {
    if (this.freezePolicy) {
      const logp = await this.logprobs(batch);
      gradOf(logp);
      return logp;
    }
    const off = batch.tokenOffsets();
    const perSequence = (grad: Float64Array) => batch.samples.map((_, i) => Float32Array.from(grad.subarray(off[i]!, off[i + 1]!)));
    if (this.learner.forwardBackwardFn) {
      let logp: Float64Array = new Float64Array(0);
      await this.learner.forwardBackwardFn(sequences(batch), (perSeq) => {
        logp = concat(perSeq, batch.tokenCount());
        const grad = gradOf(logp);
        return grad ? perSequence(grad) : null;
      });
      return logp;
    }
    const logp = await this.logprobs(batch);
    const grad = gradOf(logp);
    if (grad) await this.learner.forwardBackward(sequences(batch), perSequence(grad));
    return logp;
  }

  /** The policy's step, then the critic's; the reported norm is the policy's, a skip in either is reported. */
  async step(): Promise<{ skipped: boolean; gradNorm: number }> {
    const policy = this.freezePolicy ? { skipped: false, gradNorm: Number.NaN } : await this.learner.optimStep(this.optim);
    if (!this.critic) return policy;
    const critic = await this.critic.step();
    return { skipped: policy.skipped || critic.skipped, gradNorm: policy.gradNorm };
  }

  private async scoreWith(learner: Learner, batch: TurnBatch): Promise<Float64Array> {
    return concat(await learner.logprobs(sequences(batch)), batch.tokenCount());
  }
}

function concat(perSequence: readonly Float32Array[], total: number): Float64Array {
  const out = new Float64Array(total);
  let o = 0;
  for (const lp of perSequence) {
    out.set(lp, o);
    o += lp.length;
  }
  return out;
}

function sequences(batch: TurnBatch): ScoredSequence[] {
  return batch.samples.map((s) => {
    const { contextTokens, responseTokens } = s.turn;
    if (contextTokens.length === 0) throw new Error(`turn ${s.trajectoryId}#${s.turnIndex} has no context: its first token cannot be scored`);
    return { tokens: Int32Array.from([...contextTokens, ...responseTokens]), responseStart: contextTokens.length };
  });
}
