import { Rng } from '../src/core/rng.js';
import type { Learner, ModelConfig } from '../src/policy/learner.js';
import { loadNativeAddon } from '../src/policy/native/addon.js';
import { NativeLearner } from '../src/policy/native/native-learner.js';
import { TfjsLearner } from '../src/policy/tfjs/learner.js';
import { parameterCount } from '../src/policy/weights.js';
import { runPytorchBaseline } from './pytorch-baseline.js';
import type { Bench, BenchResult } from './types.js';
import { withRatio } from './types.js';

/**
 * Sampling as rollouts use it, on the default model of `seeupo train` (0.47M parameters: vocab 300, d128, 2 layers,
 * 4 heads), one thread per back end:
 * - batch scaling: 256 prompts of 40 tokens, 8 new tokens each, in 16 calls of 16 and in one call of 256 (lockstep
 *   rollouts of B×G episodes are the second), against PyTorch's batched KV-cache generation (bench/pytorch_gpt.py)
 *   of one batch of the same size, measured right after;
 * - prefix reuse: 64 lockstep episodes of 4 turns (a 40-token first prompt; each turn samples 8 tokens, then 10
 *   environment tokens are appended), with sessions (each episode's KV cache kept between turns) against the same
 *   episodes without.
 * Each number is the best of REPEATS runs (the machine may be shared); CPU time is reported beside wall time.
 */
export const SAMPLING_SHAPE: ModelConfig = { vocabSize: 300, contextLength: 256, dModel: 128, nLayers: 2, nHeads: 4 };
const PROMPTS = 256;
const PROMPT_LEN = 40;
const NEW_TOKENS = 8;
const BATCHES = [16, 256];
const EPISODES = 64;
const TURNS = 4;
const ENV_TOKENS = 10;
const REPEATS = 3;

/** The local back ends on the sampling shape, one thread each (also what bench/one-forward.ts measures). */
export interface Backend {
  name: string;
  unavailable(): string | null;
  create(): Promise<Learner>;
}

export const localBackends: Backend[] = [
  {
    name: 'native',
    unavailable: () => {
      const a = loadNativeAddon();
      return a.available ? null : a.reason;
    },
    create: () => NativeLearner.create({ config: SAMPLING_SHAPE, seed: 0, threads: 1 }),
  },
  { name: 'tfjs', unavailable: () => null, create: () => TfjsLearner.create({ config: SAMPLING_SHAPE, seed: 0, threads: 1 }) },
];

interface Timing {
  wallMs: number;
  cpuMs: number;
  tokens: number;
}

/** The fastest of REPEATS runs of `run` (wall time), with its CPU time. */
async function best(run: () => Promise<number>): Promise<Timing> {
  let out: Timing | null = null;
  for (let i = 0; i < REPEATS; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const tokens = await run();
    const wallMs = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (out === null || wallMs < out.wallMs) out = { wallMs, cpuMs: (c.user + c.system) / 1000, tokens };
  }
  return out!;
}

const perSec = (t: Timing) => t.tokens / (t.wallMs / 1000);

/** Generated tokens of all prompts, sampled `batch` prompts per call. */
async function generate(learner: Learner, prompts: readonly Int32Array[], batch: number): Promise<number> {
  let n = 0;
  for (let i = 0; i < prompts.length; i += batch) {
    for (const o of await learner.sample(prompts.slice(i, i + batch), { maxTokens: NEW_TOKENS, seed: 1 })) n += o.tokens.length;
  }
  return n;
}

