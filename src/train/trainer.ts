import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BfclEntry } from '../envs/bfcl/data.js';
import type { Env } from '../envs/env.js';
import type { Learner } from '../policy/learner.js';
import { createRenderer, saveRendererSpec, type Renderer, type RendererSpec } from '../render/index.js';
import { writeRunReport } from '../report/index.js';
import type { RolloutOptions } from '../rollout/episodes.js';
import type { RolloutPolicy } from '../rollout/policy.js';
import { resolveTrainAlgorithm, type TrainConfig } from './config.js';
import type { LearnedCritic } from './critic.js';
import { checkRolloutPolicyConfig, localRlRollouts, serverRlRollouts, type RlRollouts } from './rollout-server.js';
import { RunDir } from './run-dir.js';
import type { TaskSource } from './task-source.js';
import { type PhaseContext, type TrainerState, type TrainProgress, CRITIC_DIR } from './phase-context.js';
import { rendererSpecFor, rolloutOptionsFor, createModel, initFrom } from './model-setup.js';
import { runSft } from './sft-phase.js';
import { runRl } from './rl-phase.js';

export type { TrainProgress } from './phase-context.js';

/** The training config, saved beside every model the trainer writes (`seeupo eval` reads the task knobs from it). */
export const TRAIN_CONFIG_FILE = 'train-config.json';

export interface TrainSummary {
  seed: number;
  algorithm: string;
  sft: { test: number; heldout: number } | null;
  rl: { test: number; heldout: number } | null;
  /** The saved model the run started from, and the SHA-256 of its weights file as loaded (null: random weights). */
  init: { dir: string; sha256: string } | null;
  wallS: number;
  cpuS: number;
  finalCheckpoint: string;
}

export interface TrainOptions {
  config: TrainConfig;
  out: string;
  /** Continue the run in `out` from its latest checkpoint. */
  resume?: boolean;
  source: TaskSource;
  progress?: TrainProgress;
  /** Checked between steps: true saves a checkpoint and returns (Ctrl-C). */
  shouldStop?: () => boolean;
  /** Wraps each episode's environment (tests inject failing environments). */
  wrapEnv?: (env: Env<BfclEntry>) => Env<BfclEntry>;
  /** Wraps the policy RL rollouts sample from (tests sample the local learner one request at a time, as a server does). */
  wrapRolloutPolicy?: (policy: RolloutPolicy) => RolloutPolicy;
}

export interface TrainResult {
  summary: TrainSummary | null;
  /** The HTML report written at the end (seeupo report). */
  report?: string;
  interrupted: boolean;
  runDir: string;
}

const silent: TrainProgress = { start() {}, update() {}, log() {}, stop() {} };

