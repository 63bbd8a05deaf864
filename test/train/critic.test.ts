import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { TurnBatch } from '../../src/core/turn-batch.js';
import type { Trajectory } from '../../src/core/types.js';
import type { Learner, ModelConfig, ScoredSequence } from '../../src/policy/learner.js';
import { initWasmBackend } from '../../src/policy/tfjs/backend.js';
import { TfjsEngine } from '../../src/policy/tfjs/engine.js';
import { flatLayout, fromFlat, toFlat } from '../../src/policy/tfjs/layout.js';
import { TfjsLearner } from '../../src/policy/tfjs/learner.js';
import type { Weights } from '../../src/policy/weights.js';
import { LearnedCritic } from '../../src/train/critic.js';
import { LearnerPort } from '../../src/train/learner-port.js';
import { finiteDifferences, randomWeights, referenceLogprobs } from '../policy/reference-gpt.js';

const config: ModelConfig = { vocabSize: 7, contextLength: 8, dModel: 8, nLayers: 1, nHeads: 2 };
const V_TOKEN = 6;

/** Two trajectories, three turn samples with contexts of different lengths. */
function batch(): TurnBatch {
  const turn = (index: number, contextTokens: number[]) => ({ index, contextTokens, responseTokens: [3, 4], behaviourLogprobs: [-1, -1], lossMask: [1, 1] });
  const trajs: Trajectory[] = [
    { id: 'a', taskId: 't', groupId: 'g', reward: 1, status: 'ok', turns: [turn(0, [1, 2]), turn(1, [1, 2, 3, 4, 5])] },
    { id: 'b', taskId: 't', groupId: 'g', reward: 0, status: 'ok', turns: [turn(0, [2])] },
  ];
  return TurnBatch.fromTrajectories(trajs);
}

test('LearnerPort.values: V = lo + (hi − lo)·exp(log-prob of the value token scored right after each turn\'s context)', async () => {
  const learner = await TfjsLearner.create({ config, seed: 4, threads: 1 });
  try {
    const critic = new LearnedCritic(learner, { optim: { lr: 0.01 }, valueRange: [-1, 2], valueToken: V_TOKEN });
    const port = new LearnerPort(learner, { lr: 0.01 }, undefined, critic);
    const b = batch();
    const values = await port.values!(b);
    const contexts = b.samples.map((s) => s.turn.contextTokens);
    const lp = await learner.logprobs(contexts.map((c) => ({ tokens: Int32Array.from([...c, V_TOKEN]), responseStart: c.length })));
    assert.deepEqual([...values], lp.map((x) => -1 + 3 * Math.exp(x[0]!)));
    assert.ok(values.every((v) => v > -1 && v < 2));
    // The forward of valuesForwardBackward gives the same values; gradOf null runs no backward.
    assert.deepEqual([...(await port.valuesForwardBackward!(b, () => null))], [...values]);
    assert.equal(new LearnerPort(learner, { lr: 0.01 }).values, undefined, 'no critic, no values');
  } finally {
    await learner.dispose();
  }
});


/** A `Learner` over one TF.js engine whose accumulated gradients the test reads (no `forwardBackwardFn`). */
function engineLearner(engine: TfjsEngine): Learner {
  const unused = () => Promise.reject(new Error('not used by the critic test'));
  return {
    config,
    logprobs: async (b: readonly ScoredSequence[]) => engine.logprobs(b, 0),
    forwardBackward: async (b: readonly ScoredSequence[], d: readonly Float32Array[]) => engine.forwardBackward(b, d, 0),
    optimStep: unused,
    sample: unused,
    save: unused,
    load: unused,
    dispose: async () => engine.dispose(),
  };
}

