/**
 * AdamW on flat float32 vectors, matching PyTorch's `torch.optim.AdamW` (decoupled decay, bias-corrected
 * moments) and `clip_grad_norm_` (scale by maxNorm / (norm + 1e-6) when that is below 1). Weight decay applies
 * only to `matrix` weights: not to biases, LayerNorm parameters or embeddings.
 */
import { UserError } from '../core/errors.js';
import type { OptimStepOptions } from './learner.js';

export interface AdamWHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  maxGradNorm: number | null;
}

/** Fills in the Learner interface's defaults and rejects impossible values with a UserError. */
export function resolveOptimOptions(opts: OptimStepOptions): AdamWHyper {
  const h: AdamWHyper = {
    lr: opts.lr,
    beta1: opts.beta1 ?? 0.9,
    beta2: opts.beta2 ?? 0.95,
    eps: opts.eps ?? 1e-8,
    weightDecay: opts.weightDecay ?? 0,
    maxGradNorm: opts.maxGradNorm ?? null,
  };
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new UserError(`optimizer: ${what}`);
  };
  check(Number.isFinite(h.lr) && h.lr >= 0, `lr must be a finite number >= 0, got ${h.lr}`);
  check(h.beta1 >= 0 && h.beta1 < 1, `beta1 must be in [0, 1), got ${h.beta1}`);
  check(h.beta2 >= 0 && h.beta2 < 1, `beta2 must be in [0, 1), got ${h.beta2}`);
  check(h.eps >= 0, `eps must be >= 0, got ${h.eps}`);
  check(h.weightDecay >= 0, `weightDecay must be >= 0, got ${h.weightDecay}`);
  check(h.maxGradNorm === null || h.maxGradNorm > 0, `maxGradNorm must be > 0, got ${h.maxGradNorm}`);
  return h;
}

/** Euclidean norm of all gradients (float64 accumulation); NaN or Infinity when any entry is not finite. */
export function globalNorm(grads: Float32Array): number {
  let s = 0;
  for (let i = 0; i < grads.length; i++) s += grads[i]! * grads[i]!;
  return Math.sqrt(s);
}

/** Scales grads in place so their norm is at most maxNorm (PyTorch's clip_grad_norm_ rule). */
export function clipGradients(grads: Float32Array, norm: number, maxNorm: number): void {
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) for (let i = 0; i < grads.length; i++) grads[i] = grads[i]! * coef;
}

/**
 * One AdamW update of a parameter block, in place. `step` is the step number after incrementing (1 on the first
 * step), as PyTorch uses it for bias correction.
 */
export function adamwUpdate(
  param: Float32Array,
  grad: Float32Array,
  expAvg: Float32Array,
  expAvgSq: Float32Array,
  step: number,
  h: AdamWHyper,
  decay: boolean,
): void {
  const { lr, beta1, beta2, eps } = h;
  const shrink = decay ? 1 - lr * h.weightDecay : 1;
  const stepSize = lr / (1 - beta1 ** step);
  const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
  for (let i = 0; i < param.length; i++) {
    const g = grad[i]!;
    const m = (expAvg[i] = beta1 * expAvg[i]! + (1 - beta1) * g);
    const v = (expAvgSq[i] = beta2 * expAvgSq[i]! + (1 - beta2) * g * g);
    param[i] = param[i]! * shrink - (stepSize * m) / (Math.sqrt(v) / bc2Sqrt + eps);
  }
}
