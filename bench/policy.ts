import { Rng } from '../src/core/rng.js';
import type { Learner, ModelConfig, ScoredSequence } from '../src/policy/learner.js';
import { parameterCount } from '../src/policy/weights.js';
import { TfjsLearner } from '../src/policy/tfjs/learner.js';
import { loadNativeAddon } from '../src/policy/native/addon.js';
import { NativeLearner } from '../src/policy/native/native-learner.js';
import { runPytorchBaseline, type PytorchBaselineResult } from './pytorch-baseline.js';
import type { Bench, BenchResult } from './types.js';
import { withRatio } from './types.js';

/**
 * Training and generation throughput of each local policy back end on the benchmark shape (issue 4: GPT,
 * vocab 512, d 128, 4 layers, 4 heads, context 256, batch 8; 0.89M parameters), each against PyTorch + OpenBLAS
 * on the same shape with the same thread count, measured right after it in the same run (bench/pytorch-baseline.ts).
 *
 * - training tok/s: forwardBackward on batch × context tokens with a given ∂L/∂logp, then optimStep (AdamW,
 *   clip 1.0); tokens per step = batch × context, as in bench/pytorch_gpt.py.
 * - generation tok/s: `batch` prompts of PROMPT_LEN tokens, GEN_TOKENS sampled tokens each with the KV cache
 *   (temperature 1, full vocabulary); tokens = batch × GEN_TOKENS.
 *
 * A back end is one entry of `policyBackends`: add another (e.g. the native one) by appending to that list.
 */
export const BENCH_SHAPE: ModelConfig = { vocabSize: 512, contextLength: 256, dModel: 128, nLayers: 4, nHeads: 4 };
const BATCH = 8;
const PROMPT_LEN = 16;
const GEN_TOKENS = 128;
const WARMUP_STEPS = 1;
const TIMED_STEPS = 5;

export interface PolicyBackendUnderTest {
  /** Short name used in bench names, e.g. "tfjs". */
  name: string;
  threads: number;
  /** Why this back end cannot run here (e.g. the native addon is not built), or null. */
  unavailable(): Promise<string | null>;
  create(config: ModelConfig, seed: number, threads: number): Promise<Learner>;
}

export const policyBackends: PolicyBackendUnderTest[] = [
  ...[1, 2].map((threads) => ({
    name: 'tfjs',
    threads,
    unavailable: async () => null,
    create: (config: ModelConfig, seed: number, t: number) => TfjsLearner.create({ config, seed, threads: t }),
  })),
  // libtorch through the N-API addon: torch intra-op threads = `threads`, OpenBLAS on one (as the baseline).
  ...[1, 2].map((threads) => ({
    name: 'native',
    threads,
    unavailable: async () => {
      const addon = loadNativeAddon();
      return addon.available ? null : addon.reason;
    },
    create: (config: ModelConfig, seed: number, t: number) => NativeLearner.create({ config, seed, threads: t }),
  })),
];

export interface Throughput {
  trainTokPerSec: number;
  trainMsPerStep: number;
  /** CPU time of the whole process (all threads) per timed step: steadier than wall time on a shared machine. */
  trainCpuMsPerStep: number;
  genTokPerSec: number;
}

