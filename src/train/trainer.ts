import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { percent as pct } from '../core/percent.js';
import { Rng } from '../core/rng.js';
import { runIteration, type IterationStats } from '../algos/iteration.js';
import { BfclEnv } from '../envs/bfcl/env.js';
import type { BfclEntry } from '../envs/bfcl/data.js';
import { entryFunctionDocs, openAiTool } from '../envs/bfcl/tools.js';
import type { Env } from '../envs/env.js';
import { emptyOptimizerState, readCheckpoint, writeCheckpoint } from '../policy/checkpoint.js';
import type { Learner, ModelConfig } from '../policy/learner.js';
import { createLocalLearner } from '../policy/native/select.js';
import { createTinkerLearner, TinkerLearner } from '../policy/remote/tinker-learner.js';
import { toolCallHeadTokens } from '../policy/tokenizer/special-tokens.js';
import { createRenderer, loadRendererSpec, saveRendererSpec, type Renderer, type RendererSpec, type SupervisedExample } from '../render/index.js';
import { writeRunReport } from '../report/index.js';
import { playEpisodes, type Episode, type EpisodeSpec, type RolloutOptions } from '../rollout/episodes.js';
import { localRolloutPolicy } from '../rollout/local-policy.js';
import type { RolloutPolicy } from '../rollout/policy.js';
import { criticConfigOf, resolveTrainAlgorithm, type TrainConfig } from './config.js';
import { LearnedCritic } from './critic.js';
import { checkRolloutPolicyConfig, localRlRollouts, serverRlRollouts, type RlRollouts } from './rollout-server.js';
import { readDemonstrations } from './demonstrations-file.js';
import { episodeLabelShares } from './episode-labels.js';
import { evaluateSplit, type SplitEvaluation } from './evaluate.js';
import { LearnerPort } from './learner-port.js';
import { RunDir } from './run-dir.js';
import { sftStep } from './sft.js';
import type { Split, TaskSource, TrainTask } from './task-source.js';
import { compactVocabulary } from './vocabulary.js';

/** The training config, saved beside every model the trainer writes (`seeupo eval` reads the task knobs from it). */
export const TRAIN_CONFIG_FILE = 'train-config.json';

/** The folder of an RL checkpoint that holds the critic's weights and optimizer state (algorithms with GAE). */
export const CRITIC_DIR = 'critic';

/** Validation tasks are test-distribution tasks from this index on: disjoint from the evaluation tasks (0, 1, ...). */
export const VALIDATION_OFFSET = 1_000_000;

/** Where a run stands; saved with every checkpoint, so a resumed run continues exactly. */
export interface TrainerState {
  phase: 'sft' | 'rl' | 'done';
  sftStep: number;
  bestValidation: number;
  bestStep: number;
  evalsWithoutImprovement: number;
  rlIteration: number;
  metricsLines: number;
  wallS: number;
  cpuS: number;
  sftResult: { test: number; heldout: number } | null;
  rlResult: { test: number; heldout: number } | null;
  /** SHA-256 of the weights file `init` named, as loaded (null: random initial weights). */
  initSha256?: string | null;
}

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

