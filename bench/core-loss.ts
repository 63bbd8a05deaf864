import * as tf from '@tensorflow/tfjs';
import { sequenceClipLoss, tokenClipLoss } from '../src/algos/losses.js';
import type { TokenData } from '../src/algos/token-data.js';
import { Rng } from '../src/core/rng.js';
import type { Bench, BenchResult } from './types.js';
import { withRatio } from './types.js';

/**
 * Loss + ∂L/∂logp on a 100k-token batch (1,000 samples × 100 tokens): the core's closed form against the
 * alternative design, TensorFlow.js autodiff of the same loss (CPU backend), measured in the same run.
 */
const SAMPLES = 1000;
const LEN = 100;

function timeIt(fn: () => void, minMs = 1500): number {
  fn(); // warm-up
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    fn();
    n++;
  }
  return (performance.now() - t0) / n;
}

export const coreLossBench: Bench = {
  name: 'core-loss',
  description: 'policy loss + dL/dlogp on 100k tokens: closed form vs TF.js autodiff (same run)',
  async run(log) {
    await tf.setBackend('cpu');
    const rng = new Rng(1);
    const n = SAMPLES * LEN;
    const offsets = Int32Array.from({ length: SAMPLES + 1 }, (_, i) => i * LEN);
    const data: TokenData = { offsets, mask: new Float64Array(n).fill(1), sampleWeights: new Float64Array(SAMPLES).fill(1), trajectoryIds: Array.from({ length: SAMPLES }, (_, i) => `t${i}`) };
    const old = Float64Array.from({ length: n }, () => -1 - rng.next());
    const logp = Float64Array.from(old, (o) => o + 0.1 * rng.normal());
    const adv = Float64Array.from({ length: n }, (_, t) => Math.sin(Math.floor(t / LEN)));
    const oldT = tf.tensor1d(Array.from(old));
    const advT = tf.tensor1d(Array.from(adv));
    const lpArr = Array.from(logp);
    const results: BenchResult[] = [];
    const cases: { name: string; closed: () => void; autodiff: (lp: tf.Tensor) => tf.Scalar }[] = [
      {
        name: 'token-clip',
        closed: () => tokenClipLoss(logp, old, adv, data, { clipLow: 0.2, clipHigh: 0.2, dualClip: 3, aggregation: 'token-mean' }),
        autodiff: (lp) => {
          const r = lp.sub(oldT).exp();
          const l = tf.maximum(advT.neg().mul(r), advT.neg().mul(tf.clipByValue(r, 0.8, 1.2)));
          return tf.where(advT.less(0), tf.minimum(l, advT.neg().mul(3)), l).mean() as tf.Scalar;
        },
      },
      {
        name: 'seq-clip',
        closed: () => sequenceClipLoss(logp, old, adv, data, { clipLow: 3e-4, clipHigh: 4e-4, aggregation: 'seq-mean-token-mean' }),
        autodiff: (lp) => {
          const s = lp.sub(oldT).reshape([SAMPLES, LEN]).mean(1).exp();
          const a = advT.reshape([SAMPLES, LEN]).mean(1);
          return tf.maximum(a.neg().mul(s), a.neg().mul(tf.clipByValue(s, 1 - 3e-4, 1 + 4e-4))).mean() as tf.Scalar;
        },
      },
    ];
    for (const c of cases) {
      const closedMs = timeIt(c.closed);
      const gradFn = tf.grad(c.autodiff);
      const autodiffMs = timeIt(() => {
        tf.tidy(() => {
          const g = gradFn(tf.tensor1d(lpArr));
          g.dataSync();
        });
      });
      log(`  ${c.name}: closed form ${closedMs.toFixed(2)} ms, TF.js autodiff ${autodiffMs.toFixed(2)} ms`);
      // Throughput in tokens per second, so the ratio reads "times faster than the baseline".
      results.push(
        withRatio({
          bench: `core-loss/${c.name}`,
          value: n / (closedMs / 1000),
          unit: 'tok/s',
          baseline: { name: 'tfjs-cpu-autodiff', value: n / (autodiffMs / 1000) },
          config: { samples: SAMPLES, tokensPerSample: LEN },
        }),
      );
    }
    return results;
  },
};
