import type { Trajectory } from '../core/types.js';
import { turnKeyString } from '../core/types.js';
import type { TurnBatch } from '../core/turn-batch.js';
import type { PerTokenByTurn } from './token-data.js';

/** Advantage estimators (seeupo.md §2). Every result is keyed by trajectory id or by turn, never by row. */

export function trajectoryWeight(t: Trajectory): number {
  return t.weight ?? 1;
}

function weightedMeanStd(xs: readonly number[], ws: readonly number[]): { mean: number; std: number } {
  let sw = 0;
  let s = 0;
  for (let i = 0; i < xs.length; i++) {
    sw += ws[i]!;
    s += ws[i]! * xs[i]!;
  }
  if (!(sw > 0)) return { mean: 0, std: 0 };
  const mean = s / sw;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += ws[i]! * (xs[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(v / sw) };
}

function byGroup(trajectories: readonly Trajectory[]): Map<string, Trajectory[]> {
  const groups = new Map<string, Trajectory[]>();
  for (const t of trajectories) {
    const g = groups.get(t.groupId);
    if (g) g.push(t);
    else groups.set(t.groupId, [t]);
  }
  return groups;
}

function assertTrainable(trajectories: readonly Trajectory[]): void {
  for (const t of trajectories) {
    if (t.status === 'failed') throw new Error(`trajectory ${t.id} failed; failed episodes are excluded, never scored`);
    if (!Number.isFinite(t.reward)) throw new Error(`trajectory ${t.id} has reward ${t.reward}`);
  }
}

/**
 * GRAE: s_i = R_i − mean_{j∈group(i)} R_j; with `std`, divided by (std_group + 1e-6) as in GRPO. Means and
 * standard deviations are weighted by trajectory weight; std is the population std (verl uses torch.std, n − 1).
 */
export function groupRelativeAdvantages(trajectories: readonly Trajectory[], opts: { std: boolean }): Map<string, number> {
  assertTrainable(trajectories);
  const out = new Map<string, number>();
  for (const group of byGroup(trajectories).values()) {
    const { mean, std } = weightedMeanStd(group.map((t) => t.reward), group.map(trajectoryWeight));
    for (const t of group) out.set(t.id, opts.std ? (t.reward - mean) / (std + 1e-6) : t.reward - mean);
  }
  return out;
}

/**
 * SeeUPO's batch-level standardisation (seeupo.md §2): a_i = clamp((s_i − mean(s)) / std(s), −c, c) over every
 * trajectory of the iteration; when std(s) ≤ 1e-6, a_i = s_i − mean(s) (no division, no clamp). `clamp` = null
 * turns the clamp off (an ablation).
 */
export function batchStandardised(
  scores: ReadonlyMap<string, number>,
  trajectories: readonly Trajectory[],
  clamp: number | null,
): Map<string, number> {
  const xs = trajectories.map((t) => scores.get(t.id)!);
  const { mean, std } = weightedMeanStd(xs, trajectories.map(trajectoryWeight));
  const out = new Map<string, number>();
  for (const t of trajectories) {
    const centred = scores.get(t.id)! - mean;
    if (std <= 1e-6) out.set(t.id, centred);
    else {
      const z = centred / std;
      out.set(t.id, clamp === null ? z : Math.min(clamp, Math.max(-clamp, z)));
    }
  }
  return out;
}

/** RLOO: R_i − (weighted) mean of the other rewards of its group; 0 for a group of one. */
export function leaveOneOutAdvantages(trajectories: readonly Trajectory[]): Map<string, number> {
  assertTrainable(trajectories);
  const out = new Map<string, number>();
  for (const group of byGroup(trajectories).values()) {
    let sw = 0;
    let s = 0;
    for (const t of group) {
      sw += trajectoryWeight(t);
      s += trajectoryWeight(t) * t.reward;
    }
    for (const t of group) {
      const w = sw - trajectoryWeight(t);
      out.set(t.id, w > 0 ? t.reward - (s - trajectoryWeight(t) * t.reward) / w : 0);
    }
  }
  return out;
}

/**
 * Gives every token of a turn sample one advantage: keyed by trajectory id (GRAE, RLOO: every turn of trajectory i
 * gets a_i) or by turn key (GAE: one advantage per turn).
 */
export function broadcastToTokens(batch: TurnBatch, advantages: ReadonlyMap<string, number>, keyedBy: 'trajectory' | 'turn' = 'trajectory'): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  for (const s of batch.samples) {
    const k = turnKeyString(s);
    const a = advantages.get(keyedBy === 'trajectory' ? s.trajectoryId : k);
    if (a === undefined) throw new Error(`no advantage for ${keyedBy === 'trajectory' ? `trajectory ${s.trajectoryId}` : `turn ${k}`}`);
    out.set(k, new Float64Array(s.turn.responseTokens.length).fill(a));
  }
  return out;
}