test('valuesForwardBackward: the weight gradient of ½Σ(V − y)² through ∂L/∂logp = ∂L/∂V·(hi − lo)·p equals central finite differences', async () => {
  await initWasmBackend();
  const w = randomWeights(8, config);
  const layout = flatLayout(config);
  const grads = new Float32Array(layout.total);
  const engine = new TfjsEngine(config, toFlat(layout, w), grads, 0);
  const [lo, hi] = [-0.5, 1.5];
  const critic = new LearnedCritic(engineLearner(engine), { optim: { lr: 0.01 }, valueRange: [lo, hi], valueToken: V_TOKEN });
  const b = batch();
  const targets = [1.2, -0.3, 0.4];
  const values = await critic.valuesForwardBackward(b, (v) => v.map((x, i) => x - targets[i]!));
  const g = fromFlat(layout, grads);

  const contexts = b.samples.map((s) => s.turn.contextTokens);
  const L = (wt: Weights) =>
    contexts.reduce((acc, c, i) => {
      const v = lo + (hi - lo) * Math.exp(referenceLogprobs(config, wt, [...c, V_TOKEN], c.length)[0]!);
      return acc + 0.5 * (v - targets[i]!) ** 2;
    }, 0);
  const w64 = new Map([...w].map(([k, v]) => [k, Float64Array.from(v)]));
  values.forEach((v, i) => {
    const c = contexts[i]!;
    const ref = lo + (hi - lo) * Math.exp(referenceLogprobs(config, w64 as unknown as Weights, [...c, V_TOKEN], c.length)[0]!);
    assert.ok(Math.abs(v - ref) < 1e-5, `value ${i}: ${v} vs reference ${ref}`);
  });
  let largest = 0;
  for (const { name, idx, fd } of finiteDifferences(config, w64, L, new Rng(2))) {
    const got = g.get(name)![idx]!;
    largest = Math.max(largest, Math.abs(fd));
    assert.ok(Math.abs(got - fd) <= 2e-5 + 2e-3 * Math.abs(fd), `${name}[${idx}]: ${got} vs finite difference ${fd}`);
  }
  assert.ok(largest > 1e-3, 'the check saw real gradients');
  engine.dispose();
});

test('the critic steps with the policy: LearnerPort.step moves both models, and a fitted critic\'s value approaches its target', async () => {
  const policy = await TfjsLearner.create({ config, seed: 1, threads: 1 });
  const criticModel = await TfjsLearner.create({ config, seed: 2, threads: 1 });
  try {
    const critic = new LearnedCritic(criticModel, { optim: { lr: 0.05 }, valueRange: [0, 1], valueToken: V_TOKEN });
    const port = new LearnerPort(policy, { lr: 0.01 }, undefined, critic);
    const b = batch();
    const before = await port.values!(b);
    const policyBefore = await port.logprobs(b);
    const target = Float64Array.from([0.9, 0.5, 0.1]);
    for (let i = 0; i < 30; i++) {
      await port.forwardBackward(b, (lp) => lp.map(() => 0.01));
      await port.valuesForwardBackward!(b, (v) => v.map((x, j) => x - target[j]!));
      const s = await port.step();
      assert.equal(s.skipped, false);
    }
    const after = await port.values!(b);
    const err = (v: Float64Array) => v.reduce((a, x, j) => a + (x - target[j]!) ** 2, 0);
    assert.ok(err(after) < 0.1 * err(before), `squared error ${err(before)} -> ${err(after)}`);
    const policyAfter = await port.logprobs(b);
    assert.ok(policyAfter.every((x, j) => x < policyBefore[j]!), 'the policy stepped too (∂L/∂logp > 0 lowers every log-prob)');
  } finally {
    await policy.dispose();
    await criticModel.dispose();
  }
});

test('a critic refuses a value token outside the vocabulary and an empty value range', async () => {
  const learner = await TfjsLearner.create({ config, seed: 4, threads: 1 });
  try {
    assert.throws(() => new LearnedCritic(learner, { optim: { lr: 1 }, valueRange: [0, 1], valueToken: 7 }), /outside the vocabulary/);
    assert.throws(() => new LearnedCritic(learner, { optim: { lr: 1 }, valueRange: [1, 1], valueToken: 0 }), /empty/);
  } finally {
    await learner.dispose();
  }
});
