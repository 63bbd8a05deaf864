import { z } from 'zod';
import { AGGREGATIONS } from './aggregation.js';
import { KL_ESTIMATORS } from './losses.js';

/**
 * One algorithm = an advantage estimator + a policy loss + an aggregation + an optional KL term + an update
 * schedule (design.md). Every field is read by `runIteration`; the schema is strict, so a key that no code
 * reads is an error, not a silent no-op (seeupo.md §6, mistake 1).
 */
const clipRange = { clipLow: z.number().min(0).max(1), clipHigh: z.number().min(0) };
const positiveInt = z.number().int().min(1);

/** What the sequential schedule measures turn t's ratio and ρ against (see `oldPolicy`). */
export const OLD_POLICIES = ['phase', 'behaviour'] as const;
export type OldPolicy = (typeof OLD_POLICIES)[number];

export const advantageSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('grae'),
    /** Divide by the group's std (+1e-6), as GRPO does. */
    std: z.boolean(),
    /** SeeUPO's batch-level standardisation, with a clamp at ±clamp (null: no clamp). null: off. */
    batchStandardise: z.strictObject({ clamp: z.number().positive().nullable() }).nullable(),
  }),
  z.strictObject({ kind: z.literal('rloo') }),
  z.strictObject({ kind: z.literal('reinforce++'), klCoef: z.number().min(0) }),
  z.strictObject({
    kind: z.literal('gae'),
    gamma: z.number().min(0).max(1),
    lambda: z.number().min(0).max(1),
    /** Weight of the value loss relative to the policy loss. */
    valueCoef: z.number().positive(),
    /** Clip range ε_v of the clipped value loss. */
    valueClip: z.number().positive(),
  }),
]);

export const lossSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('token-clip'), ...clipRange, dualClip: z.number().gt(1).nullable() }),
  z.strictObject({ kind: z.literal('seq-clip'), ...clipRange }),
  z.strictObject({ kind: z.literal('reinforce') }),
]);

export const scheduleSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('joint'), epochs: positiveInt, minibatches: positiveInt }),
  z.strictObject({
    kind: z.literal('sequential'),
    order: z.union([z.enum(['reverse', 'forward', 'random']), z.array(z.number().int().min(0)).min(1)]),
    epochs: positiveInt,
    minibatches: positiveInt,
    /** SeeUPO's ratio correction with bound δ; null turns it off (an ablation). */
    ratioCorrection: z.strictObject({ delta: z.number().gt(0).lt(1) }).nullable(),
    /**
     * The π_old of turn t's phase. `phase` (the paper's and the reference code's): the current weights at the
     * start of the phase, already updated on the turns visited before; ρ folds each phase's after/before ratio.
     * `behaviour`: the policy the samples were drawn with (each turn's `behaviourLogprobs`); ρ is the clipped
     * product, over the turns already updated, of current-policy / behaviour-policy probability (HAPPO's M).
     * The two coincide when no turn's update moves another turn's probabilities (tabular policies, plain SGD).
     */
    oldPolicy: z.enum(OLD_POLICIES).default('phase'),
  }),
]);

export const algorithmSchema = z.strictObject({
  /** Label used in logs and reports. */
  name: z.string().min(1),
  advantage: advantageSchema,
  loss: lossSchema,
  aggregation: z.enum(AGGREGATIONS),
  /** β·KL(π_θ‖π_ref) added to the loss; null: no KL term. */
  kl: z.strictObject({ coef: z.number().positive(), estimator: z.enum(KL_ESTIMATORS) }).nullable(),
  schedule: scheduleSchema,
});

export type AlgorithmConfig = z.output<typeof algorithmSchema>;
export type AdvantageConfig = AlgorithmConfig['advantage'];
export type LossConfig = AlgorithmConfig['loss'];
export type ScheduleConfig = AlgorithmConfig['schedule'];