/** Times WARMUP_STEPS + TIMED_STEPS training steps and one generation run on `learner`. */
export async function measureLearner(learner: Learner, log: (line: string) => void): Promise<Throughput> {
  const { vocabSize: V, contextLength: C } = learner.config;
  const rng = new Rng(1);
  const batch: ScoredSequence[] = Array.from({ length: BATCH }, () => ({ tokens: Int32Array.from({ length: C }, () => rng.int(V)), responseStart: 1 }));
  const dLdLogp = batch.map(() => new Float32Array(C - 1).fill(-1 / (BATCH * (C - 1))));
  let t0 = 0;
  let cpu0 = process.cpuUsage();
  for (let s = 0; s < WARMUP_STEPS + TIMED_STEPS; s++) {
    if (s === WARMUP_STEPS) {
      t0 = performance.now();
      cpu0 = process.cpuUsage();
    }
    const a = performance.now();
    await learner.forwardBackward(batch, dLdLogp);
    await learner.optimStep({ lr: 1e-3, weightDecay: 0.1, maxGradNorm: 1 });
    log(`    step ${s + 1}/${WARMUP_STEPS + TIMED_STEPS}${s < WARMUP_STEPS ? ' (warm-up)' : ''}: ${(performance.now() - a).toFixed(0)} ms`);
  }
  const trainMsPerStep = (performance.now() - t0) / TIMED_STEPS;
  const cpu = process.cpuUsage(cpu0);
  const trainCpuMsPerStep = (cpu.user + cpu.system) / 1000 / TIMED_STEPS;
  const prompts = Array.from({ length: BATCH }, () => Int32Array.from({ length: PROMPT_LEN }, () => rng.int(V)));
  await learner.sample(prompts, { maxTokens: 4, seed: 1 }); // warm-up
  const g0 = performance.now();
  const outs = await learner.sample(prompts, { maxTokens: GEN_TOKENS, seed: 2 });
  const genMs = performance.now() - g0;
  const generated = outs.reduce((n, o) => n + o.tokens.length, 0);
  return { trainTokPerSec: (BATCH * C) / (trainMsPerStep / 1000), trainMsPerStep, trainCpuMsPerStep, genTokPerSec: generated / (genMs / 1000) };
}

export const policyBench: Bench = {
  name: 'policy',
  description: 'local policy back ends: training and generation tok/s on the issue-4 shape vs PyTorch + OpenBLAS (same threads, same run)',
  async run(log) {
    const results: BenchResult[] = [];
    // The baseline runs right after each back end, not once per thread count: the machine may be shared, and
    // its load changes within minutes, so adjacent measurements give the fairest ratio.
    const baselineFor = async (threads: number): Promise<PytorchBaselineResult> => {
      log(`  pytorch baseline, ${threads} thread(s)`);
      return runPytorchBaseline({ ...BENCH_SHAPE, batch: BATCH, threads, steps: 10, warmupSteps: 2, promptLength: PROMPT_LEN, genTokens: GEN_TOKENS }, log);
    };
    for (const backend of policyBackends) {
      const id = `${backend.name}-${backend.threads}t`;
      const config = { ...BENCH_SHAPE, params: parameterCount(BENCH_SHAPE), batch: BATCH, threads: backend.threads, backend: backend.name };
      const why = await backend.unavailable();
      if (why !== null) {
        log(`  ${id}: not available (${why})`);
        continue;
      }
      log(`  ${id}: training ${WARMUP_STEPS}+${TIMED_STEPS} steps, then generating ${BATCH}×${GEN_TOKENS} tokens`);
      const learner = await backend.create(BENCH_SHAPE, 0, backend.threads);
      let m: Throughput;
      try {
        m = await measureLearner(learner, log);
      } finally {
        await learner.dispose();
      }
      log(`  ${id}: ${m.trainTokPerSec.toFixed(0)} training tok/s (${m.trainMsPerStep.toFixed(0)} ms/step, ${m.trainCpuMsPerStep.toFixed(0)} ms CPU/step), ${m.genTokPerSec.toFixed(0)} generation tok/s`);
      const base = await baselineFor(backend.threads);
      const baseName = `pytorch-cpu-openblas-${backend.threads}t`;
      const baseline = (value: 'trainTokPerSec' | 'genTokPerSec') =>
        'missing' in base ? { name: baseName, value: null, missing: base.missing } : { name: baseName, value: base[value] };
      results.push(withRatio({ bench: `policy-train/${id}`, value: m.trainTokPerSec, unit: 'tok/s', baseline: baseline('trainTokPerSec'), config: { ...config, msPerStep: m.trainMsPerStep, cpuMsPerStep: m.trainCpuMsPerStep, timedSteps: TIMED_STEPS } }));
      results.push(withRatio({ bench: `policy-generate/${id}`, value: m.genTokPerSec, unit: 'tok/s', baseline: baseline('genTokPerSec'), config: { ...config, promptTokens: PROMPT_LEN, generatedTokens: GEN_TOKENS } }));
    }
    return results;
  },
};
