import type { Learner, OptimStepOptions, OptimStepResult } from '../policy/learner.js';
import type { SupervisedExample } from '../render/renderer.js';

export interface SftStepResult extends OptimStepResult {
  /** Mean cross-entropy (nats per token) over the loss-masked tokens, before the step. */
  loss: number;
  tokens: number;
}

/**
 * One supervised step: cross-entropy on the assistant tokens only, through the same `Learner` interface RL uses.
 * L = −(1/N) Σ mask·log p over the batch's N masked tokens, so ∂L/∂log p = −mask/N: a constant the back end
 * back-propagates like any loss of the core.
 */
export async function sftStep(learner: Learner, examples: readonly SupervisedExample[], optim: OptimStepOptions): Promise<SftStepResult> {
  let n = 0;
  for (const ex of examples) for (let i = 1; i < ex.lossMask.length; i++) n += ex.lossMask[i]!;
  if (n === 0) throw new Error('sftStep: the batch has no assistant tokens to learn');
  const batch = examples.map((ex) => ({ tokens: Int32Array.from(ex.tokens), responseStart: 1 }));
  const grads = examples.map((ex) => Float32Array.from(ex.lossMask.slice(1), (m) => -m / n));
  const logp = await learner.forwardBackward(batch, grads);
  let loss = 0;
  examples.forEach((ex, j) => {
    const lp = logp[j]!;
    for (let i = 1; i < ex.lossMask.length; i++) if (ex.lossMask[i]) loss -= lp[i - 1]! / n;
  });
  const step = await learner.optimStep(optim);
  return { ...step, loss, tokens: n };
}
