import type { PolicyPort } from '../algos/port.js';
import type { TurnBatch } from '../core/turn-batch.js';
import type { Learner, OptimStepOptions, ScoredSequence } from '../policy/learner.js';

/**
 * Drives a model back end (`Learner`: TF.js, libtorch, or a remote trainer) from the algorithm core: each turn
 * sample becomes the sequence context ++ response, scored on its response tokens. Exactly what the Tinker
 * protocol does for custom losses: forward for log-probs, ∂L/∂logp from the core, then forward-backward with it.
 */
export class LearnerPort implements PolicyPort {
  constructor(
    private readonly learner: Learner,
    private readonly optim: OptimStepOptions,
    /** A frozen copy of the initial policy, for KL terms; omit when the algorithm has none. */
    reference?: Learner,
  ) {
    if (reference) this.referenceLogprobs = (batch) => this.scoreWith(reference, batch);
  }

  readonly referenceLogprobs?: (batch: TurnBatch) => Promise<Float64Array>;

  logprobs(batch: TurnBatch): Promise<Float64Array> {
    return this.scoreWith(this.learner, batch);
  }

  async forwardBackward(batch: TurnBatch, gradOf: (logp: Float64Array) => Float64Array | null): Promise<Float64Array> {
    const logp = await this.logprobs(batch);
    const grad = gradOf(logp);
    if (grad) {
      const off = batch.tokenOffsets();
      const perSequence = batch.samples.map((_, i) => Float32Array.from(grad.subarray(off[i]!, off[i + 1]!)));
      await this.learner.forwardBackward(sequences(batch), perSequence);
    }
    return logp;
  }

  async step(): Promise<{ skipped: boolean; gradNorm: number }> {
    return this.learner.optimStep(this.optim);
  }

  private async scoreWith(learner: Learner, batch: TurnBatch): Promise<Float64Array> {
    const out = new Float64Array(batch.tokenCount());
    let o = 0;
    for (const lp of await learner.logprobs(sequences(batch))) {
      out.set(lp, o);
      o += lp.length;
    }
    return out;
  }
}

function sequences(batch: TurnBatch): ScoredSequence[] {
  return batch.samples.map((s) => {
    const { contextTokens, responseTokens } = s.turn;
    if (contextTokens.length === 0) throw new Error(`turn ${s.trajectoryId}#${s.turnIndex} has no context: its first token cannot be scored`);
    return { tokens: Int32Array.from([...contextTokens, ...responseTokens]), responseStart: contextTokens.length };
  });
}
