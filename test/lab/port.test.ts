import { test } from 'node:test';
import assert from 'node:assert/strict';
import { policyLoss } from '../../src/algos/iteration.js';
import { tokenData } from '../../src/algos/token-data.js';
import { TurnBatch } from '../../src/core/turn-batch.js';
import { Rng } from '../../src/core/rng.js';
import { labAlgorithm } from '../../src/lab/algorithms.js';
import { loadInstance } from '../../src/lab/instance.js';
import { Adam, Sgd } from '../../src/lab/optimizer.js';
import { makeParameterisation } from '../../src/lab/parameterisation.js';
import { SoftmaxPolicy } from '../../src/lab/policy.js';
import { LabPort } from '../../src/lab/port.js';
import { exactBatch, sampledBatch } from '../../src/lab/rollouts.js';
import { DecisionTree } from '../../src/lab/tree.js';
import { assertClose, finiteDifferences } from '../algos/helpers.js';

const inst = loadInstance('lab/instances/two-token-turns.json');
const tree = new DecisionTree(inst);

function portFor(spec: string, lr = 1): LabPort {
  const param = makeParameterisation(spec, tree, new Rng(2));
  return new LabPort(tree, param, new Sgd(lr));
}

test('exact batch: one trajectory per joint action, probability weights summing to 1, behaviour log-probs of the policy', () => {
  const port = portFor('tabular');
  port.theta.forEach((_, i) => (port.theta[i] = Math.sin(i)));
  const batch = exactBatch(port.policy());
  assert.equal(batch.length, 81);
  assertClose(batch.reduce((s, t) => s + t.weight!, 0), 1, 1e-12);
  const tr = batch[52]!; // actions (5, 7): tokens [1, 2] then [2, 1]
  assert.deepEqual(tr.turns.map((t) => t.responseTokens), [[1, 2], [2, 1]]);
  assert.deepEqual(tr.turns[1]!.contextTokens, [1, 2]);
  assert.equal(tr.reward, inst.reward[52]);
  const lp = tr.turns.flatMap((t) => t.behaviourLogprobs);
  assertClose(Math.exp(lp.reduce((a, b) => a + b, 0)), tr.weight!, 1e-12);
});

test('sampled batch: G rollouts, the seed decides them; bernoulli rewards are 0 or 1', () => {
  const port = portFor('tabular');
  const a = sampledBatch(port.policy(), 16, new Rng(4), 1);
  const b = sampledBatch(port.policy(), 16, new Rng(4), 1);
  assert.equal(a.length, 16);
  assert.deepEqual(a, b);
  assert.ok(a.every((t) => t.weight === undefined && t.groupId === inst.name));
  const noisy = loadInstance('lab/instances/noisy-bernoulli.json');
  const ntree = new DecisionTree(noisy);
  const pol = new SoftmaxPolicy(ntree, makeParameterisation('tabular', ntree, new Rng(0)), makeParameterisation('tabular', ntree, new Rng(0)).initial());
  const rewards = sampledBatch(pol, 200, new Rng(1), 1).map((t) => t.reward);
  assert.ok(rewards.every((r) => r === 0 || r === 1));
  assert.ok(rewards.includes(0) && rewards.includes(1));
});