/**
 * `seeupo train`: SFT on a fixed set of demonstrations (keeping the best checkpoint by validation success), then RL
 * with the configured algorithm on unlimited generated tasks, with evaluations, checkpoints and a run directory.
 * The loop, step by step:
 *   SFT:  demonstrations → supervised examples → cross-entropy steps → validate every k steps → keep the best
 *   RL:   B tasks × G rollouts (lockstep sampling) → trajectories → runIteration (advantages, schedule, loss)
 *         → metrics → evaluate every k iterations → checkpoint
 */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { config, source } = opts;
  const progress = opts.progress ?? silent;
  // Everything a config can get wrong is checked before the run directory is made.
  const algo = resolveTrainAlgorithm(config);
  checkRolloutPolicyConfig(config);
  const rendererSpec = rendererSpecFor(config, source);
  const renderer = createRenderer(rendererSpec);
  if (!opts.resume) RunDir.assertNew(opts.out);
  const resumeFrom = opts.resume ? RunDir.open(opts.out).latestCheckpoint<TrainerState>() : null;
  const { learner, policy } = await createModel(config, renderer);
  const t0 = Date.now();
  let state: TrainerState = {
    phase: config.sft.steps > 0 ? 'sft' : 'rl',
    sftStep: 0,
    bestValidation: -1,
    bestStep: 0,
    evalsWithoutImprovement: 0,
    rlIteration: 0,
    metricsLines: 0,
    wallS: 0,
    cpuS: 0,
    sftResult: null,
    rlResult: null,
  };
  if (resumeFrom) {
    await learner.load(resumeFrom.dir);
    state = resumeFrom.state;
    progress.log(`resuming ${opts.out} from its checkpoint at ${state.phase === 'sft' ? `SFT step ${state.sftStep}` : `RL iteration ${state.rlIteration}`}`);
  } else {
    if (opts.resume) progress.log(`resuming ${opts.out}: no checkpoint yet, starting from the beginning`);
    // A run resumed before its first checkpoint starts over, from its `init` like a fresh one.
    if (config.init !== null) state.initSha256 = await initFrom(config.init, learner, rendererSpec);
  }
  // A rollout server is checked (reachable, loads the weights, holds the same model) before the run directory is made.
  const rolloutBase = rolloutOptionsFor(config, renderer, policy, opts.wrapEnv);
  const syncDir = join(opts.out, 'rollout-weights');
  const rlRollouts = rlRolloutsFor(config, { learner, policy, renderer, rendererSpec, rolloutBase, source, syncDir, progress, wrap: opts.wrapRolloutPolicy });
  let serverCheck: Record<string, unknown> | null;
  try {
    serverCheck = await rlRollouts.start();
  } catch (e) {
    await learner.dispose();
    rmSync(syncDir, { recursive: true, force: true });
    throw e;
  }
  const run = opts.resume ? RunDir.open(opts.out) : RunDir.create(opts.out, config);
  if (opts.resume) run.truncateMetrics(state.metricsLines);
  const wallAtStart = state.wallS;
  const wall = () => wallAtStart + (Date.now() - t0) / 1000;
  // CPU seconds of this process (all threads): on a machine shared with other work, the cost that wall time hides.
  const cpuAtStart = state.cpuS;
  const cpu0 = process.cpuUsage();
  const cpu = () => {
    const u = process.cpuUsage(cpu0);
    return cpuAtStart + (u.user + u.system) / 1e6;
  };
  const metric = (record: Record<string, unknown>) => {
    run.appendMetrics(record);
    state.metricsLines++;
  };
  // Every saved model carries what reading it needs: its renderer and the config (task knobs, seed) it ran with.
  const writeModel = async (dir: string) => {
    await learner.save(dir);
    saveRendererSpec(dir, rendererSpec);
    writeFileSync(join(dir, TRAIN_CONFIG_FILE), JSON.stringify(config, null, 2) + '\n');
  };
  const checkpoint = (critic?: LearnedCritic) =>
    run.saveCheckpoint({ ...state, wallS: wall(), cpuS: cpu() }, async (dir) => {
      await writeModel(dir);
      if (critic) await critic.learner.save(join(dir, CRITIC_DIR));
    });
  const saveModel = async (name: string) => {
    const dir = join(run.checkpoints, name);
    await writeModel(dir);
    return dir;
  };
  // Recorded once, at a run's start: a resumed run checks again, but its metrics stay those of an uninterrupted run.
  if (serverCheck && state.metricsLines === 0) {
    const { checkS, ...check } = serverCheck;
    metric({ ...check, time: { wallS: wall(), checkS } });
  }
  const ctx: PhaseContext = { config, source, renderer, learner, policy, rlRollouts, run, progress, rolloutBase, metric, wall, cpu, checkpoint, saveModel, resumedFrom: resumeFrom?.dir ?? null, shouldStop: opts.shouldStop ?? (() => false) };

  try {
    if (state.phase === 'sft') {
      const stopped = await runSft(ctx, state);
      if (stopped) return { summary: null, interrupted: true, runDir: opts.out };
    }
    if (state.phase === 'rl') {
      const stopped = await runRl(ctx, state, algo);
      if (stopped) return { summary: null, interrupted: true, runDir: opts.out };
    }
    await saveModel('final');
    const summary: TrainSummary = {
      seed: config.seed,
      algorithm: algo.name,
      sft: state.sftResult,
      rl: state.rlResult,
      init: config.init !== null && state.initSha256 ? { dir: config.init, sha256: state.initSha256 } : null,
      wallS: wall(),
      cpuS: cpu(),
      finalCheckpoint: join('checkpoints', 'final'),
    };
    run.writeJson('summary.json', summary);
    const report = writeRunReport(opts.out);
    return { summary, interrupted: false, runDir: opts.out, report };
  } finally {
    progress.stop();
    await learner.dispose();
  }
}

/**
 * Where RL rollouts come from: the local policy, or an OpenAI-compatible server synced with the learner. Evaluations
 * always sample locally: the learner has the current weights, so they need no server, and their numbers compare
 * with those of local runs.
 */
function rlRolloutsFor(
  config: TrainConfig,
  o: {
    learner: Learner;
    policy: RolloutPolicy;
    renderer: Renderer;
    rendererSpec: RendererSpec;
    rolloutBase: Omit<RolloutOptions<BfclEntry>, 'temperature' | 'seed'>;
    source: TaskSource;
    syncDir: string;
    progress: TrainProgress;
    wrap: ((policy: RolloutPolicy) => RolloutPolicy) | undefined;
  },
): RlRollouts {
  const wrap = o.wrap ?? ((p: RolloutPolicy) => p);
  const spec = config.rollout.policy;
  if (spec.kind === 'local') return localRlRollouts(wrap(o.policy));
  // The agreement check's prompt: the first RL task's, rendered as rollouts render it.
  const probePrompt = async (): Promise<Int32Array> => {
    const env = o.rolloutBase.makeEnv();
    try {
      const reset = await env.reset(o.source.task('train', config.sft.demonstrations).entry);
      const conv = o.renderer.conversation(reset.tools);
      conv.add(...reset.messages);
      return Int32Array.from(conv.promptTokens());
    } finally {
      await env.close();
    }
  };
  const rollouts = serverRlRollouts({ config, server: spec, learner: o.learner, renderer: o.renderer, rendererSpec: o.rendererSpec, syncDir: o.syncDir, probePrompt, log: (l) => o.progress.log(l) });
  return { ...rollouts, policy: wrap(rollouts.policy) };
}
