/**
 * What a compare runs: per (task family, seed) one SFT run, and per algorithm one RL run that starts from that SFT
 * run's best checkpoint. Every run's config is the family's config (the compare preset, then --config, then --set,
 * then the family) plus only what differs between runs: the seed, the algorithm, `init` and the phase switched off.
 */
import { join, resolve } from 'node:path';
import { parseAlgorithmName, resolveNamedAlgorithm } from '../algos/variants.js';
import { UserError } from '../core/errors.js';
import { TASK_FAMILIES, type TaskFamily } from '../envs/tasks/knobs.js';
import { deepMerge, parseTrainConfig, rawTrainConfig, type TrainConfig } from '../train/config.js';
import { ALGORITHM_GROUPS, COMPARE_JOINT_MINIBATCHES, COMPARE_PRESET, FAMILY_PRESETS } from './preset.js';

export interface CompareSpec {
  algos: readonly string[];
  seeds: readonly number[];
  families: readonly string[];
  config?: string;
  sets: readonly string[];
  out: string;
  /** Minibatches per batch for the algorithms whose schedule is joint (COMPARE_JOINT_MINIBATCHES by default). */
  jointMinibatches?: number;
}

export interface PlannedRun {
  /** `<family>/<name>-seed<S>`: unique in a compare directory, and its run directory under runs/. */
  id: string;
  kind: 'sft' | 'rl';
  family: string;
  /** The algorithm of an RL run; null for SFT. */
  algorithm: string | null;
  seed: number;
  dir: string;
  /** The run's config file (what `seeupo train --config` reads) and the config itself. */
  configFile: string;
  config: TrainConfig;
  /** What differs from the family's config. */
  settings: Record<string, unknown>;
  /** Ids of runs that must finish first (an RL run's SFT run). */
  after: string[];
}

export interface ComparePlan {
  out: string;
  /** Per family, the config every run of it shares but for its settings. */
  families: Record<string, TrainConfig>;
  runs: PlannedRun[];
}

/** `--algos` entries, groups expanded (`baselines`, `ablations`), duplicates dropped; unknown names are errors. */
export function expandAlgos(entries: readonly string[]): string[] {
  const out: string[] = [];
  for (const e of entries.flatMap((x) => x.split(',')).map((x) => x.trim()).filter((x) => x !== '')) {
    for (const name of ALGORITHM_GROUPS[e] ?? [e]) {
      parseAlgorithmName(name); // the one-line error for an unknown name, before anything runs
      if (!out.includes(name)) out.push(name);
    }
  }
  if (out.length === 0) throw new UserError('--algos names no algorithm');
  return out;
}

/** `--seeds N` (seeds 0..N−1) or a comma list (`3,7`). */
export function parseSeeds(text: string): number[] {
  const t = text.trim();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n < 1) throw new UserError('--seeds must be at least 1');
    return Array.from({ length: n }, (_, i) => i);
  }
  if (!/^\d+(,\d+)+$/.test(t)) throw new UserError(`--seeds expects a count (5) or a comma list (0,3,7), got '${text}'`);
  const seeds = t.split(',').map(Number);
  if (new Set(seeds).size !== seeds.length) throw new UserError(`--seeds lists a seed twice: '${text}'`);
  return seeds;
}

/** Keys a compare sets per run: a config that sets them would be silently overwritten, so it is an error. */
const PER_RUN_KEYS = ['seed', 'algorithm', 'init'] as const;

function familyConfigRaw(spec: CompareSpec, family: string): unknown {
  if (!(TASK_FAMILIES as readonly string[]).includes(family)) throw new UserError(`unknown task family '${family}' (families: ${TASK_FAMILIES.join(', ')})`);
  const preset = deepMerge(COMPARE_PRESET, FAMILY_PRESETS[family as TaskFamily] ?? {});
  const raw = rawTrainConfig(spec.config, spec.sets, preset) as Record<string, unknown>;
  for (const key of PER_RUN_KEYS) {
    if (key in raw) throw new UserError(`compare sets '${key}' for each run: drop it from --config/--set (choose algorithms with --algos, seeds with --seeds)`);
  }
  return deepMerge(raw, { tasks: { family } });
}

