import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { actionTokens, jointToActions, loadInstance, makeInstance } from '../../src/lab/instance.js';
import type { Instance } from '../../src/lab/instance.js';
import { makeParameterisation } from '../../src/lab/parameterisation.js';
import type { Parameterisation } from '../../src/lab/parameterisation.js';
import { SoftmaxPolicy } from '../../src/lab/policy.js';
import { randomInstance } from '../../src/lab/random-instance.js';
import { runLab } from '../../src/lab/run.js';
import { DecisionTree } from '../../src/lab/tree.js';
import { assertClose, finiteDifferences } from '../algos/helpers.js';

/**
 * ∇J computed directly, independently of the lab's port and of the algorithm core: by the score-function identity
 * ∇J = Σ_j p(j) R_j Σ_{turns, tokens} ∇log π(token | node), with ∂log π(v|node)/∂logits = onehot(v) − π(·|node),
 * pulled back through the parameterisation's logit Jacobian.
 */
function directGradient(inst: Instance, tree: DecisionTree, param: Parameterisation, theta: Float64Array): Float64Array {
  const pol = new SoftmaxPolicy(tree, param, theta);
  const p = pol.jointProbabilities();
  const grad = new Float64Array(param.size);
  for (let j = 0; j < inst.jointCount; j++) {
    const coef = p[j]! * inst.reward[j]!;
    const acts = jointToActions(inst, j);
    let h = 0;
    acts.forEach((a, t) => {
      const tokens = actionTokens(inst, t, a);
      tree.nodesOf(t, h, tokens).forEach((node, k) => {
        const o = tree.valueOffset[node]!;
        const d = Float64Array.from({ length: inst.vocab[t]! }, (_, u) => coef * ((u === tokens[k] ? 1 : 0) - pol.probs[o + u]!));
        param.backprop(node, d, grad);
      });
      h = h * inst.actions[t]! + a;
    });
  }
  return grad;
}

function expectedReward(tree: DecisionTree, param: Parameterisation, theta: Float64Array): number {
  return new SoftmaxPolicy(tree, param, theta).expectedReward();
}

const INSTANCES = [
  loadInstance('lab/instances/coordination-2x2.json'),
  loadInstance('lab/instances/three-turn-trap.json'),
  loadInstance('lab/instances/two-token-turns.json'),
  loadInstance('lab/instances/noisy-bernoulli.json'),
  randomInstance(11),
  // Three-token turns: deeper token prefixes within a turn.
  makeInstance({
    name: 'three-tokens',
    turns: [{ vocab: 2, length: 3 }, { vocab: 3, length: 1 }],
    reward: Array.from({ length: 24 }, (_, j) => ((j * 7) % 11) / 10),
    init: { logitBias: [[0.3, -0.2], [0, 0.5, -0.5]] },
  }),
];

test('the direct ∇J agrees with finite differences of the exact J', () => {
  const rng = new Rng(3);
  for (const inst of INSTANCES) {
    const tree = new DecisionTree(inst);
    for (const spec of ['tabular', 'per-turn', 'linear:4']) {
      const param = makeParameterisation(spec, tree, new Rng(0).fork('features'));
      const theta = Float64Array.from(param.initial(), (x) => x + 0.5 * rng.normal());
      const fd = finiteDifferences((th) => expectedReward(tree, param, th), theta, 1e-5);
      assertClose(directGradient(inst, tree, param, theta), fd, 1e-8, `${inst.name} ${spec}`);
    }
  }
});

test('REINFORCE contract: `reinforce --exact --optimizer sgd --lr X` steps exactly θ ← θ + X·∇J, every iteration', async () => {
  for (const inst of INSTANCES) {
    const tree = new DecisionTree(inst);
    for (const spec of ['tabular', 'per-turn', 'linear:4']) {
      for (const lr of [0.5, 3]) {
        const opts = { algo: 'reinforce', policy: spec, exact: true, lr, optimizer: 'sgd' as const, group: 8, seed: 7 };
        // runLab derives the features from seed 7's 'features' stream: rebuild the same parameterisation.
        const param = makeParameterisation(spec, tree, new Rng(7).fork('features'));
        let theta = param.initial();
        for (let k = 1; k <= 3; k++) {
          const expected = theta.map((x, i) => x + lr * directGradient(inst, tree, param, theta)[i]!);
          const got = (await runLab(inst, { ...opts, iters: k })).theta;
          assert.equal(got.length, expected.length);
          for (let i = 0; i < got.length; i++) {
            assert.ok(Math.abs(got[i]! - expected[i]!) <= 1e-9, `${inst.name} ${spec} lr ${lr} iteration ${k} θ[${i}]: ${got[i]} vs ${expected[i]}`);
          }
          theta = got;
        }
      }
    }
  }
});
