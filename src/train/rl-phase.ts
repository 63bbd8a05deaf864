/** The trainer's RL phase: rollouts, the algorithm core's update, metrics, evaluations and checkpoints. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { percent as pct } from '../core/percent.js';
import { Rng } from '../core/rng.js';
import { runIteration, type IterationStats } from '../algos/iteration.js';
import type { BfclEntry } from '../envs/bfcl/data.js';
import { playEpisodes, type Episode, type EpisodeSpec } from '../rollout/episodes.js';
import type { RolloutPolicy } from '../rollout/policy.js';
import { criticConfigOf, resolveTrainAlgorithm } from './config.js';
import { LearnedCritic } from './critic.js';
import { episodeLabelShares } from './episode-labels.js';
import { LearnerPort } from './learner-port.js';
import { type PhaseContext, type TrainerState, seedFor, CRITIC_DIR } from './phase-context.js';
import { createLearner, loadWeightsOnly } from './model-setup.js';
import { periodicEvaluation, finalEvaluation } from './run-evaluations.js';

/** RL iterations with periodic evaluation; returns true when interrupted. Ends in phase 'done'. */
export async function runRl(ctx: PhaseContext, state: TrainerState, algo: ReturnType<typeof resolveTrainAlgorithm>): Promise<boolean> {
  const critic = algo.advantage.kind === 'gae' ? await startCritic(ctx, state) : undefined;
  try {
    return await rlIterations(ctx, state, algo, critic);
  } finally {
    await critic?.learner.dispose();
  }
}

async function rlIterations(ctx: PhaseContext, state: TrainerState, algo: ReturnType<typeof resolveTrainAlgorithm>, critic: LearnedCritic | undefined): Promise<boolean> {
  const { config, learner, progress } = ctx;
  const { tasksPerIteration: B, groupSize: G } = config.rollout;
  const warmup = critic ? criticConfigOf(config).warmupIterations : 0;
  progress.start('rl', config.rl.iterations, state.rlIteration);
  while (state.rlIteration < config.rl.iterations) {
    const it = ++state.rlIteration;
    const port = new LearnerPort(learner, config.optimizer, undefined, critic, it <= warmup);
    const server = await ctx.rlRollouts.beforeIteration(it);
    const t0 = Date.now();
    const specs: EpisodeSpec<BfclEntry>[] = [];
    const taskIds: string[] = [];
    for (let b = 0; b < B; b++) {
      // The iteration's tasks depend on the seed, the task knobs, B and the iteration only: every algorithm run
      // with the same config plays the same ones (seeupo compare records and checks them).
      const task = ctx.source.task('train', config.sft.demonstrations + (it - 1) * B + b);
      taskIds.push(task.id);
      for (let g = 0; g < G; g++) specs.push({ id: `it${it}:${task.id}:${g}`, taskId: task.id, groupId: `it${it}:${task.id}`, task: task.entry });
    }
    const rlPolicy = server.failure === null ? ctx.rlRollouts.policy : failingPolicy(server.failure);
    const episodes = await playEpisodes(specs, { ...ctx.rolloutBase, policy: rlPolicy, temperature: config.rollout.temperature, seed: seedFor(config.seed, `rollout:${it}`) });
    const t1 = Date.now();
    const warnings: string[] = [];
    const stats = await runIteration(algo, episodes.map((e) => e.trajectory), port, { rng: new Rng(config.seed).fork(`iteration:${it}`), warn: (m) => warnings.push(m) });
    const t2 = Date.now();
    for (const w of warnings) {
      progress.log(`warning: iteration ${it}: ${w}`);
      ctx.metric({ kind: 'warning', iteration: it, message: w, time: { wallS: ctx.wall() } });
    }
    const time = { wallS: ctx.wall(), cpuS: ctx.cpu(), rolloutS: (t1 - t0) / 1000, updateS: (t2 - t1) / 1000, ...(server.syncS === null ? {} : { syncS: server.syncS }) };
    const record = rlRecord(it, taskIds, episodes, stats, time, episodeLabelShares(ctx.source, episodes));
    // How far the sampling policy was from the learner before this iteration's first update: ~0 when synced.
    if (server.record) record.rolloutServer = { ...server.record, klBeforeUpdate: stats.steps[0]?.behaviourKl ?? null };
    ctx.metric(record);
    progress.update(it, { success: pct(record.success as number) });
    const last = it === config.rl.iterations;
    if (it % config.eval.every === 0 && !last) {
      await periodicEvaluation(ctx, it);
    }
    if (it % config.rl.checkpointEvery === 0 || last) await ctx.checkpoint(critic);
    if (ctx.shouldStop() && !last) {
      if (it % config.rl.checkpointEvery !== 0) await ctx.checkpoint(critic);
      return true;
    }
  }
  if (config.rl.iterations > 0) {
    const [test, heldout] = await finalEvaluation(ctx, 'rl', state.rlIteration);
    state.rlResult = { test: test.greedy, heldout: heldout.greedy };
    progress.log(`after RL (${state.rlIteration} iterations): test ${pct(test.greedy)}, held-out ${pct(heldout.greedy)}`);
  }
  state.phase = 'done';
  await ctx.checkpoint(critic);
  return false;
}

