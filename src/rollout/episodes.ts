import type { AssistantMessage, ChatMessage } from '../core/messages.js';
import { Rng } from '../core/rng.js';
import type { Trajectory, TrajectoryStatus } from '../core/types.js';
import type { Env, EnvEvaluation } from '../envs/env.js';
import type { Conversation, Renderer, SampledTurn } from '../render/renderer.js';
import type { SampleOutput } from '../policy/learner.js';
import { isFailedSample, type FailedSample, type RolloutPolicy } from './policy.js';

/** One episode to play: a task, and the ids that place it in its group. */
export interface EpisodeSpec<Task> {
  readonly id: string;
  readonly taskId: string;
  readonly groupId: string;
  readonly task: Task;
}

export interface EpisodeBudgets {
  /** Assistant turns (policy calls) per episode. */
  readonly maxTurns: number;
  /** Tokens one assistant turn may sample. */
  readonly maxResponseTokens: number;
  /** The model's context length: a turn whose prompt leaves no room to sample ends the episode (truncated). */
  readonly contextLength: number;
}

export interface RolloutOptions<Task> {
  readonly renderer: Renderer;
  readonly policy: RolloutPolicy;
  /** A fresh environment for one episode. */
  readonly makeEnv: () => Env<Task>;
  readonly temperature: number;
  readonly topP: number;
  readonly budgets: EpisodeBudgets;
  /** Seed of the sampling draws: the same episodes, weights and seed give the same trajectories. */
  readonly seed: number;
  /** An environment call that takes longer fails its episode. */
  readonly envTimeoutMs: number;
  /** Episodes played at once (one sampling batch); more are played in successive chunks of this size. */
  readonly maxConcurrentEpisodes: number;
}

/** A played episode: the trajectory to train on, and what happened, for transcripts. */
export interface Episode {
  readonly trajectory: Trajectory;
  readonly success: boolean;
  /** The conversation as messages (environment messages and the parsed assistant messages). */
  readonly messages: ChatMessage[];
  /** Response tokens sampled in the episode (mask 1). */
  readonly sampledTokens: number;
}

interface Live<Task> {
  spec: EpisodeSpec<Task>;
  env: Env<Task> | null;
  conv: Conversation | null;
  turns: SampledTurn[];
  messages: ChatMessage[];
  done: boolean;
  truncated: boolean;
  error: string | null;
}

/**
 * Plays episodes in lockstep: every live episode contributes its next prompt to one batched `sample` call per step,
 * so the sampler batches across episodes. Each assistant turn becomes a training Turn (context tokens, the sampled
 * response tokens, their behaviour log-probs, mask); the reward is the environment's evaluation. An environment
 * that throws or exceeds its time-out fails that episode with the error: status 'failed', excluded from training by
 * the core, never scored 0 in silence (seeupo.md §6.6).
 */
export async function playEpisodes<Task>(specs: readonly EpisodeSpec<Task>[], opts: RolloutOptions<Task>): Promise<Episode[]> {
  const size = opts.maxConcurrentEpisodes;
  if (specs.length <= size) return playChunk(specs, opts, opts.seed);
  const seeds = new Rng(opts.seed);
  const out: Episode[] = [];
  for (let i = 0; i < specs.length; i += size) out.push(...(await playChunk(specs.slice(i, i + size), opts, seeds.fork(`chunk:${i}`).int(0x7fffffff))));
  return out;
}

