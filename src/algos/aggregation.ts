import type { TokenData } from './token-data.js';
import { maskedCount } from './token-data.js';

/**
 * How per-token losses l_t become one number. With sample weights w_i and loss mask m_t:
 * - `token-mean`:          Σ_i w_i Σ_t m_t l_t / Σ_i w_i Σ_t m_t
 * - `seq-mean-token-mean`: Σ_i w_i (Σ_t m_t l_t / Σ_t m_t) / Σ_i w_i     (samples with no masked token drop out)
 * - `seq-mean-token-sum`:  Σ_i w_i Σ_t m_t l_t / Σ_i w_i
 * - `traj-mean-token-sum`: Σ_i w_i Σ_t m_t l_t / Σ_j w_j over the distinct trajectories j in the batch, so each
 *   trajectory contributes the sum over all its turns and tokens: with probability weights over the full joint
 *   action space this is exactly the expectation over trajectories (the REINFORCE estimator of ∇J).
 * Padding and template tokens (m_t = 0) never count, in the value or in the denominators.
 */
export const AGGREGATIONS = ['token-mean', 'seq-mean-token-mean', 'seq-mean-token-sum', 'traj-mean-token-sum'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/**
 * The coefficient c_t of every token, so that the aggregate is Σ_t c_t l_t (0 on masked-out tokens).
 * Every loss uses these coefficients for both its value and its gradient.
 */
export function aggregationCoefficients(data: TokenData, mode: Aggregation): Float64Array {
  const n = data.mask.length;
  const c = new Float64Array(n);
  const samples = data.offsets.length - 1;
  let denom = 0;
  switch (mode) {
    case 'token-mean':
      for (let i = 0; i < samples; i++) denom += data.sampleWeights[i]! * maskedCount(data, i);
      break;
    case 'seq-mean-token-mean':
      for (let i = 0; i < samples; i++) if (maskedCount(data, i) > 0) denom += data.sampleWeights[i]!;
      break;
    case 'seq-mean-token-sum':
      for (let i = 0; i < samples; i++) denom += data.sampleWeights[i]!;
      break;
    case 'traj-mean-token-sum': {
      const seen = new Map<string, number>();
      for (let i = 0; i < samples; i++) seen.set(data.trajectoryIds[i]!, data.sampleWeights[i]!);
      for (const w of seen.values()) denom += w;
      break;
    }
  }
  if (!(denom > 0)) return c; // nothing counts: an all-zero loss and gradient
  for (let i = 0; i < samples; i++) {
    const perSample = mode === 'seq-mean-token-mean' ? maskedCount(data, i) : 1;
    if (perSample === 0) continue;
    const k = data.sampleWeights[i]! / (denom * perSample);
    for (let t = data.offsets[i]!; t < data.offsets[i + 1]!; t++) c[t] = data.mask[t]! * k;
  }
  return c;
}