/**
 * An RL run's `algorithm` block: the name, and for a joint schedule the compare's minibatches per batch (a
 * sequential schedule such as SeeUPO's already takes one step per turn).
 */
export function algorithmSetting(name: string, jointMinibatches: number): { name: string; overrides?: Record<string, unknown> } {
  const { schedule } = resolveNamedAlgorithm(name);
  // Only what changes the algorithm: `--joint-minibatches 1` leaves the presets' configs (and their run dirs) as they are.
  if (schedule.kind !== 'joint' || schedule.minibatches === jointMinibatches) return { name };
  return { name, overrides: { schedule: { minibatches: jointMinibatches } } };
}

/** Validated and completed exactly as `seeupo train` will (its config.json must equal it): errors before anything runs. */
function parse(raw: unknown, what: string): TrainConfig {
  return parseTrainConfig(raw, what);
}

/** The whole plan, every config validated: any mistake is a UserError before a single run starts. */
export function planCompare(spec: CompareSpec): ComparePlan {
  if (spec.families.length === 0) throw new UserError('--family names no task family');
  if (new Set(spec.families).size !== spec.families.length) throw new UserError('--family lists a family twice');
  const jointMinibatches = spec.jointMinibatches ?? COMPARE_JOINT_MINIBATCHES;
  if (!Number.isInteger(jointMinibatches) || jointMinibatches < 1) throw new UserError('--joint-minibatches must be a whole number of at least 1');
  const out = resolve(spec.out);
  const families: Record<string, TrainConfig> = {};
  const runs: PlannedRun[] = [];
  const configFile = (id: string) => join(out, 'configs', `${id}.json`);
  const rawByFamily = new Map(spec.families.map((f) => [f, familyConfigRaw(spec, f)]));
  for (const family of spec.families) families[family] = parse(rawByFamily.get(family), `config of family ${family}`);
  // Seed-major order: a compare stopped early has whole seeds (every algorithm) rather than whole algorithms.
  for (const seed of spec.seeds) {
    for (const family of spec.families) {
      const raw = rawByFamily.get(family);
      if (families[family]!.sft.steps === 0) throw new UserError('compare starts every algorithm from one SFT run: sft.steps must be above 0');
      const sftId = `${family}/sft-seed${seed}`;
      const sftSettings = { seed, rl: { iterations: 0 } };
      const sft: PlannedRun = {
        id: sftId,
        kind: 'sft',
        family,
        algorithm: null,
        seed,
        dir: join(out, 'runs', sftId),
        configFile: configFile(sftId),
        config: parse(deepMerge(raw, sftSettings), `config of ${sftId}`),
        settings: sftSettings,
        after: [],
      };
      runs.push(sft);
      for (const algorithm of spec.algos) {
        const id = `${family}/${algorithm}-seed${seed}`;
        const settings = { seed, algorithm: algorithmSetting(algorithm, jointMinibatches), init: join(sft.dir, 'checkpoints', 'sft-best'), sft: { steps: 0 } };
        runs.push({ id, kind: 'rl', family, algorithm, seed, dir: join(out, 'runs', id), configFile: configFile(id), config: parse(deepMerge(raw, settings), `config of ${id}`), settings, after: [sftId] });
      }
    }
  }
  return { out, families, runs };
}

/** The RL budget every algorithm of a family gets: the same for all by construction, recorded to show it. */
export function budgetOf(config: TrainConfig): Record<string, number> {
  return {
    iterations: config.rl.iterations,
    tasksPerIteration: config.rollout.tasksPerIteration,
    groupSize: config.rollout.groupSize,
    episodes: config.rl.iterations * config.rollout.tasksPerIteration * config.rollout.groupSize,
    maxTurns: config.rollout.maxTurns,
    maxResponseTokens: config.rollout.maxResponseTokens,
    contextLength: config.model.contextLength,
    evalEvery: config.eval.every,
    evalTasks: config.eval.tasks,
    finalTasks: config.eval.finalTasks,
    evalK: config.eval.k,
  };
}
