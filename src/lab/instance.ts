import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UserError } from '../core/errors.js';
import { parseConfig } from '../core/config.js';

/**
 * A lab instance: an exact multi-turn problem (a sequential multi-agent bandit). Turn t writes `length` tokens
 * from `vocab` values, so it has vocab^length actions; an action's tokens are its base-vocab digits, most
 * significant first. `reward` lists the expected reward of every joint action, turn 0 most significant.
 * Format: lab/instances/README.md.
 */
const turnSchema = z.strictObject({
  vocab: z.number().int().min(2).max(256),
  length: z.number().int().min(1).max(8),
});

const initSchema = z.union([
  z.strictObject({ kind: z.literal('uniform') }),
  z.strictObject({ logitBias: z.array(z.array(z.number().finite())) }),
]);

export const instanceSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  turns: z.array(turnSchema).min(1).max(16),
  reward: z.array(z.number().finite()),
  /** `bernoulli`: rewards are success probabilities; a sampled episode pays 1 or 0 (exact mode uses the mean). */
  noise: z.literal('bernoulli').optional(),
  init: initSchema,
});

export type InstanceSpec = z.output<typeof instanceSchema>;

/** Largest joint action space the lab enumerates (exact mode walks all of it every iteration). */
export const MAX_JOINT_ACTIONS = 20_000;

/** The validated instance plus its derived sizes. */
export interface Instance {
  readonly spec: InstanceSpec;
  readonly name: string;
  /** Number of turns T. */
  readonly turnCount: number;
  readonly vocab: readonly number[];
  readonly length: readonly number[];
  /** Actions of each turn: vocab^length. */
  readonly actions: readonly number[];
  /** Number of joint actions: the product of `actions`. */
  readonly jointCount: number;
  readonly reward: Float64Array;
  readonly bernoulli: boolean;
  /** Initial logit of token value v at turn t (the same at every history and prefix). */
  readonly initLogits: readonly Float64Array[];
  /** max(reward): reachable because the policy can condition on the whole history. */
  readonly optimum: number;
}

/** Checks what the schema cannot: sizes that must agree, bernoulli rewards in [0, 1]. */
export function makeInstance(spec: InstanceSpec, source = `instance '${spec.name}'`): Instance {
  const vocab = spec.turns.map((t) => t.vocab);
  const length = spec.turns.map((t) => t.length);
  const actions = spec.turns.map((t) => t.vocab ** t.length);
  const jointCount = actions.reduce((a, b) => a * b, 1);
  if (jointCount > MAX_JOINT_ACTIONS) throw new UserError(`${source}: ${jointCount} joint actions; the lab enumerates at most ${MAX_JOINT_ACTIONS}`);
  if (spec.reward.length !== jointCount) {
    throw new UserError(`${source}: reward has ${spec.reward.length} entries, but the turns (${actions.join(' × ')} actions) make ${jointCount} joint actions`);
  }
  if (spec.noise === 'bernoulli') {
    const bad = spec.reward.findIndex((r) => r < 0 || r > 1);
    if (bad >= 0) throw new UserError(`${source}: reward[${bad}] = ${spec.reward[bad]} is not a probability, but noise is 'bernoulli'`);
  }
  let initLogits: Float64Array[];
  if ('kind' in spec.init) initLogits = vocab.map((v) => new Float64Array(v));
  else {
    const bias = spec.init.logitBias;
    if (bias.length !== spec.turns.length) throw new UserError(`${source}: init.logitBias has ${bias.length} rows for ${spec.turns.length} turns`);
    bias.forEach((row, t) => {
      if (row.length !== vocab[t]) throw new UserError(`${source}: init.logitBias[${t}] has ${row.length} values, turn ${t} has vocab ${vocab[t]}`);
    });
    initLogits = bias.map((row) => Float64Array.from(row));
  }
  const reward = Float64Array.from(spec.reward);
  return {
    spec,
    name: spec.name,
    turnCount: spec.turns.length,
    vocab,
    length,
    actions,
    jointCount,
    reward,
    bernoulli: spec.noise === 'bernoulli',
    initLogits,
    optimum: Math.max(...reward),
  };
}

/** Validates a parsed JSON value as an instance. */
export function parseInstance(value: unknown, source: string): Instance {
  const spec = parseConfig(instanceSchema, value, source);
  return makeInstance(spec, source);
}

/** Reads and validates an instance file; every problem is a UserError naming the file and the key. */
export function loadInstance(path: string): Instance {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read instance file ${path}: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UserError(`instance file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  return parseInstance(value, `instance file ${path}`);
}

/** The action of each turn in joint action j (turn 0 most significant). */
export function jointToActions(inst: Instance, j: number): number[] {
  const out = new Array<number>(inst.turnCount);
  for (let t = inst.turnCount - 1; t >= 0; t--) {
    out[t] = j % inst.actions[t]!;
    j = Math.floor(j / inst.actions[t]!);
  }
  return out;
}

/** The tokens of action a at turn t: its base-vocab digits, most significant first. */
export function actionTokens(inst: Instance, t: number, a: number): number[] {
  const v = inst.vocab[t]!;
  const out = new Array<number>(inst.length[t]!);
  for (let k = inst.length[t]! - 1; k >= 0; k--) {
    out[k] = a % v;
    a = Math.floor(a / v);
  }
  return out;
}
