import type { Rng } from '../core/rng.js';
import type { Trajectory } from '../core/types.js';
import { turnKeyString } from '../core/types.js';
import { TurnBatch } from '../core/turn-batch.js';
import type { AlgorithmConfig } from './config.js';
import type { PolicyPort } from './port.js';
import {
  batchStandardised,
  broadcastToTokens,
  gaeAdvantages,
  groupRelativeAdvantages,
  leaveOneOutAdvantages,
  reinforcePlusPlusAdvantages,
  trajectoryWeight,
} from './advantages.js';
import { clippedValueLoss, klLoss, reinforceLoss, sequenceClipLoss, sumLosses, tokenClipLoss } from './losses.js';
import type { LossResult } from './losses.js';
import { RatioCorrection } from './ratio-correction.js';
import { minibatches, turnVisitOrder } from './schedules.js';
import type { PerTokenByTurn, TokenData } from './token-data.js';
import { gatherTokens, scatterTokens, tokenData } from './token-data.js';

/** Diagnostics of one optimizer step (CleanRL's set: KL, clip fraction, ratios, entropy, grad norm). */
export interface StepStats {
  /** The turn index this step trained on (sequential schedules), or null (joint). */
  turn: number | null;
  samples: number;
  tokens: number;
  loss: number;
  clipFraction: number;
  /** k3 estimate of KL(π_old ‖ π_θ) over the counted tokens, before this step. */
  approxKl: number;
  /**
   * k3 estimate of KL(π_behaviour ‖ π_θ) before this step, from the sampled tokens' behaviour log-probs: how far the
   * policy has moved since the samples were drawn (0 on the first step after an on-policy rollout at temperature 1).
   */
  behaviourKl: number;
  ratioMean: number;
  ratioMin: number;
  ratioMax: number;
  /** −mean log-prob of the sampled tokens: an entropy estimate. */
  entropy: number;
  gradNorm: number;
  valueLoss: number | null;
  /** True when the step was skipped because the loss or its gradient was not finite. */
  skipped: boolean;
}

export interface IterationStats {
  algorithm: string;
  trajectories: number;
  /** Failed trajectories left out of training (seeupo.md §6, mistake 6). */
  excluded: number;
  steps: StepStats[];
  /**
   * Final SeeUPO ratio ρ per trajectory id (sequential schedules with ratio correction): with `oldPolicy: phase`
   * the fold of every phase's after/before ratio; with `behaviour` the clipped product over every turn of the
   * final policy's probability over the behaviour policy's.
   */
  rho: Map<string, number> | null;
}

export interface IterationOptions {
  rng: Rng;
  /** Warnings (skipped steps). Default: stderr. */
  warn?: (message: string) => void;
}

/**
 * One training iteration of any configured algorithm on a batch of finished trajectories: advantages, then the
 * schedule's update phases, each of E epochs × M minibatches, each minibatch one optimizer step on the configured
 * loss (+ β·KL). SeeUPO (seeupo.md §5) is the sequential schedule in reverse order with the ratio correction;
 * its π_old is the phase-start weights (`oldPolicy: phase`) or the behaviour policy (`behaviour`).
 */
