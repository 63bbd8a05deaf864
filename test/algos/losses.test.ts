import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AGGREGATIONS } from '../../src/algos/aggregation.js';
import type { LossResult } from '../../src/algos/losses.js';
import { KL_ESTIMATORS, clippedValueLoss, klLoss, reinforceLoss, sequenceClipLoss, tokenClipLoss } from '../../src/algos/losses.js';
import { Rng } from '../../src/core/rng.js';
import { assertClose, finiteDifferences, makeData, randomArray } from './helpers.js';

const L = Math.log;

test('token PPO-clip: hand-computed values, clipped and unclipped branches', () => {
  const data = makeData([[1, 1]]);
  const opts = { clipLow: 0.2, clipHigh: 0.2, dualClip: null, aggregation: 'token-mean' as const };
  // r = 1.5 with A = 1 → clipped at 1.2 (−1.2, no gradient); r = 0.5 with A = −1 → clipped at 0.8 (0.8, none).
  let r = tokenClipLoss(Float64Array.of(L(1.5), L(0.5)), new Float64Array(2), Float64Array.of(1, -1), data, opts);
  assertClose(r.value, (-1.2 + 0.8) / 2);
  assertClose(r.grad, [0, 0]);
  assert.equal(r.clipFraction, 1);
  // Inside the range: l = −A r and ∂l/∂logp = −A r.
  r = tokenClipLoss(Float64Array.of(L(1.1), L(0.9)), new Float64Array(2), Float64Array.of(1, -1), data, opts);
  assertClose(r.value, (-1.1 + 0.9) / 2);
  assertClose(r.grad, [-0.55, 0.45]);
  assert.equal(r.clipFraction, 0);
  // Outside the range on the pessimistic side the unclipped branch keeps its gradient: A = −1, r = 1.5 → 1.5.
  r = tokenClipLoss(Float64Array.of(L(1.5)), new Float64Array(1), Float64Array.of(-1), makeData([[1]]), opts);
  assertClose(r.value, 1.5);
  assertClose(r.grad, [1.5]);
});

test('token PPO-clip: dual clip caps the loss at −c·A for negative advantages', () => {
  const data = makeData([[1]]);
  const base = { clipLow: 0.2, clipHigh: 0.2, aggregation: 'token-mean' as const };
  const lp = Float64Array.of(L(5));
  const noDual = tokenClipLoss(lp, new Float64Array(1), Float64Array.of(-1), data, { ...base, dualClip: null });
  assertClose(noDual.value, 5);
  assertClose(noDual.grad, [5]);
  const dual = tokenClipLoss(lp, new Float64Array(1), Float64Array.of(-1), data, { ...base, dualClip: 3 });
  assertClose(dual.value, 3);
  assertClose(dual.grad, [0]);
  assert.equal(dual.clipFraction, 1);
  // Positive advantages are unaffected by the dual clip.
  const pos = tokenClipLoss(Float64Array.of(L(0.5)), new Float64Array(1), Float64Array.of(1), data, { ...base, dualClip: 3 });
  assertClose(pos.value, -0.5);
});

test('sequence (GSPO) loss: one ratio per sample from the mean log-ratio, hand-computed', () => {
  const data = makeData([[1, 1], [1, 1, 0]]);
  const logp = Float64Array.of(0.1, -0.3, 0.4, 0.6, 9); // the masked token (9) must not count
  const adv = Float64Array.of(2, 2, -1, -1, -1);
  const r = sequenceClipLoss(logp, new Float64Array(5), adv, data, { clipLow: 0.2, clipHigh: 0.2, aggregation: 'seq-mean-token-mean' });
  const s0 = Math.exp(-0.1); // inside [0.8, 1.2]: l = −2 s0
  const s1 = Math.exp(0.5); // A < 0 and s above 1.2: the unclipped branch (larger) is taken: l = s1
  assertClose(r.value, (-2 * s0 + s1) / 2);
  assertClose(r.grad, [(-2 * s0) / 4, (-2 * s0) / 4, s1 / 4, s1 / 4, 0]);
  assert.equal(r.clipFraction, 0);
  // A > 0 and s above the range: clipped, no gradient.
  const c = sequenceClipLoss(Float64Array.of(0.5), new Float64Array(1), Float64Array.of(1), makeData([[1]]), { clipLow: 0.2, clipHigh: 0.2, aggregation: 'seq-mean-token-mean' });
  assertClose(c.value, -1.2);
  assertClose(c.grad, [0]);
  assert.equal(c.clipFraction, 1);
});

test('REINFORCE: −A·Σ log π with token-sum aggregation', () => {
  const data = makeData([[1, 1, 0]]);
  const r = reinforceLoss(Float64Array.of(-1, -2, -3), Float64Array.of(0.5, 0.5, 0.5), data, 'seq-mean-token-sum');
  assertClose(r.value, 0.5 * 3);
  assertClose(r.grad, [-0.5, -0.5, 0]);
});

test('KL estimators k1, k2, k3: hand-computed values and gradients', () => {
  const data = makeData([[1]]);
  const lp = Float64Array.of(-1);
  const ref = Float64Array.of(-1.5); // d = 0.5
  const expect = { k1: [0.5, 1], k2: [0.125, 0.5], k3: [Math.exp(-0.5) - 0.5, 1 - Math.exp(-0.5)] };
  for (const est of KL_ESTIMATORS) {
    const r = klLoss(lp, ref, data, { estimator: est, coef: 2, aggregation: 'token-mean' });
    assertClose(r.value, 2 * expect[est][0]!, 1e-12, est);
    assertClose(r.grad, [2 * expect[est][1]!], 1e-12, est);
  }
});

