import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { UserError } from '../../src/core/errors.js';
import { jointToActions, loadInstance } from '../../src/lab/instance.js';
import type { Instance } from '../../src/lab/instance.js';
import { makeParameterisation, parsePolicySpec } from '../../src/lab/parameterisation.js';
import { SoftmaxPolicy } from '../../src/lab/policy.js';
import { randomInstance } from '../../src/lab/random-instance.js';
import { DecisionTree } from '../../src/lab/tree.js';
import { assertClose, finiteDifferences } from '../algos/helpers.js';

const POLICIES = ['tabular', 'per-turn', 'linear:3'];

function policyAt(inst: Instance, spec: string, theta?: Float64Array): SoftmaxPolicy {
  const tree = new DecisionTree(inst);
  const param = makeParameterisation(spec, tree, new Rng(1).fork('features'));
  return new SoftmaxPolicy(tree, param, theta ?? param.initial());
}

test('decision tree: node counts and ids of a two-token instance', () => {
  const tree = new DecisionTree(loadInstance('lab/instances/two-token-turns.json'));
  // turn 0: 1 history × (1 + 3) prefixes; turn 1: 9 histories × 4 prefixes.
  assert.equal(tree.nodeCount, 4 + 36);
  assert.deepEqual(tree.nodesOf(0, 0, [1, 2]), [0, 2]);
  assert.deepEqual(tree.nodesOf(1, 5, [2, 0]), [4 + 5 * 4, 4 + 5 * 4 + 3]);
  assert.equal(tree.historyFromContext(1, [1, 2]), 5);
  assert.throws(() => tree.historyFromContext(1, [1]), /context has 1 tokens, expected 2/);
  assert.throws(() => tree.historyFromContext(1, [1, 3]), /token 3 is not a value of turn 0/);
});

test('exact J and values of coordination-2x2 at its initial policy, by hand', () => {
  const inst = loadInstance('lab/instances/coordination-2x2.json');
  const p0 = Math.exp(1.5) / (1 + Math.exp(1.5)); // π(action 0) at every node
  const J = 0.6 * p0 * p0 + 1.0 * (1 - p0) * (1 - p0);
  for (const spec of POLICIES) {
    const pol = policyAt(inst, spec);
    assertClose(pol.expectedReward(), J, 1e-12, spec);
    const v = pol.values();
    assertClose(v[1]!, [0.6 * p0, 1 - p0], 1e-12, `${spec} values after turn-0 action`);
    assertClose(pol.jointProbabilities(), [p0 * p0, p0 * (1 - p0), (1 - p0) * p0, (1 - p0) * (1 - p0)], 1e-12);
  }
});

test('joint probabilities sum to 1 and J = Σ p(j) R_j under random parameters', () => {
  const rng = new Rng(5);
  for (const inst of [loadInstance('lab/instances/two-token-turns.json'), randomInstance(2)]) {
    for (const spec of POLICIES) {
      const base = policyAt(inst, spec);
      const theta = Float64Array.from(base.theta, () => rng.normal());
      const pol = policyAt(inst, spec, theta);
      const p = pol.jointProbabilities();
      let sum = 0;
      let J = 0;
      for (let j = 0; j < p.length; j++) {
        sum += p[j]!;
        J += p[j]! * inst.reward[j]!;
        // p(j) is the product of its token probabilities.
        const acts = jointToActions(inst, j);
        let lp = 0;
        let h = 0;
        acts.forEach((a, t) => {
          const tokens = Array.from({ length: inst.length[t]! }, (_, k) => Math.floor(a / inst.vocab[t]! ** (inst.length[t]! - 1 - k)) % inst.vocab[t]!);
          for (const x of pol.tokenLogProbs(t, h, tokens)) lp += x;
          h = h * inst.actions[t]! + a;
        });
        assertClose(p[j]!, Math.exp(lp), 1e-12, `${inst.name} ${spec} p(${j})`);
      }
      assertClose(sum, 1, 1e-12);
      assertClose(pol.expectedReward(), J, 1e-12);
    }
  }
});

test('per-turn shares logits across histories; tabular does not; linear moves every turn', () => {
  const inst = randomInstance(5);
  const tree = new DecisionTree(inst);
  const nodeA = tree.node(1, 0, 0);
  const nodeB = tree.node(1, 1, 0);
  for (const spec of POLICIES) {
    const param = makeParameterisation(spec, tree, new Rng(1));
    const g = new Float64Array(param.size);
    param.backprop(nodeA, Float64Array.from({ length: inst.vocab[1]! }, (_, v) => v + 1), g);
    const theta = param.initial().map((x, i) => x + g[i]!);
    const before = new Float64Array(inst.vocab[1]!);
    const after = new Float64Array(inst.vocab[1]!);
    param.logits(param.initial(), nodeB, before);
    param.logits(theta, nodeB, after);
    const moved = after.some((x, i) => x !== before[i]);
    assert.equal(moved, spec !== 'tabular', `${spec}: a step on one history moves another history's logits`);
    const turn0 = new Float64Array(inst.vocab[0]!);
    const turn0After = new Float64Array(inst.vocab[0]!);
    param.logits(param.initial(), tree.node(0, 0, 0), turn0);
    param.logits(theta, tree.node(0, 0, 0), turn0After);
    assert.equal(turn0After.some((x, i) => x !== turn0[i]), spec.startsWith('linear'), `${spec}: a turn-1 step moves turn 0`);
  }
});

test('each parameterisation back-propagates the exact Jacobian of its logits (finite differences)', () => {
  const inst = loadInstance('lab/instances/two-token-turns.json');
  const tree = new DecisionTree(inst);
  const rng = new Rng(9);
  for (const spec of POLICIES) {
    const param = makeParameterisation(spec, tree, new Rng(1));
    const theta = Float64Array.from(param.initial(), () => rng.normal());
    for (const node of [0, 3, 17, tree.nodeCount - 1]) {
      const w = Float64Array.from({ length: 3 }, () => rng.normal());
      const f = (th: Float64Array) => {
        const out = new Float64Array(3);
        param.logits(th, node, out);
        return out[0]! * w[0]! + out[1]! * w[1]! + out[2]! * w[2]!;
      };
      const g = new Float64Array(param.size);
      param.backprop(node, w, g);
      assertClose(g, finiteDifferences(f, theta, 1e-5), 1e-8, `${spec} node ${node}`);
    }
  }
});

test('--policy spellings: tabular, per-turn, linear, linear:d; anything else is a UserError', () => {
  assert.deepEqual(parsePolicySpec('linear'), { kind: 'linear', d: 8 });
  assert.deepEqual(parsePolicySpec('linear:16'), { kind: 'linear', d: 16 });
  assert.equal(parsePolicySpec('per-turn').kind, 'per-turn');
  for (const bad of ['linear:0', 'linear:x', 'mlp', 'Tabular']) assert.throws(() => parsePolicySpec(bad), UserError, bad);
  const tree = new DecisionTree(randomInstance(1));
  assert.equal(makeParameterisation('linear:4', tree, new Rng(1)).size, Math.max(...tree.inst.vocab) * 4);
});
