import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { aggregationCoefficients } from '../../../src/algos/aggregation.js';
import { reinforceLoss, tokenClipLoss } from '../../../src/algos/losses.js';
import { resolveAlgorithm } from '../../../src/algos/registry.js';
import type { TokenData } from '../../../src/algos/token-data.js';
import { builtinLossFor, type BuiltinLoss } from '../../../src/policy/remote/builtin-loss.js';
import type { TinkerLearner } from '../../../src/policy/remote/tinker-learner.js';
import { client, OPTIM, probes, removeDir, serve, tempDir, cleanup } from './helpers.js';

afterEach(cleanup);

test('builtinLossFor: ppo for token PPO-clip without dual clip or KL, importance_sampling for one-step REINFORCE, none otherwise', () => {
  assert.deepEqual(builtinLossFor(resolveAlgorithm('grpo')), { lossFn: 'ppo', clipLowThreshold: 0.8, clipHighThreshold: 1.2 });
  assert.deepEqual(builtinLossFor(resolveAlgorithm('reinforce')), { lossFn: 'importance_sampling' });
  assert.equal(builtinLossFor(resolveAlgorithm('reinforce', { schedule: { epochs: 2 } })), null);
  assert.equal(builtinLossFor(resolveAlgorithm('seeupo')), null); // sequence-level clip
  assert.equal(builtinLossFor(resolveAlgorithm('gspo')), null);
  assert.equal(builtinLossFor(resolveAlgorithm('grpo', { loss: { dualClip: 3 } })), null);
  assert.equal(builtinLossFor(resolveAlgorithm('grpo', { kl: { coef: 0.1, estimator: 'k3' } })), null);
});

/** The probe batch as the core's TokenData (one sample per sequence, every scored token counted). */
function tokenDataOf(lengths: number[]): TokenData {
  const offsets = new Int32Array(lengths.length + 1);
  lengths.forEach((n, i) => (offsets[i + 1] = offsets[i]! + n));
  return { offsets, mask: new Float64Array(offsets[lengths.length]!).fill(1), sampleWeights: new Float64Array(lengths.length).fill(1), trajectoryIds: lengths.map((_, i) => `t${i >> 1}`) };
}

function split(flat: Float64Array, lengths: number[]): Float32Array[] {
  let o = 0;
  return lengths.map((n) => Float32Array.from(flat.subarray(o, (o += n))));
}

/**
 * One optimizer step both ways from the same weights: the custom route (forward, the core's ∂L/∂logp,
 * forward_backward with cross_entropy) and the server's built-in loss with the core's advantages × aggregation
 * coefficients. The gradients are the same numbers computed in another order, so the steps agree to float
 * rounding (not bit for bit).
 */
async function sameStep(algo: string, builtin: BuiltinLoss, perturb: number, tolerance: number): Promise<void> {
  const dir = await tempDir();
  const server = await serve(join(dir, 's'));
  const custom = await client(server);
  const fused = await client(server);
  try {
    const batch = probes();
    const lengths = batch.map((s) => s.tokens.length - s.responseStart);
    const data = tokenDataOf(lengths);
    const logp = Float64Array.from((await custom.logprobs(batch)).flatMap((a) => Array.from(a)));
    const n = logp.length;
    // Old log-probs away from the current ones (so some ratios leave the clip range), advantages of both signs.
    const old = Float64Array.from(logp, (x, t) => Math.fround(x + perturb * Math.sin(3 * t)));
    const adv = Float64Array.from({ length: n }, (_, t) => Math.cos(2 * t + 1));
    const config = resolveAlgorithm(algo);
    const result =
      config.loss.kind === 'token-clip'
        ? tokenClipLoss(logp, old, adv, data, { clipLow: config.loss.clipLow, clipHigh: config.loss.clipHigh, dualClip: null, aggregation: config.aggregation })
        : reinforceLoss(logp, adv, data, config.aggregation);
    if (config.loss.kind === 'token-clip') assert.ok(result.clipFraction > 0.1 && result.clipFraction < 0.9, `clip fraction ${result.clipFraction}`);
    const c = aggregationCoefficients(data, config.aggregation);

    await custom.forwardBackward(batch, split(result.grad, lengths));
    const viaBuiltin = await fused.forwardBackwardBuiltin(batch, builtin, {
      advantages: split(Float64Array.from(adv, (a, t) => a * c[t]!), lengths),
      logprobs: split(old, lengths),
    });
    assert.deepEqual(viaBuiltin, split(logp, lengths), 'forward log-probs of the built-in pass');
    const sa = await custom.optimStep(OPTIM);
    const sb = await fused.optimStep(OPTIM);
    assert.ok(Math.abs(sa.gradNorm - sb.gradNorm) <= 1e-6 * sa.gradNorm, `grad norms ${sa.gradNorm} vs ${sb.gradNorm}`);
    await assertClose(custom, fused, tolerance);
  } finally {
    await custom.dispose();
    await fused.dispose();
    await server.close();
    await removeDir(dir);
  }
}

async function assertClose(a: TinkerLearner, b: TinkerLearner, tolerance: number): Promise<void> {
  const la = await a.logprobs(probes());
  const lb = await b.logprobs(probes());
  let maxDiff = 0;
  la.forEach((x, i) => x.forEach((v, k) => (maxDiff = Math.max(maxDiff, Math.abs(v - lb[i]![k]!)))));
  assert.ok(maxDiff <= tolerance, `log-probs after the step differ by ${maxDiff}`);
}

test('GRPO\'s loss as the built-in ppo gives the custom route\'s step (to float rounding)', async () => {
  await sameStep('grpo', { lossFn: 'ppo', clipLowThreshold: 0.8, clipHighThreshold: 1.2 }, 0.3, 1e-6);
});
test('one-step REINFORCE as the built-in importance_sampling gives the custom route\'s step exactly', async () => {
  await sameStep('reinforce', { lossFn: 'importance_sampling' }, 0, 0);
});

test('built-in losses need the server to sum', async () => {
  const dir = await tempDir();
  const server = await serve(join(dir, 's'), { normalisation: 'mean' });
  const remote = await client(server, { normalisation: 'mean' });
  try {
    const batch = probes().slice(0, 1);
    const one = [new Float32Array(batch[0]!.tokens.length - batch[0]!.responseStart)];
    await assert.rejects(remote.forwardBackwardBuiltin(batch, { lossFn: 'importance_sampling' }, { advantages: one, logprobs: one }), /built-in losses need normalisation 'sum'/);
  } finally {
    await remote.dispose();
    await server.close();
    await removeDir(dir);
  }
});