/**
 * REINFORCE++ (Hu 2025): token rewards r_t = −β·(logp_t − ref_t) on generated tokens (k1, the KL folded into the
 * reward; β = 0 turns it off) plus the outcome R on the trajectory's last generated token; the return
 * G_t = Σ_{s≥t} r_s runs over the whole trajectory (all turns, γ = 1); then G is normalised over every generated
 * token of the batch: (G − mean) / (std + 1e-8). `logp`/`refLogp` are needed only when β > 0.
 */
export function reinforcePlusPlusAdvantages(
  trajectories: readonly Trajectory[],
  opts: { klCoef: number; logp?: PerTokenByTurn; refLogp?: PerTokenByTurn },
): Map<string, Float64Array> {
  assertTrainable(trajectories);
  const returns = new Map<string, Float64Array>();
  const flat: number[] = [];
  const flatW: number[] = [];
  for (const tr of trajectories) {
    // Walk the trajectory backwards accumulating the return.
    let g = tr.reward; // R sits on the last generated token, so it is in every G_t
    for (let k = tr.turns.length - 1; k >= 0; k--) {
      const turn = tr.turns[k]!;
      const key = turnKeyString({ trajectoryId: tr.id, turnIndex: turn.index });
      const G = new Float64Array(turn.responseTokens.length);
      const lp = opts.klCoef !== 0 ? opts.logp?.get(key) : undefined;
      const rp = opts.klCoef !== 0 ? opts.refLogp?.get(key) : undefined;
      if (opts.klCoef !== 0 && (!lp || !rp)) throw new Error(`REINFORCE++ with KL in reward needs log-probs and reference log-probs for ${key}`);
      for (let t = G.length - 1; t >= 0; t--) {
        if (turn.lossMask[t] === 0) continue;
        if (lp && rp) g += -opts.klCoef * (lp[t]! - rp[t]!);
        G[t] = g;
        flat.push(g);
        flatW.push(trajectoryWeight(tr));
      }
      returns.set(key, G);
    }
  }
  const { mean, std } = weightedMeanStd(flat, flatW);
  for (const tr of trajectories) {
    for (const turn of tr.turns) {
      const G = returns.get(turnKeyString({ trajectoryId: tr.id, turnIndex: turn.index }))!;
      for (let t = 0; t < G.length; t++) G[t] = turn.lossMask[t] === 0 ? 0 : (G[t]! - mean) / (std + 1e-8);
    }
  }
  return returns;
}

/**
 * GAE(γ, λ) over turns (Schulman 2016), for PPO with a learned critic: each turn is one step whose value V_t is
 * the critic's value of the context at the start of the turn; the reward is 0 on every turn but the last, which
 * gets R; V after the last turn is 0. δ_t = r_t + γ V_{t+1} − V_t; A_t = δ_t + γλ A_{t+1}; returns G_t = A_t + V_t.
 */
export function gaeAdvantages(
  trajectories: readonly Trajectory[],
  values: ReadonlyMap<string, number>,
  opts: { gamma: number; lambda: number },
): { advantages: Map<string, number>; returns: Map<string, number> } {
  assertTrainable(trajectories);
  const advantages = new Map<string, number>();
  const returns = new Map<string, number>();
  for (const tr of trajectories) {
    let lastgaelam = 0;
    let nextValue = 0;
    for (let k = tr.turns.length - 1; k >= 0; k--) {
      const key = turnKeyString({ trajectoryId: tr.id, turnIndex: tr.turns[k]!.index });
      const v = values.get(key);
      if (v === undefined) throw new Error(`no value for turn ${key}`);
      const reward = k === tr.turns.length - 1 ? tr.reward : 0;
      const delta = reward + opts.gamma * nextValue - v;
      lastgaelam = delta + opts.gamma * opts.lambda * lastgaelam;
      advantages.set(key, lastgaelam);
      returns.set(key, lastgaelam + v);
      nextValue = v;
    }
  }
  return { advantages, returns };
}