export async function runIteration(
  algo: AlgorithmConfig,
  trajectories: readonly Trajectory[],
  port: PolicyPort,
  opts: IterationOptions,
): Promise<IterationStats> {
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const trainable = trajectories.filter((t) => t.status !== 'failed');
  const batch = TurnBatch.fromTrajectories(trainable);
  const weights = new Map(trainable.map((t) => [t.id, trajectoryWeight(t)]));
  const weightOf = (id: string) => weights.get(id)!;
  const stats: IterationStats = { algorithm: algo.name, trajectories: trainable.length, excluded: trajectories.length - trainable.length, steps: [], rho: null };
  if (batch.size === 0) return stats;

  const needsRef = algo.kl !== null || (algo.advantage.kind === 'reinforce++' && algo.advantage.klCoef > 0);
  if (needsRef && !port.referenceLogprobs) throw new Error(`${algo.name}: the KL term needs reference log-probs, which this policy back end does not provide`);
  const ref = needsRef ? scatterTokens(batch, await port.referenceLogprobs!(batch)) : null;

  // Log-probs under the weights the iteration starts with, computed at most once: REINFORCE++'s KL-in-reward and
  // the joint schedule's π_old both read them.
  let start: Promise<PerTokenByTurn> | null = null;
  const startLogprobs = () => (start ??= port.logprobs(batch).then((lp) => scatterTokens(batch, lp)));

  // For GAE, `values` are the critic's values before any update: also the clip centre of PPO's value loss.
  const { advantages, returns, values: oldValues } = await computeAdvantages(algo, trainable, batch, port, ref, startLogprobs);

  const step = async (mb: TurnBatch, old: StepInputs['old'], adv: PerTokenByTurn, turn: number | null) => {
    stats.steps.push(await optimizerStep(algo, mb, port, { old, adv, ref, returns, oldValues, weightOf, turn, warn }));
  };

  const sched = algo.schedule;
  // One on-policy step in all: its forward is π_old, unless the start log-probs were needed anyway.
  const singleStep = sched.epochs === 1 && sched.minibatches === 1;
  if (sched.kind === 'joint') {
    const old = singleStep && start === null ? { fromForward: true as const } : await startLogprobs();
    for (const mb of minibatches(batch, sched.epochs, sched.minibatches, opts.rng)) await step(mb, old, advantages, null);
    return stats;
  }

  if (sched.oldPolicy === 'behaviour') {
    const rho = await sequentialAgainstBehaviour(sched, batch, port, advantages, weightOf, step, opts.rng);
    if (rho) stats.rho = new Map(trainable.map((tr) => [tr.id, rho.get(tr.id)]));
    return stats;
  }
  const correction = sched.ratioCorrection ? new RatioCorrection(sched.ratioCorrection.delta) : null;
  for (const t of turnVisitOrder(batch.turnIndices(), sched.order, opts.rng)) {
    const turnBatch = batch.atTurn(t);
    // π_old of this phase: the current weights, already updated on the turns processed before (§5). With one step
    // per phase, that step's own forward gives it.
    const fromForward = new Map<string, Float64Array>();
    const old = singleStep ? fromForward : scatterTokens(turnBatch, await port.logprobs(turnBatch));
    const adv = correction ? scaleByRho(turnBatch, advantages, correction) : advantages;
    for (const mb of minibatches(turnBatch, sched.epochs, sched.minibatches, opts.rng)) {
      await step(mb, singleStep ? { fromForward: true, into: fromForward } : old, adv, t);
    }
    if (correction) correction.update(tokenData(turnBatch, weightOf), gatherTokens(turnBatch, old, 'old log-probs'), await port.logprobs(turnBatch));
  }
  if (correction) stats.rho = new Map(trainable.map((tr) => [tr.id, correction.get(tr.id)]));
  return stats;
}

type SequentialSchedule = Extract<AlgorithmConfig['schedule'], { kind: 'sequential' }>;
type StepFn = (mb: TurnBatch, old: StepInputs['old'], adv: PerTokenByTurn, turn: number) => Promise<void>;

/**
 * The sequential schedule with the behaviour policy π_β (the one the samples were drawn with) as every phase's
 * π_old, as in HAPPO's derivation: turn t's ratio and clip are taken against the turns' `behaviourLogprobs`, and
 * A_{i,t} = ρ_i·a_i with ρ_i folded, in visit order, over the turns u already updated, from the current weights:
 * r_{i,u} = clip(exp(mean_tokens(log π_θ(u) − log π_β(u))), 1 ± δ), ρ_i ← clip(ρ_i·r_{i,u}, 1 ± δ). With shared
 * weights, π_θ at the start of turn t's phase has drifted from π_β on every turn; this keeps the importance
 * weights of both turn t and the updated turns exact. Costs one forward over the updated turns per phase, and one
 * over the whole batch at the end for the reported ρ.
 */
async function sequentialAgainstBehaviour(
  sched: SequentialSchedule,
  batch: TurnBatch,
  port: PolicyPort,
  advantages: PerTokenByTurn,
  weightOf: (id: string) => number,
  step: StepFn,
  rng: Rng,
): Promise<RatioCorrection | null> {
  const delta = sched.ratioCorrection?.delta ?? null;
  const updated: number[] = [];
  for (const t of turnVisitOrder(batch.turnIndices(), sched.order, rng)) {
    const turnBatch = batch.atTurn(t);
    const old = scatterTokens(turnBatch, turnBatch.behaviourLogprobs());
    const rho = delta === null ? null : await behaviourRho(batch, updated, port, delta, weightOf);
    const adv = rho ? scaleByRho(turnBatch, advantages, rho) : advantages;
    for (const mb of minibatches(turnBatch, sched.epochs, sched.minibatches, rng)) await step(mb, old, adv, t);
    updated.push(t);
  }
  return delta === null ? null : behaviourRho(batch, updated, port, delta, weightOf);
}

