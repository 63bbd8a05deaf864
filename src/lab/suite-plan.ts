import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../core/errors.js';
import { labAlgorithm } from './algorithms.js';
import type { InstanceSpec } from './instance.js';
import { loadInstance } from './instance.js';
import type { OptimizerName } from './optimizer.js';
import { OPTIMIZERS } from './optimizer.js';
import { parsePolicySpec } from './parameterisation.js';
import { hardInstanceSpec, randomInstanceSpec } from './random-instance.js';

/**
 * What `seeupo lab suite` runs: algorithms × parameterisations × instances × settings, where a setting is
 * exact or sampled mode with one optimizer and learning rate (and, sampled, one seed).
 */
export interface SuiteOptions {
  /** Entries `name` or `name@E` (E epochs per update phase). */
  algos: string[];
  policies: string[];
  /** Seeded random instances (shipped size) added to the shipped ones. */
  random: number;
  /** Seeded random instances of the harder family added too. */
  hard: number;
  /** Entries `optimizer@lr`; each runs in exact mode, the first also in sampled mode. */
  optimizers: string[];
  /** Seeds of sampled mode (0 turns sampled mode off). */
  seeds: number;
  group: number;
  iters: number;
  /** Only the shipped instances whose name is listed (all when empty). */
  instances: string[];
}

export const DEFAULT_SUITE: SuiteOptions = {
  algos: [
    'seeupo',
    'seeupo-forward',
    'seeupo-random',
    'seeupo-no-ratio',
    'seeupo-no-clamp',
    'seeupo-joint',
    'reinforce',
    'rloo',
    'reinforce++',
    'grpo',
    'gspo',
    'grae-clip',
    'ppo-oracle',
    'seeupo@4',
    'grpo@4',
    'gspo@4',
    'grae-clip@4',
    'ppo-oracle@4',
  ],
  policies: ['tabular', 'per-turn', 'linear:8'],
  random: 3,
  hard: 0,
  optimizers: ['adam@0.1', 'sgd@1'],
  seeds: 2,
  group: 8,
  iters: 120,
  instances: [],
};

/** Seeds of the suite's random instances (fixed, so the report is reproducible). */
export const SUITE_RANDOM_SEEDS_FROM = 1001;
export const SUITE_HARD_SEEDS_FROM = 2001;

export interface SuiteAlgo {
  label: string;
  algo: string;
  epochs?: number;
}

export interface SuiteSetting {
  label: string;
  exact: boolean;
  optimizer: OptimizerName;
  lr: number;
  seed: number;
}

export interface SuiteJob {
  id: number;
  instance: InstanceSpec;
  algo: SuiteAlgo;
  policy: string;
  setting: SuiteSetting;
  iters: number;
  group: number;
}

export function parseSuiteAlgo(entry: string): SuiteAlgo {
  const m = /^([a-z+-]+)(?:@(\d+))?$/.exec(entry);
  if (!m) throw new UserError(`--algos entry '${entry}' must be NAME or NAME@EPOCHS`);
  const epochs = m[2] === undefined ? undefined : Number(m[2]);
  if (epochs !== undefined && epochs < 1) throw new UserError(`--algos entry '${entry}': epochs must be at least 1`);
  labAlgorithm(m[1]!, epochs); // validates the name
  return epochs === undefined ? { label: entry, algo: m[1]! } : { label: entry, algo: m[1]!, epochs };
}

export function parseOptimizerEntry(entry: string): { optimizer: OptimizerName; lr: number } {
  const m = /^([a-z]+)@([0-9.eE+-]+)$/.exec(entry);
  const lr = m ? Number(m[2]) : Number.NaN;
  if (!m || !(OPTIMIZERS as readonly string[]).includes(m[1]!) || !(lr > 0 && Number.isFinite(lr))) {
    throw new UserError(`--optimizers entry '${entry}' must be OPTIMIZER@LR with OPTIMIZER one of ${OPTIMIZERS.join(', ')} and LR > 0`);
  }
  return { optimizer: m[1] as OptimizerName, lr };
}

/** The shipped instances, from the package's lab/instances (resolved from this file, not the working directory). */
export function shippedInstanceDir(): string {
  return fileURLToPath(new URL('../../../lab/instances', import.meta.url));
}

export function suiteInstances(o: SuiteOptions): InstanceSpec[] {
  const dir = shippedInstanceDir();
  let shipped = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => loadInstance(join(dir, f)).spec);
  if (o.instances.length > 0) {
    const unknown = o.instances.filter((n) => !shipped.some((s) => s.name === n));
    if (unknown.length > 0) throw new UserError(`--instances: no shipped instance named ${unknown.join(', ')}; shipped: ${shipped.map((s) => s.name).join(', ')}`);
    shipped = shipped.filter((s) => o.instances.includes(s.name));
  }
  const random = Array.from({ length: o.random }, (_, i) => randomInstanceSpec(SUITE_RANDOM_SEEDS_FROM + i));
  const hard = Array.from({ length: o.hard }, (_, i) => hardInstanceSpec(SUITE_HARD_SEEDS_FROM + i));
  return [...shipped, ...random, ...hard];
}

export function suiteSettings(o: SuiteOptions): SuiteSetting[] {
  const opts = o.optimizers.map(parseOptimizerEntry);
  if (opts.length === 0) throw new UserError('--optimizers lists no optimizer');
  const out: SuiteSetting[] = opts.map(({ optimizer, lr }) => ({ label: `exact · ${optimizer} ${lr}`, exact: true, optimizer, lr, seed: 0 }));
  const first = opts[0]!;
  for (let s = 0; s < o.seeds; s++) out.push({ label: `sampled · ${first.optimizer} ${first.lr}`, exact: false, optimizer: first.optimizer, lr: first.lr, seed: s });
  return out;
}

export function planSuite(o: SuiteOptions): SuiteJob[] {
  if (!(Number.isInteger(o.iters) && o.iters >= 1)) throw new UserError(`--iters must be a positive integer, got ${o.iters}`);
  if (!(Number.isInteger(o.random) && o.random >= 0)) throw new UserError(`--random must be a non-negative integer, got ${o.random}`);
  if (!(Number.isInteger(o.hard) && o.hard >= 0)) throw new UserError(`--hard must be a non-negative integer, got ${o.hard}`);
  if (!(Number.isInteger(o.seeds) && o.seeds >= 0)) throw new UserError(`--seeds must be a non-negative integer, got ${o.seeds}`);
  if (!(Number.isInteger(o.group) && o.group >= 1)) throw new UserError(`--group must be a positive integer, got ${o.group}`);
  const algos = o.algos.map(parseSuiteAlgo);
  for (const p of o.policies) parsePolicySpec(p);
  if (algos.length === 0 || o.policies.length === 0) throw new UserError('the suite needs at least one algorithm and one policy');
  const jobs: SuiteJob[] = [];
  for (const instance of suiteInstances(o))
    for (const setting of suiteSettings(o))
      for (const policy of o.policies)
        for (const algo of algos) jobs.push({ id: jobs.length, instance, algo, policy, setting, iters: o.iters, group: o.group });
  return jobs;
}
