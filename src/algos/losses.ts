import type { Aggregation } from './aggregation.js';
import { aggregationCoefficients } from './aggregation.js';
import type { TokenData } from './token-data.js';
import { maskedMean } from './token-data.js';

/**
 * Policy losses on per-token log-probs (design.md, "Losses live on log-probs"). Each takes the log-probs of the
 * sampled tokens under the current weights plus constants, and returns the loss value and ∂L/∂logp for every
 * token, in closed form (one pass, no autodiff: cheap at 100k tokens). A back end back-propagates `grad`.
 */
export interface LossResult {
  value: number;
  /** ∂L/∂logp_t for every token (0 where the mask is 0). */
  grad: Float64Array;
  /** Fraction of counted tokens (token losses) or samples (sequence losses) whose clipped branch was taken. */
  clipFraction: number;
}

export interface ClipOptions {
  /** Ratio lower bound is 1 − clipLow. */
  clipLow: number;
  /** Ratio upper bound is 1 + clipHigh. */
  clipHigh: number;
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/**
 * PPO-clip per token (seeupo.md §3): l_t = max(−A_t r_t, −A_t clip(r_t, 1−ε_lo, 1+ε_hi)), r_t = exp(logp_t − old_t).
 * Dual clip (`dualClip` = c > 1, Ye et al. 2020): for A_t < 0 the loss is further capped at −c·A_t.
 */
export function tokenClipLoss(
  logp: Float64Array,
  oldLogp: Float64Array,
  advantages: Float64Array,
  data: TokenData,
  opts: ClipOptions & { dualClip: number | null; aggregation: Aggregation },
): LossResult {
  const c = aggregationCoefficients(data, opts.aggregation);
  const grad = new Float64Array(logp.length);
  let value = 0;
  let clipped = 0;
  let counted = 0;
  const lo = 1 - opts.clipLow;
  const hi = 1 + opts.clipHigh;
  for (let t = 0; t < logp.length; t++) {
    if (data.mask[t] === 0) continue;
    const a = advantages[t]!;
    const r = Math.exp(logp[t]! - oldLogp[t]!);
    const unclipped = -a * r;
    const clippedLoss = -a * clamp(r, lo, hi);
    let l: number;
    let dl: number; // ∂l/∂logp = ∂l/∂r · r
    let tookClip = false;
    if (unclipped >= clippedLoss) {
      l = unclipped;
      dl = -a * r;
    } else {
      // Strictly larger only when r is outside the range, where clip() is flat.
      l = clippedLoss;
      dl = 0;
      tookClip = true;
    }
    if (opts.dualClip !== null && a < 0 && l > -opts.dualClip * a) {
      l = -opts.dualClip * a;
      dl = 0;
      tookClip = true;
    }
    counted++;
    if (tookClip) clipped++;
    value += c[t]! * l;
    grad[t] = c[t]! * dl;
  }
  return { value, grad, clipFraction: counted === 0 ? 0 : clipped / counted };
}

/**
 * Sequence-level clipped loss (GSPO; SeeUPO's per-turn loss, seeupo.md §3): s_i = exp(mean over the sample's
 * counted tokens of (logp − old)), l_i = max(−A_i s_i, −A_i clip(s_i, 1−ε_lo, 1+ε_hi)), carried by every counted
 * token of the sample and then aggregated. A_i is the mean advantage over the sample's counted tokens (the
 * sequence advantage when, as for every estimator here but REINFORCE++ with KL-in-reward, it is constant).
 * Because every aggregation gives all tokens of one sample the same coefficient, this value's exact derivative is
 * GSPO's stop-gradient token form: ∂L/∂logp_t = c_t·(−A_i s_i) on the unclipped branch.
 */
export function sequenceClipLoss(
  logp: Float64Array,
  oldLogp: Float64Array,
  advantages: Float64Array,
  data: TokenData,
  opts: ClipOptions & { aggregation: Aggregation },
): LossResult {
  const c = aggregationCoefficients(data, opts.aggregation);
  const grad = new Float64Array(logp.length);
  const diff = new Float64Array(logp.length);
  for (let t = 0; t < logp.length; t++) diff[t] = logp[t]! - oldLogp[t]!;
  let value = 0;
  let clipped = 0;
  let counted = 0;
  const samples = data.offsets.length - 1;
  for (let i = 0; i < samples; i++) {
    const start = data.offsets[i]!;
    const end = data.offsets[i + 1]!;
    let n = 0;
    for (let t = start; t < end; t++) n += data.mask[t]!;
    if (n === 0) continue;
    const s = Math.exp(maskedMean(diff, data, i));
    const a = maskedMean(advantages, data, i);
    const unclipped = -a * s;
    const clippedLoss = -a * clamp(s, 1 - opts.clipLow, 1 + opts.clipHigh);
    // Strictly larger only when s is outside the range, where clip() is flat.
    const useClip = clippedLoss > unclipped;
    const l = useClip ? clippedLoss : unclipped;
    const dl = useClip ? 0 : -a * s;
    counted++;
    if (useClip) clipped++;
    for (let t = start; t < end; t++) {
      if (data.mask[t] === 0) continue;
      value += c[t]! * l;
      grad[t] = c[t]! * dl;
    }
  }
  return { value, grad, clipFraction: counted === 0 ? 0 : clipped / counted };
}

/** REINFORCE (seeupo.md §3): l_t = −A_t · logp_t, aggregated (token-sum forms give −A·Σ_t logp_t). */
export function reinforceLoss(logp: Float64Array, advantages: Float64Array, data: TokenData, aggregation: Aggregation): LossResult {
  const c = aggregationCoefficients(data, aggregation);
  const grad = new Float64Array(logp.length);
  let value = 0;
  for (let t = 0; t < logp.length; t++) {
    if (c[t] === 0) continue;
    value += -c[t]! * advantages[t]! * logp[t]!;
    grad[t] = -c[t]! * advantages[t]!;
  }
  return { value, grad, clipFraction: 0 };
}

export const KL_ESTIMATORS = ['k1', 'k2', 'k3'] as const;
export type KlEstimator = (typeof KL_ESTIMATORS)[number];

/**
 * Per-token estimate of KL(π_θ ‖ π_ref) from a sample of π_θ, with d = logp − refLogp (Schulman's estimators):
 * k1 = d; k2 = d²/2; k3 ("low variance") = exp(−d) + d − 1. Returns the per-token values and ∂/∂logp.
 */
export function klPerToken(estimator: KlEstimator, logp: number, refLogp: number): { value: number; grad: number } {
  const d = logp - refLogp;
  switch (estimator) {
    case 'k1':
      return { value: d, grad: 1 };
    case 'k2':
      return { value: 0.5 * d * d, grad: d };
    case 'k3': {
      const e = Math.exp(-d);
      return { value: e + d - 1, grad: 1 - e };
    }
  }
}

/** β · aggregated KL to the reference policy, as a loss term. */
export function klLoss(
  logp: Float64Array,
  refLogp: Float64Array,
  data: TokenData,
  opts: { estimator: KlEstimator; coef: number; aggregation: Aggregation },
): LossResult {
  const c = aggregationCoefficients(data, opts.aggregation);
  const grad = new Float64Array(logp.length);
  let value = 0;
  for (let t = 0; t < logp.length; t++) {
    if (c[t] === 0) continue;
    const k = klPerToken(opts.estimator, logp[t]!, refLogp[t]!);
    value += opts.coef * c[t]! * k.value;
    grad[t] = opts.coef * c[t]! * k.grad;
  }
  return { value, grad, clipFraction: 0 };
}

/** Adds loss terms (values and gradients). */
export function sumLosses(a: LossResult, b: LossResult): LossResult {
  const grad = new Float64Array(a.grad.length);
  for (let t = 0; t < grad.length; t++) grad[t] = a.grad[t]! + b.grad[t]!;
  return { value: a.value + b.value, grad, clipFraction: a.clipFraction };
}

/**
 * PPO's clipped value loss per sample (one value per turn): ½·max((V − G)², (clip(V, V_old ± ε_v) − G)²),
 * averaged with the sample weights. Returns ∂L/∂V per sample.
 */
export function clippedValueLoss(
  values: Float64Array,
  oldValues: Float64Array,
  returns: Float64Array,
  weights: Float64Array,
  clip: number,
): { value: number; grad: Float64Array } {
  let wsum = 0;
  for (const w of weights) wsum += w;
  const grad = new Float64Array(values.length);
  if (!(wsum > 0)) return { value: 0, grad };
  let value = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const vc = clamp(v, oldValues[i]! - clip, oldValues[i]! + clip);
    const e1 = v - returns[i]!;
    const e2 = vc - returns[i]!;
    const k = weights[i]! / wsum;
    if (e1 * e1 >= e2 * e2) {
      value += 0.5 * k * e1 * e1;
      grad[i] = k * e1;
    } else {
      value += 0.5 * k * e2 * e2;
      grad[i] = 0; // the clipped branch is larger only when V is outside the clip range, where clip() is flat
    }
  }
  return { value, grad };
}