/** ρ against the behaviour policy over `turns` (in visit order), from one forward under the current weights. */
async function behaviourRho(batch: TurnBatch, turns: readonly number[], port: PolicyPort, delta: number, weightOf: (id: string) => number): Promise<RatioCorrection> {
  const rho = new RatioCorrection(delta);
  if (turns.length === 0) return rho;
  const perTurn = turns.map((u) => batch.atTurn(u));
  const all = TurnBatch.fromSamples(perTurn.flatMap((b) => b.samples));
  const current = await port.logprobs(all);
  let o = 0;
  for (const b of perTurn) {
    const n = b.tokenCount();
    rho.update(tokenData(b, weightOf), b.behaviourLogprobs(), current.subarray(o, o + n));
    o += n;
  }
  return rho;
}

async function computeAdvantages(
  algo: AlgorithmConfig,
  trajectories: readonly Trajectory[],
  batch: TurnBatch,
  port: PolicyPort,
  ref: PerTokenByTurn | null,
  startLogprobs: () => Promise<PerTokenByTurn>,
): Promise<{ advantages: PerTokenByTurn; returns: Map<string, number> | null; values: Map<string, number> | null }> {
  const a = algo.advantage;
  switch (a.kind) {
    case 'grae': {
      const scores = groupRelativeAdvantages(trajectories, { std: a.std });
      const final = a.batchStandardise ? batchStandardised(scores, trajectories, a.batchStandardise.clamp) : scores;
      return { advantages: broadcastToTokens(batch, final), returns: null, values: null };
    }
    case 'rloo':
      return { advantages: broadcastToTokens(batch, leaveOneOutAdvantages(trajectories)), returns: null, values: null };
    case 'reinforce++': {
      const logp = a.klCoef > 0 ? await startLogprobs() : undefined;
      return { advantages: reinforcePlusPlusAdvantages(trajectories, { klCoef: a.klCoef, logp, refLogp: ref ?? undefined }), returns: null, values: null };
    }
    case 'gae': {
      const values = await valuesByTurn(port, batch);
      const { advantages, returns } = gaeAdvantages(trajectories, values, { gamma: a.gamma, lambda: a.lambda });
      return { advantages: broadcastToTokens(batch, advantages, 'turn'), returns, values };
    }
  }
}

async function valuesByTurn(port: PolicyPort, batch: TurnBatch): Promise<Map<string, number>> {
  if (!port.values || !port.valuesForwardBackward) throw new Error('GAE needs a critic: this policy back end provides no values');
  const v = await port.values(batch);
  return new Map(batch.samples.map((s, i) => [turnKeyString(s), v[i]!]));
}

function scaleByRho(batch: TurnBatch, adv: PerTokenByTurn, correction: RatioCorrection): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  for (const s of batch.samples) {
    const k = turnKeyString(s);
    const rho = correction.get(s.trajectoryId);
    out.set(k, adv.get(k)!.map((x) => rho * x));
  }
  return out;
}

interface StepInputs {
  /**
   * π_old's log-probs, or `fromForward`: the step's own forward is π_old (one on-policy step: the weights have not
   * moved since π_old was defined), so no separate pass; the forward's log-probs are written into `into` if given.
   */
  old: PerTokenByTurn | { fromForward: true; into?: Map<string, Float64Array> };
  adv: PerTokenByTurn;
  ref: PerTokenByTurn | null;
  returns: Map<string, number> | null;
  oldValues: Map<string, number> | null;
  weightOf: (trajectoryId: string) => number;
  turn: number | null;
  warn: (message: string) => void;
}

/** The configured policy loss (+ β·KL) on one minibatch, as a function of the current log-probs. */
export function policyLoss(
  algo: AlgorithmConfig,
  logp: Float64Array,
  old: Float64Array,
  adv: Float64Array,
  ref: Float64Array | null,
  data: TokenData,
): LossResult {
  const l = algo.loss;
  const agg = algo.aggregation;
  let loss: LossResult;
  switch (l.kind) {
    case 'token-clip':
      loss = tokenClipLoss(logp, old, adv, data, { clipLow: l.clipLow, clipHigh: l.clipHigh, dualClip: l.dualClip, aggregation: agg });
      break;
    case 'seq-clip':
      loss = sequenceClipLoss(logp, old, adv, data, { clipLow: l.clipLow, clipHigh: l.clipHigh, aggregation: agg });
      break;
    case 'reinforce':
      loss = reinforceLoss(logp, adv, data, agg);
      break;
  }
  if (algo.kl) loss = sumLosses(loss, klLoss(logp, ref!, data, { coef: algo.kl.coef, estimator: algo.kl.estimator, aggregation: agg }));
  return loss;
}