test('clipped value loss: hand-computed', () => {
  // V = 1 with V_old = 0.5, ε = 0.2 → clip(V) = 0.7; G = 0: ½·max(1, 0.49) = 0.5, gradient V − G = 1.
  let r = clippedValueLoss(Float64Array.of(1), Float64Array.of(0.5), Float64Array.of(0), Float64Array.of(1), 0.2);
  assertClose(r.value, 0.5);
  assertClose(r.grad, [1]);
  // V = 0.1, V_old = 0.5, G = 1: unclipped ½·0.81, clipped ½·(0.3 − 1)² = ½·0.49 → unclipped.
  r = clippedValueLoss(Float64Array.of(0.1), Float64Array.of(0.5), Float64Array.of(1), Float64Array.of(1), 0.2);
  assertClose(r.value, 0.405);
  assertClose(r.grad, [-0.9]);
  // V = 0.9, V_old = 0.5, G = 0: unclipped 0.405, clipped ½·0.49 → unclipped; V = 0.9 with G = 2: clipped wins.
  r = clippedValueLoss(Float64Array.of(0.9, 0.9), Float64Array.of(0.5, 0.5), Float64Array.of(0, 2), Float64Array.of(1, 3), 0.2);
  assertClose(r.value, 0.25 * 0.5 * 0.81 + 0.75 * 0.5 * 1.3 * 1.3);
  assertClose(r.grad, [0.25 * 0.9, 0]);
});

/** Every loss × every aggregation: the closed-form ∂L/∂logp equals central finite differences of the value. */
test('∂L/∂logp of every loss matches finite differences (random inputs, masks and weights)', () => {
  const rng = new Rng(2024);
  const masks = [[1, 1, 0, 1], [0, 1, 1], [1], [1, 1, 1, 1, 1], [0, 0]];
  const data = makeData(masks, [0.5, 2, 1, 0.25, 1], ['a', 'b', 'a', 'c', 'd']);
  const n = masks.flat().length;
  for (let trial = 0; trial < 4; trial++) {
    const old = randomArray(rng, n, 0.5, -1.5);
    const logp = Float64Array.from(old, (o) => o + 0.3 * rng.normal());
    const adv = randomArray(rng, n);
    // Sequence losses need one advantage per sample.
    const seqAdv = new Float64Array(n);
    for (let i = 0; i < masks.length; i++) seqAdv.fill(rng.normal(), data.offsets[i], data.offsets[i + 1]);
    const ref = Float64Array.from(logp, (x) => x + 0.2 * rng.normal());
    for (const aggregation of AGGREGATIONS) {
      const cases: Record<string, (lp: Float64Array) => LossResult> = {
        'token-clip': (lp) => tokenClipLoss(lp, old, adv, data, { clipLow: 0.2, clipHigh: 0.28, dualClip: null, aggregation }),
        'token-clip-dual': (lp) => tokenClipLoss(lp, old, adv, data, { clipLow: 0.2, clipHigh: 0.2, dualClip: 1.5, aggregation }),
        'seq-clip': (lp) => sequenceClipLoss(lp, old, seqAdv, data, { clipLow: 0.1, clipHigh: 0.15, aggregation }),
        reinforce: (lp) => reinforceLoss(lp, adv, data, aggregation),
        ...Object.fromEntries(KL_ESTIMATORS.map((estimator) => [`kl-${estimator}`, (lp: Float64Array) => klLoss(lp, ref, data, { estimator, coef: 0.7, aggregation })])),
      };
      for (const [name, f] of Object.entries(cases)) {
        const fd = finiteDifferences((lp) => f(lp).value, logp);
        assertClose(f(logp).grad, fd, 1e-6, `${name}/${aggregation}/trial ${trial}`);
      }
    }
  }
});

test('value loss gradient matches finite differences', () => {
  const rng = new Rng(5);
  const v = randomArray(rng, 6, 0.5);
  const vOld = Float64Array.from(v, (x) => x + 0.3 * rng.normal());
  const g = randomArray(rng, 6);
  const w = Float64Array.of(1, 2, 0.5, 1, 1, 3);
  const fd = finiteDifferences((x) => clippedValueLoss(x, vOld, g, w, 0.1).value, v);
  assertClose(clippedValueLoss(v, vOld, g, w, 0.1).grad, fd, 1e-6);
});

test('masked tokens get no gradient from any loss', () => {
  const data = makeData([[1, 0, 1]]);
  const lp = Float64Array.of(-1, -2, -0.5);
  const adv = Float64Array.of(1, 1, 1);
  for (const r of [
    tokenClipLoss(lp, lp.map((x) => x - 0.1), adv, data, { clipLow: 0.2, clipHigh: 0.2, dualClip: 3, aggregation: 'token-mean' }),
    sequenceClipLoss(lp, lp.map((x) => x - 0.1), adv, data, { clipLow: 0.2, clipHigh: 0.2, aggregation: 'token-mean' }),
    reinforceLoss(lp, adv, data, 'token-mean'),
    klLoss(lp, lp.map((x) => x - 0.3), data, { estimator: 'k3', coef: 1, aggregation: 'token-mean' }),
  ]) {
    assert.equal(r.grad[1], 0);
  }
});
