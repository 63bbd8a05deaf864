import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  batchStandardised,
  gaeAdvantages,
  groupRelativeAdvantages,
  leaveOneOutAdvantages,
  reinforcePlusPlusAdvantages,
} from '../../src/algos/advantages.js';
import { turnKeyString } from '../../src/core/types.js';
import { assertClose, makeTrajectory } from './helpers.js';

// Group g1: rewards 1, 0, 0, 1 (mean 0.5, population std 0.5); group g2: rewards 2, 0 (mean 1, std 1).
const trajs = [
  makeTrajectory('a', 'g1', 1, [2]),
  makeTrajectory('b', 'g1', 0, [1, 2]),
  makeTrajectory('c', 'g1', 0, [3]),
  makeTrajectory('d', 'g1', 1, [1]),
  makeTrajectory('e', 'g2', 2, [1]),
  makeTrajectory('f', 'g2', 0, [2]),
];
const ids = trajs.map((t) => t.id);
const values = (m: Map<string, number>) => ids.map((id) => m.get(id)!);

test('GRAE mean-only: R − group mean', () => {
  assertClose(values(groupRelativeAdvantages(trajs, { std: false })), [0.5, -0.5, -0.5, 0.5, 1, -1]);
});

test('GRAE mean/std: (R − mean) / (std + 1e-6)', () => {
  const e = 0.5 / (0.5 + 1e-6);
  assertClose(values(groupRelativeAdvantages(trajs, { std: true })), [e, -e, -e, e, 1 / (1 + 1e-6), -1 / (1 + 1e-6)]);
});

test('SeeUPO batch standardisation and clamp', () => {
  const s = groupRelativeAdvantages(trajs, { std: false });
  // s = [.5, −.5, −.5, .5, 1, −1]: mean 0, population std sqrt((4·.25 + 2)/6) = sqrt(0.5).
  const sd = Math.sqrt(0.5);
  assertClose(values(batchStandardised(s, trajs, 3)), [0.5, -0.5, -0.5, 0.5, 1, -1].map((x) => x / sd));
  assertClose(values(batchStandardised(s, trajs, 1)), [0.5 / sd, -0.5 / sd, -0.5 / sd, 0.5 / sd, 1, -1]);
  // All scores equal (std ≤ 1e-6): centred only, never divided.
  const flat = new Map(ids.map((id) => [id, 0.25]));
  assertClose(values(batchStandardised(flat, trajs, 3)), [0, 0, 0, 0, 0, 0]);
});

test('weights turn group means into expectations', () => {
  const w = [makeTrajectory('x', 'g', 1, [1], { weight: 0.25 }), makeTrajectory('y', 'g', 0, [1], { weight: 0.75 })];
  const a = groupRelativeAdvantages(w, { std: false });
  assertClose([a.get('x')!, a.get('y')!], [0.75, -0.25]);
});

test('RLOO: R − mean of the other rewards of the group', () => {
  assertClose(values(leaveOneOutAdvantages(trajs)), [1 - 1 / 3, 0 - 2 / 3, 0 - 2 / 3, 1 - 1 / 3, 2, -2]);
  const single = leaveOneOutAdvantages([makeTrajectory('s', 'solo', 5, [1])]);
  assert.equal(single.get('s'), 0);
});

test('failed trajectories cannot be scored', () => {
  assert.throws(() => groupRelativeAdvantages([makeTrajectory('z', 'g', 0, [1], { status: 'failed' })], { std: false }), /failed/);
});

test('REINFORCE++ without KL: the outcome on every generated token, normalised over the batch', () => {
  const t = [makeTrajectory('p', 'g', 1, [2]), makeTrajectory('q', 'g', 0, [1, 1])];
  const adv = reinforcePlusPlusAdvantages(t, { klCoef: 0 });
  // Tokens' returns: p: 1, 1; q: 0, 0 → mean 0.5, std 0.5.
  const z = 0.5 / (0.5 + 1e-8);
  assertClose(adv.get('p#0')!, [z, z]);
  assertClose(adv.get('q#0')!, [-z]);
  assertClose(adv.get('q#1')!, [-z]);
});

test('REINFORCE++ with KL in the reward: returns accumulate −β·kl backwards across turns', () => {
  const t = [makeTrajectory('p', 'g', 1, [1, 2])];
  const logp = new Map([[turnKeyString({ trajectoryId: 'p', turnIndex: 0 }), Float64Array.of(-1)], ['p#1', Float64Array.of(-1, -2)]]);
  const ref = new Map([['p#0', Float64Array.of(-1.5)], ['p#1', Float64Array.of(-1, -1)]]);
  // kl = [0.5 | 0, −1], β = 0.1 → rewards [−0.05 | 0, 0.1 + 1]; returns [1.05 | 1.1, 1.1]... computed backwards:
  // G(last) = 1 + 0.1 = 1.1; G(middle) = 1.1 + 0 = 1.1; G(first) = 1.1 − 0.05 = 1.05.
  const adv = reinforcePlusPlusAdvantages(t, { klCoef: 0.1, logp, refLogp: ref });
  const G = [1.05, 1.1, 1.1];
  const mean = G.reduce((a, b) => a + b) / 3;
  const std = Math.sqrt(G.reduce((a, b) => a + (b - mean) ** 2, 0) / 3);
  const z = G.map((g) => (g - mean) / (std + 1e-8));
  assertClose(adv.get('p#0')!, [z[0]!]);
  assertClose(adv.get('p#1')!, [z[1]!, z[2]!]);
  assert.throws(() => reinforcePlusPlusAdvantages(t, { klCoef: 0.1 }), /needs log-probs/);
});

test('GAE over turns: hand-computed with γ and λ', () => {
  const t = [makeTrajectory('p', 'g', 1, [1, 1, 1])];
  const v = new Map([['p#0', 0.2], ['p#1', 0.5], ['p#2', 0.4]]);
  const { advantages, returns } = gaeAdvantages(t, v, { gamma: 0.9, lambda: 0.8 });
  // δ2 = 1 − 0.4 = 0.6; δ1 = 0.9·0.4 − 0.5 = −0.14; δ0 = 0.9·0.5 − 0.2 = 0.25
  const a2 = 0.6;
  const a1 = -0.14 + 0.72 * a2;
  const a0 = 0.25 + 0.72 * a1;
  assertClose([advantages.get('p#0')!, advantages.get('p#1')!, advantages.get('p#2')!], [a0, a1, a2]);
  assertClose([returns.get('p#0')!, returns.get('p#1')!, returns.get('p#2')!], [a0 + 0.2, a1 + 0.5, a2 + 0.4]);
  // γ = λ = 1: every advantage is R − V_t (Monte Carlo).
  const mc = gaeAdvantages(t, v, { gamma: 1, lambda: 1 }).advantages;
  assertClose([mc.get('p#0')!, mc.get('p#1')!, mc.get('p#2')!], [0.8, 0.5, 0.6]);
});
