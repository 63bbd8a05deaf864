import type { TokenData } from './token-data.js';
import { maskedMean } from './token-data.js';

/**
 * SeeUPO's ratio correction (seeupo.md §5, HAPPO-style): ρ_i starts at 1 for every trajectory; after the update
 * on turn t, r_i = clip(exp(mean_tokens(new − old)), 1−δ, 1+δ) and ρ_i ← clip(ρ_i·r_i, 1−δ, 1+δ) for every
 * trajectory with a turn t. ρ is stored by trajectory id (mistake 2), and trajectories without a turn t keep theirs.
 */
export class RatioCorrection {
  private readonly rho = new Map<string, number>();

  constructor(readonly delta: number) {}

  /** ρ_i (1 before any update touched trajectory i). */
  get(trajectoryId: string): number {
    return this.rho.get(trajectoryId) ?? 1;
  }

  /**
   * Folds one turn's update into ρ. `oldLogp` and `newLogp` are the turn samples' per-token log-probs under the
   * reference policy (the phase-start weights, or the behaviour policy with `oldPolicy: behaviour`) and the
   * updated weights, in the row order of `data` (whose trajectoryIds name each row's trajectory).
   * Returns the clipped per-trajectory ratios r_i.
   */
  update(data: TokenData, oldLogp: Float64Array, newLogp: Float64Array): Map<string, number> {
    const diff = new Float64Array(oldLogp.length);
    for (let t = 0; t < diff.length; t++) diff[t] = newLogp[t]! - oldLogp[t]!;
    const lo = 1 - this.delta;
    const hi = 1 + this.delta;
    const ratios = new Map<string, number>();
    data.trajectoryIds.forEach((id, i) => {
      if (ratios.has(id)) throw new Error(`trajectory ${id} has two samples at one turn`);
      const r = Math.min(hi, Math.max(lo, Math.exp(maskedMean(diff, data, i))));
      ratios.set(id, r);
      this.rho.set(id, Math.min(hi, Math.max(lo, this.get(id) * r)));
    });
    return ratios;
  }
}
