import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { emptyOptimizerState, readCheckpoint, writeCheckpoint } from '../../src/policy/checkpoint.js';
import type { Learner, ModelConfig, ScoredSequence } from '../../src/policy/learner.js';
import { NativeLearner } from '../../src/policy/native/native-learner.js';
import { TfjsLearner } from '../../src/policy/tfjs/learner.js';
import { weightLayout } from '../../src/policy/weights.js';
import { maxAbsDiff, nativeSkip, randomWeights } from './native-reference.js';

// The same weights must mean the same model in both back ends: log-probs, gradients (through one optimizer
// step), checkpoints and samples.
const config: ModelConfig = { vocabSize: 32, contextLength: 16, dModel: 16, nLayers: 2, nHeads: 2 };
const skip = nativeSkip;

const rng = new Rng(77);
const batch: ScoredSequence[] = [16, 9, 12, 5].map((n, i) => ({ tokens: Int32Array.from({ length: n }, () => rng.int(config.vocabSize)), responseStart: 1 + i }));
const dLdLogp = batch.map((s) => Float32Array.from({ length: s.tokens.length - s.responseStart }, () => rng.normal() * 0.1));

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'seeupo-cross-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Both back ends holding the same random weights (far from uniform, unlike the 0.02-std initialisation). */
async function pair(dir: string): Promise<[Learner, Learner]> {
  await writeCheckpoint(dir, { config, weights: randomWeights(config, new Rng(5), 0.4), optimizer: emptyOptimizerState(config), backend: 'test', extra: {} });
  const native = await NativeLearner.create({ config, seed: 1, threads: 1 });
  const tfjs = await TfjsLearner.create({ config, seed: 2, threads: 1 });
  await native.load(dir);
  await tfjs.load(dir);
  return [native, tfjs];
}

function assertClose(a: readonly Float32Array[], b: readonly Float32Array[], tol: number, what: string): void {
  assert.equal(a.length, b.length);
  a.forEach((x, i) => assert.ok(maxAbsDiff(x, b[i]!) < tol, `${what} ${i}: max |diff| ${maxAbsDiff(x, b[i]!)}`));
}

test('cross-backend: the same seed gives the same weights, and the same weights give the same log-probs (1e-4)', { skip }, async () => {
  const native = await NativeLearner.create({ config, seed: 3, threads: 1 });
  const tfjs = await TfjsLearner.create({ config, seed: 3, threads: 1 });
  assertClose(await native.logprobs(batch), await tfjs.logprobs(batch), 1e-4, 'initialised, sequence');
  await Promise.all([native.dispose(), tfjs.dispose()]);
  await withTempDir(async (dir) => {
    const [n, t] = await pair(dir);
    const a = await n.logprobs(batch);
    assertClose(a, await t.logprobs(batch), 1e-4, 'sequence');
    assert.ok(Math.max(...a[0]!) - Math.min(...a[0]!) > 2, 'log-probs far from uniform (-log 32 = -3.47 everywhere)');
    await Promise.all([n.dispose(), t.dispose()]);
  });
});

test('cross-backend: one step driven by the same ∂L/∂logp gives the same weights (1e-4), and checkpoints cross over', { skip }, async () => {
  await withTempDir(async (dir) => {
    const [n, t] = await pair(join(dir, 'start'));
    assertClose(await n.forwardBackward(batch, dLdLogp), await t.forwardBackward(batch, dLdLogp), 1e-4, 'forward log-probs');
    // eps 1e-3 keeps the step proportional to small gradients rather than lr·sign(g): the key bias's gradient is
    // exactly zero in exact arithmetic (softmax is shift-invariant), so both back ends hold float noise (~2e-8)
    // there, which Adam with eps 1e-8 would blow up to ±lr steps of opposite signs.
    const opts = { lr: 1e-2, eps: 1e-3, weightDecay: 0.1, maxGradNorm: 0.5 };
    const [rn, rt] = [await n.optimStep(opts), await t.optimStep(opts)];
    assert.equal(rn.skipped, false);
    assert.ok(Math.abs(rn.gradNorm - rt.gradNorm) < 1e-4 * rn.gradNorm, `grad norm ${rn.gradNorm} vs ${rt.gradNorm}`);
    assert.ok(rn.gradNorm > 0.5, 'the clip is active');
    await n.save(join(dir, 'native'));
    await t.save(join(dir, 'tfjs'));
    const [cn, ct, c0] = await Promise.all([readCheckpoint(join(dir, 'native')), readCheckpoint(join(dir, 'tfjs')), readCheckpoint(join(dir, 'start'))]);
    assert.equal(cn.optimizer.step, 1);
    assert.equal(ct.optimizer.step, 1);
    let moved = 0;
    for (const { name } of weightLayout(config)) {
      assert.ok(maxAbsDiff(cn.weights.get(name)!, ct.weights.get(name)!) < 1e-4, `${name}: max |diff| ${maxAbsDiff(cn.weights.get(name)!, ct.weights.get(name)!)}`);
      moved = Math.max(moved, maxAbsDiff(cn.weights.get(name)!, c0.weights.get(name)!));
    }
    assert.ok(moved > 5e-3, 'the step moved the weights');
    // Each back end resumes from the other's checkpoint with the same log-probs as the writer.
    const [n2, t2] = [await NativeLearner.create({ config, seed: 9, threads: 1 }), await TfjsLearner.create({ config, seed: 9, threads: 1 })];
    await n2.load(join(dir, 'tfjs'));
    await t2.load(join(dir, 'native'));
    assertClose(await n2.logprobs(batch), await t.logprobs(batch), 1e-4, 'native from tfjs checkpoint');
    assertClose(await t2.logprobs(batch), await n.logprobs(batch), 1e-4, 'tfjs from native checkpoint');
    await Promise.all([n, t, n2, t2].map((l) => l.dispose()));
  });
});

test('cross-backend: the same seed samples the same tokens with the same behaviour log-probs', { skip }, async () => {
  await withTempDir(async (dir) => {
    const [n, t] = await pair(dir);
    const prompts = batch.map((s) => s.tokens.slice(0, 3 + s.responseStart));
    for (const params of [
      { maxTokens: 8, seed: 4 },
      { maxTokens: 8, seed: 4, temperature: 0.7, topP: 0.9, stopTokens: [3] },
    ]) {
      const [a, b] = [await n.sample(prompts, params), await t.sample(prompts, params)];
      a.forEach((o, i) => {
        assert.deepEqual(o.tokens, b[i]!.tokens, `prompt ${i}`);
        assert.equal(o.finishReason, b[i]!.finishReason);
        assert.ok(maxAbsDiff(o.logprobs, b[i]!.logprobs) < 1e-4);
      });
    }
    await Promise.all([n.dispose(), t.dispose()]);
  });
});
