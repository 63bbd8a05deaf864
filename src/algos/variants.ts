import { UserError } from '../core/errors.js';
import type { AlgorithmConfig } from './config.js';
import { ALGORITHM_NAMES, mergeOverrides, resolveAlgorithm, type AlgorithmName } from './registry.js';

/**
 * SeeUPO's named ablations (and one control): each is a preset of the registry plus overrides, so the lab, the
 * trainer and `seeupo compare` run the very same configuration under the same name. `NAME@E` (any preset or
 * variant) sets the schedule's epochs: `seeupo@4`.
 */
export interface AlgorithmVariant {
  base: AlgorithmName;
  overrides: Record<string, unknown>;
  /** One line for --help and reports. */
  about: string;
}

export const ALGORITHM_VARIANTS = {
  'seeupo-forward': { base: 'seeupo', overrides: { schedule: { order: 'forward' } }, about: 'SeeUPO with the turns updated first-to-last' },
  'seeupo-random': { base: 'seeupo', overrides: { schedule: { order: 'random' } }, about: 'SeeUPO with the turns in a seeded random order each iteration' },
  'seeupo-no-ratio': { base: 'seeupo', overrides: { schedule: { ratioCorrection: null } }, about: 'SeeUPO without the ratio correction' },
  'seeupo-no-clamp': { base: 'seeupo', overrides: { advantage: { batchStandardise: { clamp: null } } }, about: 'SeeUPO without the ±3 advantage clamp' },
  'seeupo-behaviour': {
    base: 'seeupo',
    overrides: { schedule: { oldPolicy: 'behaviour' } },
    about: "SeeUPO with the behaviour policy as every turn's π_old: ratio, clip and ρ against the sampling log-probs (HAPPO)",
  },
  'seeupo-behaviour-no-clamp': {
    base: 'seeupo',
    overrides: { schedule: { oldPolicy: 'behaviour' }, advantage: { batchStandardise: { clamp: null } } },
    about: 'seeupo-behaviour without the ±3 advantage clamp',
  },
  'seeupo-wide-clip': {
    base: 'seeupo',
    overrides: { loss: { clipLow: 0.2, clipHigh: 0.2 } },
    about: "SeeUPO with PPO's clip ε = 0.2 instead of GSPO's 3e-4/4e-4 (control for seeupo-behaviour-wide-clip)",
  },
  'seeupo-behaviour-wide-clip': {
    base: 'seeupo',
    overrides: { loss: { clipLow: 0.2, clipHigh: 0.2 }, schedule: { oldPolicy: 'behaviour' } },
    about: 'seeupo-behaviour with the clip ε = 0.2: a drifted ratio is not clipped at once',
  },
  'seeupo-joint': {
    base: 'seeupo',
    overrides: { schedule: { kind: 'joint', epochs: 1, minibatches: 1 } },
    about: "SeeUPO's advantage and loss with one joint update (GSPO-like schedule)",
  },
  'grae-clip': {
    base: 'reinforce',
    overrides: { loss: { kind: 'token-clip', clipLow: 0.2, clipHigh: 0.2, dualClip: null } },
    about: 'mean-only GRAE with token PPO-clip ε=0.2, joint update (claim 2: clipped updates with GRAE)',
  },
} satisfies Record<string, AlgorithmVariant>;

export type VariantName = keyof typeof ALGORITHM_VARIANTS;
export const VARIANT_NAMES = Object.keys(ALGORITHM_VARIANTS) as VariantName[];

/** Every name `resolveNamedAlgorithm` takes without an `@E` suffix: the presets, then the variants. */
export const NAMED_ALGORITHMS: readonly string[] = [...ALGORITHM_NAMES, ...VARIANT_NAMES];

/** A name split into its preset or variant and the epochs of an `@E` suffix; a UserError for anything else. */
export function parseAlgorithmName(name: string): { base: string; epochs?: number } {
  const m = /^(.+?)(?:@(\d+))?$/.exec(name);
  const base = m?.[1] ?? name;
  if (!NAMED_ALGORITHMS.includes(base)) {
    throw new UserError(`unknown algorithm '${name}'; known: ${NAMED_ALGORITHMS.join(', ')} (any of them @EPOCHS, e.g. seeupo@4)`);
  }
  if (m?.[2] === undefined) return { base };
  const epochs = Number(m[2]);
  if (epochs < 1) throw new UserError(`algorithm '${name}': epochs must be at least 1`);
  return { base, epochs };
}

/**
 * The configuration of a preset, a variant or either `@E`, named as asked (`seeupo-no-ratio`, `grpo@4`), with
 * `overrides` deep-merged last and validated by the strict schema.
 */
export function resolveNamedAlgorithm(name: string, overrides: unknown = {}): AlgorithmConfig {
  const { base, epochs } = parseAlgorithmName(name);
  const variant: AlgorithmVariant | undefined = (ALGORITHM_VARIANTS as Record<string, AlgorithmVariant>)[base];
  const preset = variant?.base ?? base;
  let over: Record<string, unknown> = structuredClone(variant?.overrides ?? {});
  if (epochs !== undefined) over = { ...over, schedule: { ...((over.schedule as Record<string, unknown> | undefined) ?? {}), epochs } };
  // Variant and epochs first (validated as the named configuration), then the caller's overrides on top of it.
  const named = resolveAlgorithm(preset, over);
  return { ...resolveAlgorithm(preset, mergeOverrides(named, overrides)), name };
}
