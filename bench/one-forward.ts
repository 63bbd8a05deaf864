import { Rng } from '../src/core/rng.js';
import type { Learner, ScoredSequence } from '../src/policy/learner.js';
import { localBackends, SAMPLING_SHAPE } from './sampling.js';
import type { Bench, BenchResult } from './types.js';
import { withRatio } from './types.js';

/**
 * One forward per optimizer step: a policy-gradient update step (∂L/∂logp depends on the log-probs) on the
 * default model, 1 thread, through `forwardBackwardFn` (one forward; its graph serves the backward pass) against
 * `logprobs` + `forwardBackward` (two forwards), as LearnerPort runs them. A batch is 64 agent turns of 40-90
 * tokens, the last 10-30 scored; tokens per step = all tokens of the batch. Best of REPEATS runs of STEPS steps.
 */
const SEQUENCES = 64;
const STEPS = 4;
const REPEATS = 3;


const gradOf = (logp: readonly Float32Array[]) => logp.map((a) => a.map((x) => -Math.exp(x) / SEQUENCES));

export const oneForwardBench: Bench = {
  name: 'one-forward',
  description: 'update step with a log-prob-dependent gradient on the default model, 1 thread: forwardBackwardFn (one forward) vs logprobs + forwardBackward',
  async run(log) {
    const rng = new Rng(4);
    const batch: ScoredSequence[] = Array.from({ length: SEQUENCES }, () => {
      const n = 40 + rng.int(51);
      return { tokens: Int32Array.from({ length: n }, () => rng.int(SAMPLING_SHAPE.vocabSize)), responseStart: n - 10 - rng.int(21) };
    });
    const tokens = batch.reduce((n, s) => n + s.tokens.length, 0);
    const routes = {
      'two forwards': async (l: Learner) => {
        const lp = await l.logprobs(batch);
        await l.forwardBackward(batch, gradOf(lp));
      },
      'one forward': async (l: Learner) => {
        await l.forwardBackwardFn!(batch, gradOf);
      },
    };
    const results: BenchResult[] = [];
    for (const backend of localBackends) {
      const why = backend.unavailable();
      if (why !== null) {
        log(`  ${backend.name}: not available (${why})`);
        continue;
      }
      const learner = await backend.create();
      try {
        const ms: Record<string, { wall: number; cpu: number }> = {};
        for (const [name, step] of Object.entries(routes)) {
          await step(learner); // warm-up
          await learner.optimStep({ lr: 1e-4 });
          for (let r = 0; r < REPEATS; r++) {
            const c0 = process.cpuUsage();
            const t0 = performance.now();
            for (let s = 0; s < STEPS; s++) {
              await step(learner);
              await learner.optimStep({ lr: 1e-4 });
            }
            const wall = (performance.now() - t0) / STEPS;
            const c = process.cpuUsage(c0);
            const cpu = (c.user + c.system) / 1000 / STEPS;
            if (ms[name] === undefined || wall < ms[name]!.wall) ms[name] = { wall, cpu };
          }
          log(`  ${backend.name}, ${name}: ${ms[name]!.wall.toFixed(0)} ms/step (${ms[name]!.cpu.toFixed(0)} ms CPU)`);
        }
        const one = ms['one forward']!;
        const two = ms['two forwards']!;
        results.push(
          withRatio({
            bench: `one-forward/${backend.name}`,
            value: tokens / (one.wall / 1000),
            unit: 'tok/s',
            baseline: { name: `${backend.name} logprobs + forwardBackward`, value: tokens / (two.wall / 1000) },
            config: { ...SAMPLING_SHAPE, threads: 1, sequences: SEQUENCES, tokensPerStep: tokens, steps: STEPS, repeats: REPEATS, msPerStep: { one: one.wall, two: two.wall }, cpuMsPerStep: { one: one.cpu, two: two.cpu } },
          }),
        );
      } finally {
        await learner.dispose();
      }
    }
    return results;
  },
};
