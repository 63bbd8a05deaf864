import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/core/rng.js';
import type { Trajectory } from '../src/core/types.js';
import { runIteration } from '../src/algos/iteration.js';
import { resolveAlgorithm } from '../src/algos/registry.js';
import { createLocalLearner } from '../src/policy/native/select.js';
import { createRenderer } from '../src/render/index.js';
import { playEpisodes, type EpisodeSpec } from '../src/rollout/episodes.js';
import { localRolloutPolicy } from '../src/rollout/local-policy.js';
import { loadTrainConfig } from '../src/train/config.js';
import { generatedTaskSource } from '../src/train/generated-tasks.js';
import { LearnerPort } from '../src/train/learner-port.js';
import { sftStep } from '../src/train/sft.js';
import { modelConfigFor, rendererSpecFor, rolloutOptionsFor } from '../src/train/model-setup.js';
import type { BfclEntry } from '../src/envs/bfcl/data.js';
import { runPytorchBaseline } from './pytorch-baseline.js';
import type { Bench, BenchResult } from './types.js';
import { withRatio } from './types.js';

const WARM_SFT_STEPS = 60;

/**
 * One RL iteration of the default `seeupo train` config, on the default back end, after a short SFT so that
 * responses have an agent's shape (a random model writes to the token limit):
 * - `rl-iteration/rollout`: sampled tokens per second of the lockstep rollout (B × G episodes, environment included),
 *   against PyTorch + OpenBLAS generating with a KV cache in one batch of B × G prompts of the rollout's mean prompt
 *   length, the same number of new tokens each, same model shape, one thread, measured right after;
 * - `rl-iteration/update`: seconds of SeeUPO's update on that batch (no baseline: the next bench compares it);
 * - `seeupo-update`: SeeUPO's sequential update phase against one joint GRPO epoch on the same batch and the same
 *   starting weights (goal: at most 1.2×; SeeUPO takes one optimizer step per turn index, GRPO one in all).
 */
export const rlBench: Bench = {
  name: 'rl',
  description: 'one default RL iteration: rollout tok/s vs PyTorch batched generation; SeeUPO update time vs a joint GRPO epoch',
  async run(log) {
    const config = loadTrainConfig(undefined);
    const source = generatedTaskSource(config.tasks, config.seed);
    const renderer = createRenderer(rendererSpecFor(config, source));
    const model = modelConfigFor(config, renderer);
    const learner = await createLocalLearner({ config: model, seed: 0, threads: config.threads, backend: config.backend });
    const dir = mkdtempSync(join(tmpdir(), 'seeupo-bench-rl-'));
    try {
      const base = rolloutOptionsFor(config, renderer, localRolloutPolicy(learner));
      log(`  warm-up: ${WARM_SFT_STEPS} SFT steps`);
      const demos = [];
      for (let i = 0; i < 64; i++) {
        const task = source.task('train', i);
        const env = base.makeEnv();
        demos.push(renderer.supervisedExample(await source.demonstration(task, env), []));
      }
      for (let s = 0; s < WARM_SFT_STEPS; s++) await sftStep(learner, demos.slice((s * 16) % 64, (s * 16) % 64 + 16), { lr: config.sft.lr, maxGradNorm: 1 });

      const { tasksPerIteration: B, groupSize: G } = config.rollout;
      const specs: EpisodeSpec<BfclEntry>[] = [];
      for (let b = 0; b < B; b++) {
        const t = source.task('train', 1000 + b);
        for (let g = 0; g < G; g++) specs.push({ id: `${t.id}:${g}`, taskId: t.id, groupId: t.id, task: t.entry });
      }
      log(`  rollout: ${B} tasks × ${G}`);
      const t0 = performance.now();
      const episodes = await playEpisodes(specs, { ...base, temperature: 1, seed: 1 });
      const rolloutS = (performance.now() - t0) / 1000;
      const sampled = episodes.reduce((a, e) => a + e.sampledTokens, 0);
      const turns = episodes.flatMap((e) => e.trajectory.turns);
      const meanPrompt = Math.round(turns.reduce((a, t) => a + t.contextTokens.length, 0) / turns.length);
      const perEpisode = Math.max(1, Math.round(sampled / episodes.length));

      // Rewards drawn at random so every group has a non-zero advantage (the cost of an update does not depend on them).
      const rng = new Rng(3);
      const batch: Trajectory[] = episodes.map((e) => ({ ...e.trajectory, status: 'ok', reward: rng.next() < 0.5 ? 1 : 0 }));
      await learner.save(dir);
      const updateSeconds = async (name: string) => {
        await learner.load(dir);
        const port = new LearnerPort(learner, config.optimizer);
        const t = performance.now();
        await runIteration(resolveAlgorithm(name), batch, port, { rng: new Rng(0), warn: () => {} });
        return (performance.now() - t) / 1000;
      };
      log('  update: seeupo, then grpo, on the same batch and weights');
      const seeupoS = await updateSeconds('seeupo');
      const grpoS = await updateSeconds('grpo');

      log(`  pytorch baseline: one batch of ${specs.length} prompts × ${meanPrompt} tokens, ${perEpisode} new tokens each`);
      const py = await runPytorchBaseline(
        { ...model, batch: specs.length, threads: config.threads, steps: 1, warmupSteps: 1, promptLength: meanPrompt, genTokens: perEpisode },
        log,
      );
      const baseName = 'pytorch-cpu-openblas-batched-generation';
      const common = { backend: config.backend, tasks: B, groupSize: G, episodes: specs.length, sampledTokens: sampled, meanPromptTokens: meanPrompt, turns: turns.length };
      const results: BenchResult[] = [
        withRatio({
          bench: 'rl-iteration/rollout',
          value: sampled / rolloutS,
          unit: 'sampled tok/s',
          baseline: 'missing' in py ? { name: baseName, value: null, missing: py.missing } : { name: baseName, value: py.genTokPerSec },
          config: { ...common, rolloutSeconds: rolloutS },
        }),
        withRatio({ bench: 'rl-iteration/update', value: seeupoS, unit: 's', baseline: null, config: { ...common, algorithm: 'seeupo' } }),
        withRatio({ bench: 'seeupo-update', value: seeupoS, unit: 's', baseline: { name: 'grpo-joint-epoch', value: grpoS }, config: { ...common, goal: 'ratio <= 1.2' } }),
      ];
      return results;
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await learner.dispose();
    }
  },
};