/** Lockstep multi-turn episodes; returns the generated tokens. */
async function episodes(learner: Learner, sessions: boolean, round: number): Promise<number> {
  const rng = new Rng(7);
  let ctx = Array.from({ length: EPISODES }, () => Array.from({ length: PROMPT_LEN }, () => rng.int(SAMPLING_SHAPE.vocabSize)));
  const keys = ctx.map((_, i) => `bench-${round}-${i}`);
  let n = 0;
  for (let t = 0; t < TURNS; t++) {
    const out = await learner.sample(
      ctx.map((c) => Int32Array.from(c)),
      { maxTokens: NEW_TOKENS, seed: t },
      sessions ? keys : undefined,
    );
    n += out.reduce((k, o) => k + o.tokens.length, 0);
    ctx = ctx.map((c, i) => [...c, ...out[i]!.tokens, ...Array.from({ length: ENV_TOKENS }, () => rng.int(SAMPLING_SHAPE.vocabSize))]);
  }
  if (sessions) await learner.endSessions?.(keys);
  return n;
}

export const samplingBench: Bench = {
  name: 'sampling',
  description: 'rollout sampling on the default model, 1 thread: tok/s in batches of 16 vs one batch of 256 (vs PyTorch batched generation), and multi-turn prefix reuse',
  async run(log) {
    const results: BenchResult[] = [];
    const rng = new Rng(3);
    const prompts = Array.from({ length: PROMPTS }, () => Int32Array.from({ length: PROMPT_LEN }, () => rng.int(SAMPLING_SHAPE.vocabSize)));
    const config = { ...SAMPLING_SHAPE, params: parameterCount(SAMPLING_SHAPE), threads: 1, prompts: PROMPTS, promptTokens: PROMPT_LEN, newTokens: NEW_TOKENS, repeats: REPEATS };
    for (const backend of localBackends) {
      const why = backend.unavailable();
      if (why !== null) {
        log(`  ${backend.name}: not available (${why})`);
        continue;
      }
      const learner = await backend.create();
      try {
        for (const batch of BATCHES) await generate(learner, prompts.slice(0, batch), batch); // warm-up at each size
        for (const batch of BATCHES) {
          const t = await best(() => generate(learner, prompts, batch));
          log(`  ${backend.name}, batches of ${batch}: ${perSec(t).toFixed(0)} tok/s (${t.wallMs.toFixed(0)} ms wall, ${t.cpuMs.toFixed(0)} ms CPU)`);
          const base = await runPytorchBaseline(
            { ...SAMPLING_SHAPE, contextLength: PROMPT_LEN + NEW_TOKENS, batch, threads: 1, steps: 1, warmupSteps: 0, promptLength: PROMPT_LEN, genTokens: NEW_TOKENS },
            log,
          );
          const name = `pytorch-cpu-openblas-1t-batch-${batch}`;
          results.push(
            withRatio({
              bench: `sampling-batch/${backend.name}-${batch}`,
              value: perSec(t),
              unit: 'tok/s',
              baseline: 'missing' in base ? { name, value: null, missing: base.missing } : { name, value: base.genTokPerSec },
              config: { ...config, batch, wallMs: t.wallMs, cpuMs: t.cpuMs, cpuTokPerSec: t.tokens / (t.cpuMs / 1000) },
            }),
          );
        }
        let round = 0;
        const plain = await best(() => episodes(learner, false, round++));
        const cached = await best(() => episodes(learner, true, round++));
        log(`  ${backend.name}, ${EPISODES} episodes × ${TURNS} turns: ${plain.wallMs.toFixed(0)} ms without sessions, ${cached.wallMs.toFixed(0)} ms with (CPU ${plain.cpuMs.toFixed(0)} / ${cached.cpuMs.toFixed(0)} ms)`);
        results.push(
          withRatio({
            bench: `sampling-prefix-reuse/${backend.name}`,
            value: perSec(cached),
            unit: 'tok/s',
            baseline: { name: `${backend.name} without sessions`, value: perSec(plain) },
            config: { ...config, episodes: EPISODES, turns: TURNS, envTokensPerTurn: ENV_TOKENS, wallMs: { sessions: cached.wallMs, none: plain.wallMs }, cpuMs: { sessions: cached.cpuMs, none: plain.cpuMs } },
          }),
        );
      } finally {
        await learner.dispose();
      }
    }
    return results;
  },
};
