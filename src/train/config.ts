import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseConfig } from '../core/config.js';
import { UserError } from '../core/errors.js';
import { NAMED_ALGORITHMS, parseAlgorithmName, resolveNamedAlgorithm } from '../algos/variants.js';
import type { AlgorithmConfig } from '../algos/config.js';
import { TaskKnobsSchema } from '../envs/tasks/index.js';

const positiveInt = z.number().int().min(1);
const nonNegativeInt = z.number().int().min(0);

/**
 * The critic's settings when a GAE algorithm runs without a `critic` block. lr 1e-3: from the same SFT checkpoint its
 * value loss fell faster than with 1e-4 at equal batch success (iteration 4: 0.100 against 0.175; iteration 6:
 * 0.109 against 0.151), docs/training.md "PPO's critic".
 */
const CRITIC_DEFAULTS = { lr: 1e-3, beta1: 0.9, beta2: 0.95, weightDecay: 0, maxGradNorm: 1, warmupIterations: 0, valueRange: [0, 1] as const };

/**
 * The whole configuration of `seeupo train`: one strict schema (unknown keys and wrong types are errors naming the
 * key). The defaults are the built-in run: SFT on a small fixed set of demonstrations, then RL with SeeUPO on
 * unlimited generated tasks from the best SFT checkpoint. docs/training.md explains every field.
 */