/** What a long run tells the person watching it. */
export interface TrainProgress {
  start(phase: 'sft' | 'rl' | 'eval', total: number, done: number): void;
  update(done: number, info: Record<string, number | string>): void;
  log(line: string): void;
  stop(): void;
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

export function rendererSpecFor(config: TrainConfig, source: TaskSource): RendererSpec {
  if (typeof config.renderer === 'object') return { ...config.renderer };
  if (config.renderer === 'compact') return { kind: 'compact', ...structuredClone(compactVocabulary(source.classes, source.words)) } as RendererSpec;
  const tools = entryFunctionDocs(source.classes).map((d) => d.name);
  return { kind: 'chatml', extraSpecialTokens: toolCallHeadTokens(tools) };
}

/** The model shape of a config: the vocabulary is the renderer's. */
export function modelConfigFor(config: TrainConfig, renderer: Renderer): ModelConfig {
  return { vocabSize: renderer.vocabSize, ...config.model };
}

/** Rollout settings of a config (everything but the temperature and the seed of a particular rollout). */
export function rolloutOptionsFor(
  config: TrainConfig,
  renderer: Renderer,
  policy: RolloutPolicy,
  wrapEnv?: (env: Env<BfclEntry>) => Env<BfclEntry>,
): Omit<RolloutOptions<BfclEntry>, 'temperature' | 'seed'> {
  const makeEnv = (): Env<BfclEntry> => {
    const env = new BfclEnv({ maxStepsPerTurn: config.env.maxStepsPerTurn, systemPrompt: null, toolsInSystemPrompt: false });
    return wrapEnv ? wrapEnv(env) : env;
  };
  return {
    renderer,
    policy,
    makeEnv,
    topP: config.rollout.topP,
    budgets: { maxTurns: config.rollout.maxTurns, maxResponseTokens: config.rollout.maxResponseTokens, contextLength: config.model.contextLength },
    envTimeoutMs: config.env.timeoutMs,
    maxConcurrentEpisodes: config.rollout.maxBatch,
  };
}

/** A seed for one labelled use, derived from the run's seed (stateless, so resumed runs draw the same). */
function seedFor(seed: number, label: string): number {
  return new Rng(seed).fork(label).int(0x7fffffff);
}

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

/** The learner and the policy rollouts sample from: a local back end, or a Tinker-protocol service (both roles). */
async function createModel(config: TrainConfig, renderer: Renderer): Promise<{ learner: Learner; policy: RolloutPolicy }> {
  const learner = await createLearner(config, renderer);
  return { learner, policy: learner instanceof TinkerLearner ? learner : localRolloutPolicy(learner) };
}

/** A model of the config's shape where the config says models live (the policy's, or the critic's beside it). */
async function createLearner(config: TrainConfig, renderer: Renderer): Promise<Learner> {
  const model = modelConfigFor(config, renderer);
  if (config.learner.kind === 'tinker') {
    const { kind: _kind, ...remote } = config.learner;
    return createTinkerLearner({ ...remote, config: model });
  }
  return createLocalLearner({ config: model, seed: config.seed, threads: config.threads, backend: config.backend });
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

/**
 * Starts from a saved model, which must read tokens the way this run's renderer writes them. Returns the SHA-256
 * of its weights file (null when there is none here): what `seeupo compare` checks to show that every algorithm started from the same weights.
 */
async function initFrom(dir: string, learner: Learner, spec: RendererSpec): Promise<string | null> {
  if (!existsSync(dir)) throw new UserError(`init: ${dir} does not exist`);
  if (JSON.stringify(loadRendererSpec(dir)) !== JSON.stringify(spec)) {
    throw new UserError(`init: ${dir} was trained with another renderer or vocabulary than this config gives`);
  }
  // A model saved by a remote learner may keep its weights on the server: no local file to hash.
  const file = join(dir, 'model.safetensors');
  const sha256 = existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : null;
  await loadWeightsOnly(learner, dir, mkdtempSync(join(tmpdir(), 'seeupo-init-')));
  return sha256;
}

/**
 * Loads a saved model's weights with a fresh optimizer (zero moments, step 0). RL starts so: AdamW's second moments
 * from the end of SFT are those of tiny gradients, and RL's first steps divided by them were measured to move the
 * policy so far that success fell from 34% to 21% in three iterations.
 */
async function loadWeightsOnly(learner: Learner, dir: string, scratch: string): Promise<void> {
  // A remote learner keeps weights on its server; it loads them with a fresh optimizer itself.
  if (learner instanceof TinkerLearner) {
    rmSync(scratch, { recursive: true, force: true });
    return learner.loadWeights(dir);
  }
  const ckpt = await readCheckpoint(dir);
  await writeCheckpoint(scratch, { ...ckpt, optimizer: emptyOptimizerState(ckpt.config) });
  await learner.load(scratch);
  rmSync(scratch, { recursive: true, force: true });
}

interface PhaseContext {
  config: TrainConfig;
  source: TaskSource;
  renderer: Renderer;
  learner: Learner;
  policy: RolloutPolicy;
  rlRollouts: RlRollouts;
  run: RunDir;
  progress: TrainProgress;
  rolloutBase: Omit<RolloutOptions<BfclEntry>, 'temperature' | 'seed'>;
  metric: (record: Record<string, unknown>) => void;
  wall: () => number;
  cpu: () => number;
  saveModel: (name: string) => Promise<string>;
  /** Writes a resumable checkpoint of the run (with the critic's state, when the algorithm has one). */
  checkpoint: (critic?: LearnedCritic) => Promise<void>;
  /** The checkpoint this process resumed from, or null. */
  resumedFrom: string | null;
  shouldStop: () => boolean;
}

function toolsOf(task: TrainTask) {
  return entryFunctionDocs(task.entry.involvedClasses).map(openAiTool);
}

async function demonstrations(ctx: PhaseContext): Promise<SupervisedExample[]> {
  const file = ctx.config.sft.demonstrationsFile;
  if (file !== null) {
    const tools = entryFunctionDocs(ctx.source.classes).map(openAiTool);
    return readDemonstrations(file).map((messages) => ctx.renderer.supervisedExample(messages, tools));
  }
  const out: SupervisedExample[] = [];
  for (let i = 0; i < ctx.config.sft.demonstrations; i++) {
    const task = ctx.source.task('train', i);
    const env = ctx.rolloutBase.makeEnv();
    out.push(ctx.renderer.supervisedExample(await ctx.source.demonstration(task, env), toolsOf(task)));
    await env.close();
  }
  return out;
}

/** The demonstrations that fit the model's context; the others are left out with a warning, never cut in silence. */
function fitting(ctx: PhaseContext, examples: SupervisedExample[], firstStart: boolean): SupervisedExample[] {
  const limit = ctx.config.model.contextLength;
  const kept = examples.filter((e) => e.tokens.length <= limit);
  if (kept.length === 0) throw new UserError(`every demonstration is longer than the model's context (${limit} tokens): raise model.contextLength`);
  // Said once, when SFT starts: a resumed run has the line already.
  if (kept.length < examples.length && firstStart) {
    const message = `${examples.length - kept.length} of ${examples.length} demonstrations are longer than the context (${limit} tokens) and are left out`;
    ctx.progress.log(`warning: ${message}`);
    ctx.metric({ kind: 'warning', message, time: { wallS: ctx.wall() } });
  }
  return kept;
}

/** SFT with validation every `evalEvery` steps; returns true when interrupted. Ends in phase 'rl'. */
async function runSft(ctx: PhaseContext, state: TrainerState): Promise<boolean> {
  const { config, learner, progress } = ctx;
  const sft = config.sft;
  const examples = fitting(ctx, await demonstrations(ctx), state.sftStep === 0);
  const block = logBlock(sft.evalEvery);
  const optim = { lr: sft.lr, beta1: config.optimizer.beta1, beta2: config.optimizer.beta2, weightDecay: config.optimizer.weightDecay, maxGradNorm: config.optimizer.maxGradNorm };
  let acc = { loss: 0, tokens: 0, steps: 0, skipped: 0, t: Date.now() };
  progress.start('sft', sft.steps, state.sftStep);
  const outOfTime = () => sft.maxSeconds !== null && ctx.wall() >= sft.maxSeconds;
  while (state.sftStep < sft.steps && state.evalsWithoutImprovement < sft.patience && !outOfTime()) {
    const step = ++state.sftStep;
    const pick = new Rng(config.seed).fork(`sft:${step}`);
    const batch = sampleWithoutReplacement(examples.length, Math.min(sft.batchSize, examples.length), pick).map((i) => examples[i]!);
    const r = await sftStep(learner, batch, optim);
    if (r.skipped || !Number.isFinite(r.loss)) {
      acc.skipped++;
      progress.log(`warning: SFT step ${step}: non-finite loss or gradient; update skipped, weights unchanged`);
    } else acc.loss += r.loss;
    acc.tokens += r.tokens;
    acc.steps++;
    if (step % block === 0) {
      const stepS = (Date.now() - acc.t) / 1000 / acc.steps;
      ctx.metric({ kind: 'sft', step, examples: step * sft.batchSize, loss: acc.loss / Math.max(1, acc.steps - acc.skipped), tokens: acc.tokens, skipped: acc.skipped, time: { wallS: ctx.wall(), cpuS: ctx.cpu(), stepS } });
      progress.update(step, { loss: (acc.loss / Math.max(1, acc.steps - acc.skipped)).toFixed(3) });
      acc = { loss: 0, tokens: 0, steps: 0, skipped: 0, t: Date.now() };
    }
    if (step % sft.evalEvery === 0 || step === sft.steps || outOfTime()) {
      const t = Date.now();
      const v = await evaluateSplit({ source: ctx.source, split: 'test', first: VALIDATION_OFFSET, n: sft.validationTasks, k: 0, seed: seedFor(config.seed, `validate:${step}`), rollout: { ...ctx.rolloutBase } });
      ctx.metric(evalRecord('sft', step, 'validation', v, { wallS: ctx.wall(), cpuS: ctx.cpu(), evalS: (Date.now() - t) / 1000 }));
      if (v.greedy > state.bestValidation) {
        state.bestValidation = v.greedy;
        state.bestStep = step;
        state.evalsWithoutImprovement = 0;
        await ctx.saveModel('sft-best');
      } else state.evalsWithoutImprovement++;
      progress.log(`SFT step ${step}: validation success ${pct(v.greedy)} (best ${pct(state.bestValidation)} at step ${state.bestStep})`);
      await ctx.checkpoint();
      if (ctx.shouldStop()) return true;
    }
  }
  if (state.bestStep > 0) await loadWeightsOnly(learner, join(ctx.run.checkpoints, 'sft-best'), join(ctx.run.checkpoints, 'rl-start'));
  const [test, heldout] = await finalEvaluation(ctx, 'sft', state.bestStep);
  state.sftResult = { test: test.greedy, heldout: heldout.greedy };
  progress.log(`after SFT (best step ${state.bestStep}): test ${pct(test.greedy)}, held-out ${pct(heldout.greedy)}`);
  state.phase = 'rl';
  await ctx.checkpoint();
  return ctx.shouldStop();
}

/** RL iterations with periodic evaluation; returns true when interrupted. Ends in phase 'done'. */
async function runRl(ctx: PhaseContext, state: TrainerState, algo: ReturnType<typeof resolveTrainAlgorithm>): Promise<boolean> {
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

async function periodicEvaluation(ctx: PhaseContext, it: number): Promise<void> {
  const evals: SplitEvaluation[] = [];
  for (const split of ['test', 'heldout'] as const) {
    const t = Date.now();
    const e = await evaluateSplit({ source: ctx.source, split, first: 0, n: ctx.config.eval.tasks, k: ctx.config.eval.k, seed: seedFor(ctx.config.seed, `eval:rl:${it}:${split}`), rollout: ctx.rolloutBase });
    ctx.metric(evalRecord('rl', it, split, e, { wallS: ctx.wall(), cpuS: ctx.cpu(), evalS: (Date.now() - t) / 1000 }));
    evals.push(e);
  }
  writeSamples(ctx, `rl-${it}`, evals);
  ctx.progress.log(`RL iteration ${it}: test ${pct(evals[0]!.greedy)}, held-out ${pct(evals[1]!.greedy)}`);
}

async function finalEvaluation(ctx: PhaseContext, phase: 'sft' | 'rl', step: number): Promise<[SplitEvaluation, SplitEvaluation]> {
  const out: SplitEvaluation[] = [];
  ctx.progress.log(`evaluating after ${phase.toUpperCase()} on ${ctx.config.eval.finalTasks} test and held-out tasks...`);
  for (const split of ['test', 'heldout'] as const) {
    const t = Date.now();
    const e = await evaluateSplit({ source: ctx.source, split, first: 0, n: ctx.config.eval.finalTasks, k: ctx.config.eval.k, seed: seedFor(ctx.config.seed, `eval:${phase}:final:${split}`), rollout: ctx.rolloutBase });
    ctx.metric(evalRecord(phase, step, split, e, { wallS: ctx.wall(), cpuS: ctx.cpu(), evalS: (Date.now() - t) / 1000 }));
    out.push(e);
  }
  writeSamples(ctx, `${phase}-${step}`, out);
  return [out[0]!, out[1]!];
}

function evalRecord(phase: 'sft' | 'rl', step: number, split: Split | 'validation', e: SplitEvaluation, time: { wallS: number; cpuS: number; evalS: number }) {
  return { kind: 'eval', phase, step, split, n: e.n, greedy: e.greedy, k: e.k, passAtK: e.passAtK, avgAtK: e.avgAtK, failed: e.failed, ...(e.labels ? { episodeLabels: e.labels } : {}), time };
}

/** A few readable transcripts per evaluation: successes and failures from each split. */
function writeSamples(ctx: PhaseContext, name: string, evals: readonly SplitEvaluation[]): void {
  const samples = evals.flatMap((e) => {
    const pick = [...e.episodes.filter((x) => x.success).slice(0, 2), ...e.episodes.filter((x) => !x.success).slice(0, 2)];
    return pick.map((x) => ({ split: e.split, taskId: x.trajectory.taskId, success: x.success, reward: x.trajectory.reward, status: x.trajectory.status, messages: x.messages }));
  });
  ctx.run.writeJson(join('samples', `${name}.json`), samples);
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

/** SFT metrics lines come in blocks that divide the validation interval, so a resumed run's lines align. */
function logBlock(evalEvery: number): number {
  for (let b = Math.min(25, evalEvery); b > 1; b--) if (evalEvery % b === 0) return b;
  return 1;
}

function sampleWithoutReplacement(n: number, k: number, rng: Rng): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx.slice(0, k);
}