async function playChunk<Task>(specs: readonly EpisodeSpec<Task>[], opts: RolloutOptions<Task>, seed: number): Promise<Episode[]> {
  const live: Live<Task>[] = specs.map((spec) => ({ spec, env: null, conv: null, turns: [], messages: [], done: false, truncated: false, error: null }));
  await Promise.all(live.map((ep) => start(ep, opts)));
  const seeds = new Rng(seed);
  const { budgets } = opts;
  for (let step = 0; ; step++) {
    const active: { ep: Live<Task>; prompt: number[]; maxTokens: number }[] = [];
    const outOfBudget: string[] = [];
    for (const ep of live) {
      if (ep.done) continue;
      const prompt = ep.conv!.promptTokens();
      const room = budgets.contextLength - prompt.length - opts.renderer.maxClosingTokens;
      if (ep.turns.length >= budgets.maxTurns || room < 1) {
        ep.done = true;
        ep.truncated = true;
        outOfBudget.push(ep.spec.id);
        continue;
      }
      active.push({ ep, prompt, maxTokens: Math.min(budgets.maxResponseTokens, room) });
    }
    if (outOfBudget.length > 0 && opts.policy.endSessions) await opts.policy.endSessions(outOfBudget);
    if (active.length === 0) break;
    // One call per distinct token budget (almost always one): the sampler takes one maxTokens per batch.
    const byBudget = new Map<number, typeof active>();
    for (const a of active) byBudget.set(a.maxTokens, [...(byBudget.get(a.maxTokens) ?? []), a]);
    const stepSeed = seeds.fork(`step:${step}`);
    for (const [maxTokens, group] of [...byBudget].sort((x, y) => y[0] - x[0])) {
      let outputs: Array<SampleOutput | FailedSample>;
      try {
        outputs = await opts.policy.sample(
          group.map((a) => ({ prompt: Int32Array.from(a.prompt), session: a.ep.spec.id })),
          { maxTokens, temperature: opts.temperature, topP: opts.topP, stopTokens: opts.renderer.stopTokens, seed: stepSeed.int(0x7fffffff) },
        );
        if (outputs.length !== group.length) throw new Error(`the policy returned ${outputs.length} samples for ${group.length} prompts`);
      } catch (e) {
        // A failed sampling call (a server that refused, timed out) fails the episodes it was for, not the rollout.
        for (const a of group) fail(a.ep, new Error(`sampling failed: ${e instanceof Error ? e.message : String(e)}`));
        continue;
      }
      await Promise.all(
        group.map((a, i) => {
          const out = outputs[i]!;
          if (isFailedSample(out)) return fail(a.ep, new Error(`sampling failed: ${out.error}`));
          return advance(a.ep, out.tokens, out.logprobs, opts);
        }),
      );
    }
    const ended = active.filter((a) => a.ep.done).map((a) => a.ep.spec.id);
    if (ended.length > 0 && opts.policy.endSessions) await opts.policy.endSessions(ended);
  }
  return Promise.all(live.map((ep) => finish(ep, opts)));
}

async function start<Task>(ep: Live<Task>, opts: RolloutOptions<Task>): Promise<void> {
  try {
    ep.env = opts.makeEnv();
    const reset = await withTimeout(ep.env.reset(ep.spec.task), opts.envTimeoutMs, 'reset');
    ep.conv = opts.renderer.conversation(reset.tools);
    ep.conv.add(...reset.messages);
    ep.messages.push(...reset.messages);
  } catch (e) {
    fail(ep, e);
  }
}

async function advance<Task>(ep: Live<Task>, tokens: ArrayLike<number>, logprobs: ArrayLike<number>, opts: RolloutOptions<Task>): Promise<void> {
  const turn = ep.conv!.addSampled(tokens, logprobs);
  ep.turns.push(turn);
  ep.messages.push(turn.message);
  try {
    const out = await withTimeout(ep.env!.step(turn.message as AssistantMessage), opts.envTimeoutMs, 'step');
    ep.conv!.add(...out.messages);
    ep.messages.push(...out.messages);
    if (out.done) {
      ep.done = true;
      ep.truncated = out.truncated;
    }
  } catch (e) {
    fail(ep, e);
  }
}

async function finish<Task>(ep: Live<Task>, opts: RolloutOptions<Task>): Promise<Episode> {
  let evaluation: EnvEvaluation | null = null;
  if (ep.error === null) {
    try {
      evaluation = await withTimeout(ep.env!.evaluate(), opts.envTimeoutMs, 'evaluate');
      if (!(evaluation.score >= 0 && evaluation.score <= 1)) throw new Error(`the environment scored ${evaluation.score}, outside [0, 1]`);
    } catch (e) {
      fail(ep, e);
    }
  }
  try {
    if (ep.env) await withTimeout(ep.env.close(), opts.envTimeoutMs, 'close');
  } catch {
    // The episode is played and scored; a failing close changes nothing about it.
  }
  const status: TrajectoryStatus = ep.error !== null ? 'failed' : ep.truncated ? 'truncated' : 'ok';
  const { id, taskId, groupId } = ep.spec;
  const trajectory: Trajectory = {
    id,
    taskId,
    groupId,
    turns: ep.turns,
    reward: evaluation?.score ?? 0,
    status,
    ...(ep.error !== null ? { error: ep.error } : {}),
  };
  let sampledTokens = 0;
  for (const t of ep.turns) for (const m of t.lossMask) sampledTokens += m;
  return { trajectory, success: evaluation?.success ?? false, messages: ep.messages, sampledTokens };
}

function fail<Task>(ep: Live<Task>, e: unknown): void {
  ep.done = true;
  ep.error ??= e instanceof Error ? e.message : String(e);
}

async function withTimeout<T>(value: T | Promise<T>, ms: number, what: string): Promise<T> {
  if (!(value instanceof Promise)) return value;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the environment's ${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([value, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