export const trainConfigSchema = z.strictObject({
  /** Seeds the initial weights, the tasks' sampling order and every sampling draw. */
  seed: nonNegativeInt.default(0),
  algorithm: z
    .strictObject({
      /** A preset or variant of `seeupo algorithms` (`grpo`, `seeupo-no-ratio`), optionally `@EPOCHS` (`seeupo@4`). */
      name: z
        .string()
        .refine(isAlgorithmName, { message: `expected one of ${NAMED_ALGORITHMS.join(', ')}, optionally @EPOCHS (seeupo@4)` })
        .default('seeupo'),
      /** Deep-merged onto the named preset and validated by its strict schema. */
      overrides: z.record(z.string(), z.unknown()).default({}),
    })
    .prefault({}),
  model: z
    .strictObject({
      dModel: positiveInt.default(128),
      nLayers: positiveInt.default(2),
      nHeads: positiveInt.default(4),
      contextLength: positiveInt.default(256),
    })
    .prefault({}),
  /** Start from this saved model (e.g. a run's checkpoints/sft-best) instead of random weights (null: random). */
  init: z.string().min(1).nullable().default(null),
  /**
   * Where the model lives: `local` (this process, the back end below) or `tinker`, a Tinker-protocol service (hosted
   * Tinker, SkyRL, `seeupo learner serve`) that trains it and samples from it (docs/tinker.md).
   */
  learner: z
    .discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('local') }),
      z.strictObject({
        kind: z.literal('tinker'),
        baseUrl: z.url({ protocol: /^https?$/ }),
        baseModel: z.string().min(1),
        loraRank: positiveInt,
        loraSeed: nonNegativeInt.optional(),
        /** How the server reduces a loss over tokens: hosted Tinker sums (`sum`), SkyRL's JAX back end averages (`mean`). */
        normalisation: z.enum(['sum', 'mean']).default('sum'),
      }),
    ])
    .default({ kind: 'local' }),
  /** Local policy back end; `auto` takes the native one where it loads. */
  backend: z.enum(['auto', 'native', 'tfjs']).default('auto'),
  /** Compute threads of the learner (the matrices of the default model are small: one thread is fastest). */
  threads: positiveInt.default(1),
  /**
   * `compact` (tool names, keys and words as single tokens) for small models trained here; `chatml` spells JSON calls;
   * `{kind: hf, dir, templateKwargs?}` renders a real model's own chat template and tokenizer (docs/real-models.md),
   * for a model that lives on a Tinker-protocol service (`learner.kind: tinker`).
   */
  renderer: z
    .union([
      z.enum(['compact', 'chatml']),
      z.strictObject({ kind: z.literal('hf'), dir: z.string().min(1), templateKwargs: z.record(z.string(), z.unknown()).default({}) }),
    ])
    .default('compact'),
  /** Knobs of the generated tasks (src/envs/tasks). */
  tasks: TaskKnobsSchema.prefault({}),
  env: z
    .strictObject({
      /** Assistant messages with calls allowed per user question before the episode is cut (BFCL allows 20). */
      maxStepsPerTurn: positiveInt.default(4),
      /** An environment call slower than this fails its episode. */
      timeoutMs: positiveInt.default(10_000),
    })
    .prefault({}),
  rollout: z
    .strictObject({
      /** Tasks per RL iteration (B). */
      tasksPerIteration: positiveInt.default(16),
      /** Rollouts per task (G), the group of the group-relative baselines. */
      groupSize: positiveInt.default(8),
      temperature: z.number().min(0).default(1.5),
      topP: z.number().gt(0).max(1).default(1),
      /** Assistant turns per episode. */
      maxTurns: positiveInt.default(12),
      /** Tokens per assistant turn. */
      maxResponseTokens: positiveInt.default(24),
      /** Episodes sampled together in one lockstep batch (evaluations play more in successive batches). */
      maxBatch: positiveInt.default(256),
      /**
       * Who samples the RL rollouts: `local`, the learner itself, or `openai`, an OpenAI-compatible server (SGLang,
       * vLLM, `seeupo serve`) that gets the learner's weights after every update (docs/services.md). Evaluations
       * stay local either way.
       */
      policy: z
        .discriminatedUnion('kind', [
          z.strictObject({ kind: z.literal('local') }),
          z.strictObject({
            kind: z.literal('openai'),
            /** The API root, e.g. `http://127.0.0.1:8000/v1`. */
            baseUrl: z.url({ protocol: /^https?$/ }),
            /** The served model's name (`GET /v1/models`). */
            model: z.string().min(1),
            /** One request's limit; a request that runs out is retried, then fails its episode. */
            timeoutMs: positiveInt.default(300_000),
            /** Retries of a request after network errors, time-outs, 408, 429 and 5xx, with exponential backoff. */
            retries: z.number().int().min(0).max(10).default(3),
            /** The first retry's wait; each further one waits twice as long. */
            retryBaseMs: z.number().min(0).default(1000),
            /** Requests in flight at once. */
            maxConcurrency: positiveInt.default(64),
            /**
             * `update-weights-from-disk`: after every update the trainer saves its weights and the server loads them
             * (SGLang's `POST /update_weights_from_disk`; `seeupo serve --allow-weight-updates`). `none-off-policy`:
             * the server keeps its own weights and rollouts drift off-policy as training goes (metrics carry how far).
             */
            weightSync: z.enum(['update-weights-from-disk', 'none-off-policy']).default('update-weights-from-disk'),
            /** Largest |server − learner| log-prob accepted after a sync before the run stops (wrong model, wrong vocabulary). */
            agreementTolerance: z.number().positive().default(1e-3),
          }),
        ])
        .default({ kind: 'local' }),
    })
    .prefault({}),
  /** AdamW for the RL updates (each optimizer step of the algorithm's schedule). */
  optimizer: z
    .strictObject({
      /** SeeUPO takes one step per turn index (~5 per iteration): 3e-4 moved ρ to its bounds in the first iteration. */
      lr: z.number().positive().default(1e-4),
      beta1: z.number().min(0).lt(1).default(0.9),
      beta2: z.number().min(0).lt(1).default(0.95),
      weightDecay: z.number().min(0).default(0),
      maxGradNorm: z.number().positive().default(1),
    })
    .prefault({}),
  /**
   * PPO's learned critic (docs/training.md, "PPO's critic"): a second model of the policy's shape, started from the
   * policy's RL-start weights, with its own AdamW. Read only by algorithms with GAE advantages, for which it may be
   * left out (these defaults); set with any other algorithm it is an error.
   */
  critic: z
    .strictObject({
      lr: z.number().positive().default(CRITIC_DEFAULTS.lr),
      beta1: z.number().min(0).lt(1).default(CRITIC_DEFAULTS.beta1),
      beta2: z.number().min(0).lt(1).default(CRITIC_DEFAULTS.beta2),
      weightDecay: z.number().min(0).default(CRITIC_DEFAULTS.weightDecay),
      maxGradNorm: z.number().positive().default(CRITIC_DEFAULTS.maxGradNorm),
      /**
       * RL iterations at the start that train the critic alone (verl's `critic_warmup`): the critic starts with
       * V ≈ lo everywhere, so the policy's first updates would otherwise see advantages R − V ≈ R.
       */
      warmupIterations: z.number().int().min(0).default(CRITIC_DEFAULTS.warmupIterations),
      /** [lo, hi] of V = lo + (hi − lo)·p(v | s). Rewards are in [0, 1] and GAE's γ ≤ 1 keeps returns there. */
      valueRange: z
        .tuple([z.number(), z.number()])
        .refine(([lo, hi]) => lo < hi, 'valueRange must be [lo, hi] with lo < hi')
        .default([...CRITIC_DEFAULTS.valueRange]),
    })
    .optional(),
  sft: z
    .strictObject({
      /** Optimizer steps at most (0 skips SFT). */
      steps: nonNegativeInt.default(1500),
      /** Demonstration episodes (ground truth of the first N training tasks), the fixed set SFT learns from. */
      demonstrations: positiveInt.default(200),
      /** Demonstrations per step. */
      batchSize: positiveInt.default(16),
      /** Measured on the default task: 6e-3 had 0% validation success after 800 steps, 2e-3 71% after 500 (2000 demos). */
      lr: z.number().positive().default(2e-3),
      /** Validate (greedy success on validation tasks) every N steps, and keep the best checkpoint. */
      evalEvery: positiveInt.default(100),
      /** Stop after this many validations without improvement. */
      patience: positiveInt.default(5),
      /** Validation tasks (from the test distribution, disjoint from the evaluation tasks). */
      validationTasks: positiveInt.default(300),
      /** Stop SFT after this many seconds of wall time (null: no time budget). Time-budgeted runs do not resume exactly. */
      maxSeconds: z.number().positive().nullable().default(null),
      /**
       * A JSONL file of demonstrations (`{"messages": [...]}` per line, assistant messages with `toolCalls`) to learn
       * from instead of the generated tasks' ground truth (null: generated).
       */
      demonstrationsFile: z.string().min(1).nullable().default(null),
    })
    .prefault({}),
  rl: z
    .strictObject({
      iterations: nonNegativeInt.default(60),
      /** Save a resumable checkpoint every N iterations. */
      checkpointEvery: positiveInt.default(1),
    })
    .prefault({}),
  eval: z
    .strictObject({
      /** Evaluate every N RL iterations (greedy success on `tasks` test and held-out tasks). */
      every: positiveInt.default(10),
      tasks: positiveInt.default(100),
      /** Tasks per split of the evaluations after SFT and at the end. */
      finalTasks: positiveInt.default(500),
      /** Samples per task at temperature 1 for pass@k and avg@k in every evaluation but SFT's validations (0: greedy only). */
      k: nonNegativeInt.default(4),
    })
    .prefault({}),
});