test('forwardBackward accumulates exactly ∂L/∂θ of the core loss (SeeUPO sequence clip, finite differences)', async () => {
  for (const spec of ['tabular', 'per-turn', 'linear:3']) {
    const port = portFor(spec);
    const rng = new Rng(8);
    port.theta.forEach((_, i) => (port.theta[i] = 0.3 * rng.normal()));
    const trajectories = exactBatch(port.policy());
    const batch = TurnBatch.fromTrajectories(trajectories);
    const weights = new Map(trajectories.map((t) => [t.id, t.weight!]));
    const data = tokenData(batch, (id) => weights.get(id)!);
    const algo = labAlgorithm('seeupo');
    // Sequence ratios 1.0008 (outside the clip range 1 + 4e-4: clipped where A > 0) and 1.0001 (inside), alternately.
    const old = batch.behaviourLogprobs().map((x, i) => x - (i % 4 < 2 ? 0.0008 : 0.0001));
    const adv = Float64Array.from(old, (_, i) => Math.cos(i));
    const lossAt = (theta: Float64Array) => {
      const p = new LabPort(tree, port.param, new Sgd(1));
      p.theta = theta;
      let v = 0;
      void p.forwardBackward(batch, (lp) => {
        v = policyLoss(algo, lp, old, adv, null, data).value;
        return null;
      });
      return v;
    };
    const theta0 = port.theta.slice();
    await port.forwardBackward(batch, (lp) => policyLoss(algo, lp, old, adv, null, data).grad);
    const before = port.theta.slice();
    await port.step(); // SGD lr 1: θ ← θ − ∂L/∂θ
    const grad = before.map((x, i) => x - port.theta[i]!);
    assertClose(grad, finiteDifferences(lossAt, theta0, 1e-6), 1e-6, spec);
  }
});

test('oracle critic: values are the exact expected reward of each turn context; the critic learns nothing', async () => {
  const port = portFor('per-turn');
  const trajectories = exactBatch(port.policy());
  const batch = TurnBatch.fromTrajectories(trajectories.slice(50, 53));
  const v = await port.values(batch);
  const pol = port.policy();
  const vt = pol.values();
  // turn 0: V = J; turn 1 after action a: Σ_b π(b) R(a, b).
  batch.samples.forEach((s, i) => {
    const h = Number(s.trajectoryId.slice(1));
    const expected = s.turnIndex === 0 ? pol.expectedReward() : vt[1]![Math.floor(h / 9)]!;
    assertClose(v[i]!, expected, 1e-12, s.trajectoryId);
  });
  const theta = port.theta.slice();
  const again = await port.valuesForwardBackward(batch, (x) => x.map(() => 1));
  assert.deepEqual(again, v);
  await port.step();
  assert.deepEqual(port.theta, theta, 'a value gradient never reaches θ');
});

test('step reports the gradient norm and skips a non-finite gradient without touching θ', async () => {
  const port = portFor('tabular');
  const batch = TurnBatch.fromTrajectories(exactBatch(port.policy()).slice(0, 1));
  await port.forwardBackward(batch, (lp) => lp.map(() => 1));
  const s = await port.step();
  // ∂logp(v)/∂logits = onehot − π with π uniform over 3 at both token nodes of both turns: 4 nodes × |(2/3, −1/3, −1/3)|².
  assertClose(s.gradNorm, Math.sqrt(4 * (4 / 9 + 1 / 9 + 1 / 9)), 1e-12);
  assert.equal(s.skipped, false);
  const theta = port.theta.slice();
  await port.forwardBackward(batch, (lp) => lp.map(() => Number.NaN));
  const bad = await port.step();
  assert.equal(bad.skipped, true);
  assert.deepEqual(port.theta, theta);
});

test('Adam: first step moves each coordinate by lr·sign(g); bias correction exact on the second', () => {
  const theta = Float64Array.of(1, 2, 3);
  const adam = new Adam(0.1, 3);
  adam.apply(theta, Float64Array.of(0.5, -2, 0));
  assertClose(theta, [1 - 0.1 * (0.5 / (0.5 + 1e-8)), 2 + 0.1 * (2 / (2 + 1e-8)), 3], 1e-12);
  adam.apply(theta, Float64Array.of(1, 1, 1));
  const m = (g1: number, g2: number) => (0.9 * 0.1 * g1 + 0.1 * g2) / (1 - 0.81);
  const v = (g1: number, g2: number) => (0.999 * 0.001 * g1 * g1 + 0.001 * g2 * g2) / (1 - 0.999 ** 2);
  const step = (g1: number, g2: number) => (0.1 * m(g1, g2)) / (Math.sqrt(v(g1, g2)) + 1e-8);
  assertClose(theta, [1 - 0.1 * (0.5 / (0.5 + 1e-8)) - step(0.5, 1), 2 + 0.1 * (2 / (2 + 1e-8)) - step(-2, 1), 3 - step(0, 1)], 1e-12);
});
