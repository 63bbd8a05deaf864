/**
 * The core's closed-form ∂L/∂logp, back-propagated by a model back end, must give the same weight gradients (and
 * so the same weights after training) as automatic differentiation through the whole loss written in tensor ops.
 * The back end here is a tiny log-linear token policy in TensorFlow.js (CPU, float32).
 */
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { LossResult } from '../../src/algos/losses.js';
import { klLoss, reinforceLoss, sequenceClipLoss, tokenClipLoss } from '../../src/algos/losses.js';
import { Rng } from '../../src/core/rng.js';
import { assertClose, makeData } from './helpers.js';

await tf.setBackend('cpu');

const F = 4; // features per token
const V = 5; // vocabulary
const masks = [[1, 1, 0], [1, 1, 1, 1], [0, 1]];
const data = makeData(masks);
const T = data.mask.length;
const rng = new Rng(31);
const features = tf.tensor2d(Array.from({ length: T * F }, () => rng.normal()), [T, F]);
const tokens = tf.tensor1d(Array.from({ length: T }, () => rng.int(V)), 'int32');
const tokenOneHot = tf.oneHot(tokens, V).toFloat();
const W0 = Array.from({ length: F * V }, () => 0.5 * rng.normal());
const advPerSample = [1.3, -0.7, 0.4];
const adv = Float64Array.from(masks.flatMap((m, i) => m.map(() => advPerSample[i]!)));
// Membership of tokens in samples, times the mask: [samples, T].
const member = tf.tensor2d(masks.flatMap((_, i) => Array.from({ length: T }, (_, t) => (t >= data.offsets[i]! && t < data.offsets[i + 1]! ? data.mask[t]! : 0))), [masks.length, T]);
const counts = member.sum(1);

function logpOf(W: tf.Tensor): tf.Tensor1D {
  return tf.logSoftmax(features.matMul(W)).mul(tokenOneHot).sum(1) as tf.Tensor1D;
}

/** seq-mean-token-mean of per-token values, written independently of the core. */
function seqMeanTokenMean(l: tf.Tensor): tf.Tensor {
  return member.matMul(l.reshape([T, 1])).reshape([masks.length]).div(counts).mean();
}

const A = tf.tensor1d(Array.from(adv));
const clip = (x: tf.Tensor, lo: number, hi: number) => tf.clipByValue(x, lo, hi);
const direct: Record<string, (lp: tf.Tensor, old: tf.Tensor, ref: tf.Tensor) => tf.Tensor> = {
  'token-clip-dual': (lp, old) => {
    const r = lp.sub(old).exp();
    const l = tf.maximum(A.neg().mul(r), A.neg().mul(clip(r, 0.8, 1.25)));
    const dual = tf.where(A.less(0), tf.minimum(l, A.neg().mul(1.5)), l);
    return seqMeanTokenMean(dual);
  },
  'seq-clip': (lp, old) => {
    const s = member.matMul(lp.sub(old).reshape([T, 1])).reshape([masks.length]).div(counts).exp();
    const a = tf.tensor1d(advPerSample);
    return tf.maximum(a.neg().mul(s), a.neg().mul(clip(s, 0.9, 1.1))).mean();
  },
  reinforce: (lp) => seqMeanTokenMean(A.neg().mul(lp)),
  'kl-k3': (lp, _old, ref) => {
    const d = lp.sub(ref);
    return seqMeanTokenMean(d.neg().exp().add(d).sub(1).mul(0.3));
  },
};
const closed: Record<string, (lp: Float64Array, old: Float64Array, ref: Float64Array) => LossResult> = {
  'token-clip-dual': (lp, old) => tokenClipLoss(lp, old, adv, data, { clipLow: 0.2, clipHigh: 0.25, dualClip: 1.5, aggregation: 'seq-mean-token-mean' }),
  'seq-clip': (lp, old) => sequenceClipLoss(lp, old, adv, data, { clipLow: 0.1, clipHigh: 0.1, aggregation: 'seq-mean-token-mean' }),
  reinforce: (lp) => reinforceLoss(lp, adv, data, 'seq-mean-token-mean'),
  'kl-k3': (lp, _old, ref) => klLoss(lp, ref, data, { estimator: 'k3', coef: 0.3, aggregation: 'seq-mean-token-mean' }),
};

for (const name of Object.keys(direct)) {
  test(`${name}: back end driven by ∂L/∂logp reaches the same weights as autodiff through the loss`, () => {
    const lr = 0.5;
    let wA = tf.tensor2d(W0, [F, V]);
    let wB = tf.tensor2d(W0, [F, V]);
    const old = logpOf(wA);
    const oldArr = Float64Array.from(old.dataSync());
    const ref = old.add(tf.tensor1d(Array.from({ length: T }, (_, i) => 0.3 * Math.sin(i))));
    const refArr = Float64Array.from(ref.dataSync());
    let clipped = 0;
    for (let step = 0; step < 4; step++) {
      // A: the back end returns log-probs, the core gives ∂L/∂logp, the back end computes the VJP.
      const lp = Float64Array.from(logpOf(wA).dataSync());
      const { grad, clipFraction } = closed[name]!(lp, oldArr, refArr);
      clipped = Math.max(clipped, clipFraction);
      const gA = tf.grads((w: tf.Tensor) => logpOf(w))([wA], tf.tensor1d(Array.from(grad)))[0]!;
      // B: autodiff through the whole loss.
      const gB = tf.grad((w: tf.Tensor) => direct[name]!(logpOf(w), old, ref) as tf.Scalar)(wB);
      assertClose(gA.dataSync(), gB.dataSync(), 2e-5, `${name} step ${step} gradient`);
      wA = wA.sub(gA.mul(lr));
      wB = wB.sub(gB.mul(lr));
    }
    assertClose(wA.dataSync(), wB.dataSync(), 2e-5, `${name} final weights`);
    // The steps must have moved the weights (and, for the clipped losses, left the ratio-1 region).
    const moved = tf.sub(wA, tf.tensor2d(W0, [F, V])).abs().max().dataSync()[0]!;
    if (!(moved > 1e-3)) throw new Error(`${name}: weights did not move`);
    if (name.includes('clip') && !(clipped > 0)) throw new Error(`${name}: the clipped branch was never exercised`);
  });
}