export type TrainConfig = z.output<typeof trainConfigSchema>;

/**
 * The config from a file (YAML or JSON), with `--set key.path=value` overrides applied, validated. A `preset` (a
 * partial config, e.g. `seeupo compare`'s budgets) lies under both: the file's keys and the sets win over it.
 */
export function loadTrainConfig(file: string | undefined, sets: readonly string[] = [], preset: unknown = {}): TrainConfig {
  return parseTrainConfig(rawTrainConfig(file, sets, preset), file ?? 'config');
}

/** A raw config validated and completed as `seeupo train` runs it (what its config.json then holds). */
export function parseTrainConfig(raw: unknown, source: string): TrainConfig {
  const config = parseConfig(trainConfigSchema, raw, source);
  const algo = resolveTrainAlgorithm(config); // unknown override keys are errors now, not at the first iteration
  // The resolved config says everything the run reads: with GAE, the critic's settings too.
  if (algo.advantage.kind === 'gae') config.critic = criticConfigOf(config);
  return config;
}

/** The unvalidated config: `preset`, then the file deep-merged onto it, then the sets. */
export function rawTrainConfig(file: string | undefined, sets: readonly string[] = [], preset: unknown = {}): unknown {
  let raw: unknown = {};
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UserError(`cannot read config ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    try {
      raw = parseYaml(text) ?? {};
    } catch (e) {
      throw new UserError(`config ${file} is not valid YAML/JSON: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  raw = deepMerge(preset, raw);
  for (const s of sets) raw = applySet(raw, s);
  return raw;
}

/** `over` onto `base`: objects merge key by key, anything else in `over` replaces. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over === undefined ? structuredClone(base) : structuredClone(over);
  const out: Record<string, unknown> = structuredClone(base);
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? deepMerge(out[k], v) : structuredClone(v);
  return out;
}

export function resolveTrainAlgorithm(config: TrainConfig): AlgorithmConfig {
  const algo = resolveNamedAlgorithm(config.algorithm.name, config.algorithm.overrides);
  if (config.critic !== undefined && algo.advantage.kind !== 'gae') {
    throw new UserError(`critic: ${algo.name} learns no critic (only algorithms with GAE advantages, such as ppo, do); remove the critic block`);
  }
  return algo;
}

function isAlgorithmName(name: string): boolean {
  try {
    parseAlgorithmName(name);
    return true;
  } catch {
    return false;
  }
}

export type CriticConfig = NonNullable<TrainConfig['critic']>;

/** The critic settings of a run whose algorithm has GAE advantages: its `critic` block, or the defaults. */
export function criticConfigOf(config: TrainConfig): CriticConfig {
  return config.critic ?? { ...CRITIC_DEFAULTS, valueRange: [...CRITIC_DEFAULTS.valueRange] };
}

/** `a.b.c=value`: value is read as YAML (numbers, booleans, lists), so `--set rl.iterations=5` is a number. */
export function applySet(raw: unknown, assignment: string): unknown {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new UserError(`--set expects key.path=value, got '${assignment}'`);
  const path = assignment.slice(0, eq).split('.');
  if (path.some((p) => p === '')) throw new UserError(`--set: empty key in '${assignment.slice(0, eq)}'`);
  let value: unknown;
  try {
    value = parseYaml(assignment.slice(eq + 1));
  } catch {
    value = assignment.slice(eq + 1);
  }
  const root: Record<string, unknown> = isObject(raw) ? { ...raw } : {};
  let node = root;
  for (const key of path.slice(0, -1)) {
    const next = isObject(node[key]) ? { ...(node[key] as Record<string, unknown>) } : {};
    node[key] = next;
    node = next;
  }
  node[path[path.length - 1]!] = value;
  return root;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
