import type { TurnBatch } from '../core/turn-batch.js';
import type { Learner, OptimStepOptions, OptimStepResult, ScoredSequence } from '../policy/learner.js';

export interface CriticOptions {
  /** The critic's own optimizer (AdamW), stepped with the policy's at every optimizer step of the schedule. */
  optim: OptimStepOptions;
  /** [lo, hi]: the values the critic can express; returns outside it are out of its reach. */
  valueRange: readonly [number, number];
  /** The token v whose probability after the context is the value (see `LearnedCritic`). */
  valueToken: number;
}

/**
 * PPO's learned critic, read from a second language model of the policy's architecture, behind the same `Learner`
 * interface (so every back end — native, TF.js, a Tinker-protocol service — serves as a critic without change):
 *
 *   V(s) = lo + (hi − lo) · p(v | s),   p(v | s) = exp(log-prob of the token v scored right after the context s)
 *
 * — a Bernoulli "success probability" head parametrised by one row of the LM head's softmax. Since
 * ∂V/∂log p = (hi − lo) · p, a given ∂L/∂V back-propagates as ∂L/∂log p = ∂L/∂V · (hi − lo) · p, the only kind of
 * gradient a `Learner` takes. The value of a turn sample is V of the turn's context (the core's convention: the
 * critic's value of the context at the start of the turn), scored as the sequence context ++ [v].
 */
export class LearnedCritic {
  constructor(
    readonly learner: Learner,
    private readonly opts: CriticOptions,
  ) {
    const [lo, hi] = opts.valueRange;
    if (!(lo < hi)) throw new Error(`critic: valueRange [${lo}, ${hi}] is empty`);
    if (!Number.isInteger(opts.valueToken) || opts.valueToken < 0 || opts.valueToken >= learner.config.vocabSize) {
      throw new Error(`critic: value token ${opts.valueToken} is outside the vocabulary (${learner.config.vocabSize})`);
    }
  }

  /** V of each sample's context, one per row. */
  async values(batch: TurnBatch): Promise<Float64Array> {
    return this.toValues(await this.learner.logprobs(this.sequences(batch)));
  }

  /**
   * Forward, ∂L/∂V from `gradOf`, backward as ∂L/∂log p(v | s) into the critic's accumulated gradients (one forward
   * when the learner has `forwardBackwardFn`). Returns the forward's values.
   */
  async valuesForwardBackward(batch: TurnBatch, gradOf: (values: Float64Array) => Float64Array | null): Promise<Float64Array> {
    const seqs = this.sequences(batch);
    if (this.learner.forwardBackwardFn) {
      let values: Float64Array = new Float64Array(0);
      await this.learner.forwardBackwardFn(seqs, (logp) => {
        values = this.toValues(logp);
        const dV = gradOf(values);
        return dV ? this.toLogpGrad(logp, dV) : null;
      });
      return values;
    }
    const logp = await this.learner.logprobs(seqs);
    const values = this.toValues(logp);
    const dV = gradOf(values);
    if (dV) await this.learner.forwardBackward(seqs, this.toLogpGrad(logp, dV));
    return values;
  }

  step(): Promise<OptimStepResult> {
    return this.learner.optimStep(this.opts.optim);
  }

  private sequences(batch: TurnBatch): ScoredSequence[] {
    return batch.samples.map((s) => {
      const context = s.turn.contextTokens;
      if (context.length === 0) throw new Error(`turn ${s.trajectoryId}#${s.turnIndex} has no context: the critic cannot score it`);
      return { tokens: Int32Array.from([...context, this.opts.valueToken]), responseStart: context.length };
    });
  }

  private toValues(logp: readonly Float32Array[]): Float64Array {
    const [lo, hi] = this.opts.valueRange;
    return Float64Array.from(logp, (lp) => lo + (hi - lo) * Math.exp(lp[0]!));
  }

  /** ∂L/∂log p = ∂L/∂V · (hi − lo) · p, one scored token per sequence. */
  private toLogpGrad(logp: readonly Float32Array[], dV: Float64Array): Float32Array[] {
    const [lo, hi] = this.opts.valueRange;
    return logp.map((lp, i) => Float32Array.of(dV[i]! * (hi - lo) * Math.exp(lp[0]!)));
  }
}