/**
 * PPO's critic (docs/training.md, "PPO's critic"): a second model of the policy's shape where the policy lives.
 * A run that starts RL initialises it from the policy's RL-start weights (the best SFT checkpoint or `init`, as
 * verl and OpenRLHF start their critic from the SFT model) with a fresh optimizer; a resumed run loads it, with its
 * optimizer state, from the checkpoint it resumes.
 */
async function startCritic(ctx: PhaseContext, state: TrainerState): Promise<LearnedCritic> {
  const { config, learner } = ctx;
  const c = criticConfigOf(config);
  const critic = await createLearner(config, ctx.renderer);
  try {
    const saved = ctx.resumedFrom === null ? null : join(ctx.resumedFrom, CRITIC_DIR);
    if (saved !== null && existsSync(saved)) await critic.load(saved);
    else if (state.rlIteration === 0) {
      const scratch = mkdtempSync(join(tmpdir(), 'seeupo-critic-'));
      try {
        await learner.save(join(scratch, 'policy'));
        await loadWeightsOnly(critic, join(scratch, 'policy'), join(scratch, 'critic'));
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    } else throw new UserError(`resume: the checkpoint at RL iteration ${state.rlIteration} holds no critic for ${config.algorithm.name}`);
  } catch (e) {
    await critic.dispose();
    throw e;
  }
  const { valueRange, warmupIterations: _warmup, ...optim } = c;
  // The value is the probability of the renderer's end-of-message token right after the context: every renderer
  // has one (compact, chatml, a real model's template), within the vocabulary and with trained embedding and
  // LM-head rows, and right after an assistant header (where every context ends) no message ends, so no behaviour
  // the critic inherits from the policy gives it a meaning. Its probability there starts near 0 (V ≈ lo), which
  // docs/training.md measures.
  return new LearnedCritic(critic, { optim, valueRange, valueToken: ctx.renderer.stopTokens[0]! });
}

function rlRecord(it: number, taskIds: readonly string[], episodes: readonly Episode[], stats: IterationStats, time: Record<string, number>, labels: Record<string, number> | null): Record<string, unknown> {
  const trained = episodes.filter((e) => e.trajectory.status !== 'failed');
  const failures = episodes.filter((e) => e.trajectory.status === 'failed');
  const mean = (xs: readonly number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);
  const steps = stats.steps.filter((s) => !s.skipped);
  const rho = stats.rho ? [...stats.rho.values()] : null;
  let context = 0;
  let response = 0;
  for (const e of episodes) for (const t of e.trajectory.turns) (context += t.contextTokens.length), (response += t.responseTokens.length);
  return {
    kind: 'rl',
    iteration: it,
    tasks: taskIds,
    episodes: episodes.length,
    excluded: stats.excluded,
    failures: failures.slice(0, 3).map((e) => e.trajectory.error),
    reward: mean(trained.map((e) => e.trajectory.reward)),
    success: mean(trained.map((e) => (e.success ? 1 : 0))),
    truncated: episodes.filter((e) => e.trajectory.status === 'truncated').length,
    turns: mean(episodes.map((e) => e.trajectory.turns.length)),
    tokens: { context, response, sampled: episodes.reduce((a, e) => a + e.sampledTokens, 0) },
    steps: stats.steps.length,
    skippedSteps: stats.steps.length - steps.length,
    loss: mean(steps.map((s) => s.loss)),
    kl: mean(steps.map((s) => s.behaviourKl)),
    klToOld: mean(steps.map((s) => s.approxKl)),
    clipFraction: mean(steps.map((s) => s.clipFraction)),
    ratio: steps.length === 0 ? null : { mean: mean(steps.map((s) => s.ratioMean)), min: Math.min(...steps.map((s) => s.ratioMin)), max: Math.max(...steps.map((s) => s.ratioMax)) },
    rho: rho && rho.length > 0 ? { mean: mean(rho), min: Math.min(...rho), max: Math.max(...rho) } : null,
    entropy: mean(steps.map((s) => s.entropy)),
    gradNorm: mean(steps.map((s) => s.gradNorm)),
    // The critic's clipped value loss (algorithms with GAE), before each step; null without a critic.
    valueLoss: mean(steps.flatMap((s) => (s.valueLoss === null ? [] : [s.valueLoss]))),
    ...(labels ? { episodeLabels: labels } : {}),
    time,
  };
}

/** A policy whose every request fails with `error`: the episodes of an iteration whose server could not be synced. */
function failingPolicy(error: string): RolloutPolicy {
  return { sample: async (requests) => requests.map(() => ({ error })) };
}