function allFinite(xs: Float64Array): boolean {
  for (const x of xs) if (!Number.isFinite(x)) return false;
  return true;
}

async function optimizerStep(algo: AlgorithmConfig, mb: TurnBatch, port: PolicyPort, inp: StepInputs): Promise<StepStats> {
  const data = tokenData(mb, inp.weightOf);
  const given = 'fromForward' in inp.old ? null : inp.old;
  let old = given ? gatherTokens(mb, given, 'old log-probs') : null;
  const adv = gatherTokens(mb, inp.adv, 'advantages');
  const ref = inp.ref ? gatherTokens(mb, inp.ref, 'reference log-probs') : null;
  let result: LossResult | null = null;
  let skipped = false;
  const logp = await port.forwardBackward(mb, (lp) => {
    old ??= Float64Array.from(lp);
    const r = policyLoss(algo, lp, old, adv, ref, data);
    result = r;
    if (!Number.isFinite(r.value) || !allFinite(r.grad)) {
      skipped = true;
      return null;
    }
    return r.grad;
  });
  const into = 'fromForward' in inp.old ? inp.old.into : undefined;
  if (into) for (const [k, v] of scatterTokens(mb, old!)) into.set(k, v);
  let valueLoss: number | null = null;
  if (inp.returns && algo.advantage.kind === 'gae' && !skipped) {
    const g = algo.advantage;
    const keys = mb.samples.map((s) => turnKeyString(s));
    const targets = Float64Array.from(keys, (k) => inp.returns!.get(k)!);
    const oldV = Float64Array.from(keys, (k) => inp.oldValues!.get(k)!);
    await port.valuesForwardBackward!(mb, (v) => {
      const vl = clippedValueLoss(v, oldV, targets, data.sampleWeights, g.valueClip);
      valueLoss = vl.value;
      if (!Number.isFinite(vl.value) || !allFinite(vl.grad)) {
        skipped = true;
        return null;
      }
      return vl.grad.map((x) => g.valueCoef * x);
    });
  }
  const res = result as LossResult | null;
  const where = inp.turn === null ? '' : ` (turn ${inp.turn})`;
  let gradNorm = Number.NaN;
  if (skipped) {
    inp.warn(`${algo.name}: non-finite loss or gradient${where}; update skipped, weights unchanged`);
  } else {
    const s = await port.step();
    gradNorm = s.gradNorm;
    if (s.skipped) {
      skipped = true;
      inp.warn(`${algo.name}: the back end found a non-finite gradient${where}; update skipped, weights unchanged`);
    }
  }
  const behaviourKl = ratioStats(logp, mb.behaviourLogprobs(), data).approxKl;
  return { turn: inp.turn, samples: mb.size, tokens: countMasked(data), loss: res ? res.value : Number.NaN, clipFraction: res ? res.clipFraction : 0, ...ratioStats(logp, old!, data), behaviourKl, gradNorm, valueLoss, skipped };
}

function countMasked(data: TokenData): number {
  let n = 0;
  for (const m of data.mask) n += m;
  return n;
}

function ratioStats(logp: Float64Array, old: Float64Array, data: TokenData) {
  let n = 0;
  let kl = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let ent = 0;
  for (let t = 0; t < logp.length; t++) {
    if (data.mask[t] === 0) continue;
    const d = logp[t]! - old[t]!;
    const r = Math.exp(d);
    n++;
    sum += r;
    min = Math.min(min, r);
    max = Math.max(max, r);
    kl += r - 1 - d; // k3 estimate of KL(π_old ‖ π_θ) from samples of π_old: exp(d) − 1 − d
    ent -= logp[t]!;
  }
  if (n === 0) return { approxKl: 0, ratioMean: 1, ratioMin: 1, ratioMax: 1, entropy: 0 };
  return { approxKl: kl / n, ratioMean: sum / n, ratioMin: min, ratioMax: max, entropy: ent / n };
}
