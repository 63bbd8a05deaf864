import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchStandardised, groupRelativeAdvantages } from '../../src/algos/advantages.js';
import { runIteration } from '../../src/algos/iteration.js';
import { klLoss, sequenceClipLoss, tokenClipLoss } from '../../src/algos/losses.js';
import { ALGORITHM_NAMES, resolveAlgorithm } from '../../src/algos/registry.js';
import { Rng } from '../../src/core/rng.js';
import type { Trajectory } from '../../src/core/types.js';
import { UserError } from '../../src/core/errors.js';
import { assertClose, makeData, makeTrajectory } from './helpers.js';
import { TinyCriticPort, TinyPort, TinyRefPort } from './tiny-port.js';

function batchOfTrajectories(): Trajectory[] {
  // Two groups, trajectories of 1..3 turns with 1..3 tokens per turn.
  return [
    makeTrajectory('a', 'g1', 1, [2, 1, 3]),
    makeTrajectory('b', 'g1', 0, [1, 2]),
    makeTrajectory('c', 'g1', 0.5, [3]),
    makeTrajectory('d', 'g2', 1, [1, 1]),
    makeTrajectory('e', 'g2', 0, [2, 2, 2]),
    makeTrajectory('f', 'g2', 0.2, [1]),
  ];
}

const init = (i: number) => Math.sin(i * 1.7) * 0.5;
const newPort = () => new TinyPort(5, 3, 3, 0.5, init);
const quiet = { rng: new Rng(1), warn: () => {} };

test('every named algorithm runs end to end and changes the weights', async () => {
  for (const name of ALGORITHM_NAMES) {
    if (name === 'ppo') continue; // needs a critic; see the PPO test below
    const port = newPort();
    const before = port.theta.slice();
    const stats = await runIteration(resolveAlgorithm(name), batchOfTrajectories(), port, { rng: new Rng(1), warn: () => {} });
    assert.ok(stats.steps.length > 0, name);
    assert.ok(stats.steps.every((s) => !s.skipped && Number.isFinite(s.loss)), name);
    assert.notDeepEqual(port.theta, before, name);
  }
});

test('SeeUPO visits only the real turn indices, in reverse, one step each (mistakes 3 and 4)', async () => {
  const port = newPort();
  const stats = await runIteration(resolveAlgorithm('seeupo'), batchOfTrajectories(), port, quiet);
  assert.deepEqual(stats.steps.map((s) => s.turn), [2, 1, 0]);
  assert.equal(port.calls.filter((c) => c.kind === 'step').length, 3);
  // Nothing that is not a real turn reaches a loss or a ratio.
  const real = new Set(batchOfTrajectories().flatMap((t) => t.turns.map((u) => `${t.id}#${u.index}`)));
  for (const c of port.calls) for (const k of c.keys) assert.ok(real.has(k), `padded sample ${k} reached the back end`);
  const turn2 = port.calls.filter((c) => c.kind === 'forwardBackward')[0]!;
  assert.deepEqual(turn2.keys.sort(), ['a#2', 'e#2']);
  // Forward and random orders visit the same real indices.
  const fwd = await runIteration(resolveAlgorithm('seeupo', { schedule: { order: 'forward' } }), batchOfTrajectories(), newPort(), quiet);
  assert.deepEqual(fwd.steps.map((s) => s.turn), [0, 1, 2]);
  const rnd = await runIteration(resolveAlgorithm('seeupo', { schedule: { order: 'random' } }), batchOfTrajectories(), newPort(), { rng: new Rng(4), warn: () => {} });
  assert.deepEqual(rnd.steps.map((s) => s.turn).sort(), [0, 1, 2]);
});

test('SeeUPO: turn t trains on A = ρ·a, ρ built from the turns already updated (exact values)', async () => {
  const trajs = batchOfTrajectories();
  const port = newPort();
  const stats = await runIteration(resolveAlgorithm('seeupo'), trajs, port, quiet);
  const a = batchStandardised(groupRelativeAdvantages(trajs, { std: false }), trajs, 3);
  // Recompute ρ from the log-probs the back end returned before and after each turn's update. With one step per
  // phase, π_old is the forward of that step itself (no separate pass): one logprobs call per phase, the "after".
  const logprobCalls = port.calls.filter((c) => c.kind === 'logprobs');
  const fbs = port.calls.filter((c) => c.kind === 'forwardBackward');
  assert.equal(logprobCalls.length, 3);
  const rho = new Map<string, number>();
  for (let phase = 0; phase < 3; phase++) {
    const fb = fbs[phase]!;
    const before = fb;
    const after = logprobCalls[phase]!;
    assert.deepEqual(after.keys, fb.keys);
    const ids = before.keys.map((k) => k.split('#')[0]!);
    const masks = before.keys.map((k) => {
      const [id, t] = k.split('#');
      return trajs.find((x) => x.id === id)!.turns[Number(t)]!.lossMask as number[];
    });
    const data = makeData(masks, undefined, ids);
    // The gradient the core handed over must be the GSPO gradient with A_i = ρ_i·a_i (ratio 1 on the first step).
    const adv = new Float64Array(data.mask.length);
    ids.forEach((id, i) => adv.fill((rho.get(id) ?? 1) * a.get(id)!, data.offsets[i], data.offsets[i + 1]));
    const expected = sequenceClipLoss(fb.logp!, before.logp!, adv, data, { clipLow: 3e-4, clipHigh: 4e-4, aggregation: 'seq-mean-token-mean' });
    assertClose(fb.grad!, expected.grad, 1e-12, `phase ${phase}`);
    ids.forEach((id, i) => {
      let s = 0;
      let n = 0;
      for (let t = data.offsets[i]!; t < data.offsets[i + 1]!; t++) {
        s += after.logp![t]! - before.logp![t]!;
        n++;
      }
      const r = Math.min(1.2, Math.max(0.8, Math.exp(s / n)));
      rho.set(id, Math.min(1.2, Math.max(0.8, (rho.get(id) ?? 1) * r)));
    });
  }
  for (const [id, r] of rho) assertClose(stats.rho!.get(id)!, r, 1e-12, id);
  assert.ok([...rho.values()].some((r) => Math.abs(r - 1) > 1e-3), 'the test should move ρ away from 1');
});

test('ρ and the update follow trajectories, not rows: shuffled input gives the same result (mistake 2)', async () => {
  const trajs = batchOfTrajectories();
  const shuffled = new Rng(99).shuffled(trajs);
  assert.notDeepEqual(shuffled.map((t) => t.id), trajs.map((t) => t.id));
  const algo = resolveAlgorithm('seeupo', { loss: { clipLow: 0.2, clipHigh: 0.2 }, schedule: { epochs: 3 } });
  const p1 = newPort();
  const p2 = newPort();
  const s1 = await runIteration(algo, trajs, p1, quiet);
  const s2 = await runIteration(algo, shuffled, p2, { rng: new Rng(1), warn: () => {} });
  assertClose(p2.theta, p1.theta, 1e-12, 'weights');
  for (const t of trajs) assertClose(s2.rho!.get(t.id)!, s1.rho!.get(t.id)!, 1e-12, `rho ${t.id}`);
});

test('the configured loss is the loss that runs (mistake 1): GSPO runs the sequence loss, GRPO the token loss', async () => {
  // Two epochs, so the second step sees ratios ≠ 1, where the token and sequence losses differ.
  const trajs = batchOfTrajectories();
  const run = async (name: string, overrides: unknown) => {
    const port = newPort();
    await runIteration(resolveAlgorithm(name, overrides), trajs, port, quiet);
    return port;
  };
  const seqPort = await run('gspo', { schedule: { epochs: 2 }, loss: { clipLow: 0.5, clipHigh: 0.5 } });
  const tokPort = await run('grpo', { schedule: { epochs: 2 }, loss: { clipLow: 0.5, clipHigh: 0.5 } });
  const old = seqPort.calls.find((c) => c.kind === 'logprobs')!;
  const masks = old.keys.map((k) => {
    const [id, t] = k.split('#');
    return trajs.find((x) => x.id === id)!.turns[Number(t)]!.lossMask as number[];
  });
  const data = makeData(masks, undefined, old.keys.map((k) => k.split('#')[0]!));
  const a = groupRelativeAdvantages(trajs, { std: true });
  const adv = new Float64Array(data.mask.length);
  old.keys.forEach((k, i) => adv.fill(a.get(k.split('#')[0]!)!, data.offsets[i], data.offsets[i + 1]));
  const second = seqPort.calls.filter((c) => c.kind === 'forwardBackward')[1]!;
  const seqExpected = sequenceClipLoss(second.logp!, old.logp!, adv, data, { clipLow: 0.5, clipHigh: 0.5, aggregation: 'seq-mean-token-mean' });
  const tokExpected = tokenClipLoss(second.logp!, old.logp!, adv, data, { clipLow: 0.5, clipHigh: 0.5, dualClip: null, aggregation: 'seq-mean-token-mean' });
  assertClose(second.grad!, seqExpected.grad, 1e-12, 'gspo gradient');
  assert.ok(tokExpected.grad.some((g, i) => Math.abs(g - seqExpected.grad[i]!) > 1e-6), 'the two losses must differ here');
  const tokSecond = tokPort.calls.filter((c) => c.kind === 'forwardBackward')[1]!;
  const tokOnTok = tokenClipLoss(tokSecond.logp!, old.logp!, adv, data, { clipLow: 0.5, clipHigh: 0.5, dualClip: null, aggregation: 'seq-mean-token-mean' });
  assertClose(tokSecond.grad!, tokOnTok.grad, 1e-12, 'grpo gradient');
});

test('configuration: unknown keys and wrong types are errors naming the key', () => {
  assert.throws(() => resolveAlgorithm('gspo', { loss: { loss_mode: 'seq' } }), (e) => e instanceof UserError && /loss\.loss_mode/.test(e.message));
  assert.throws(() => resolveAlgorithm('seeupo', { schedule: { epochs: 'two' } }), (e) => e instanceof UserError && /schedule\.epochs/.test(e.message));
  assert.throws(() => resolveAlgorithm('nope'), (e) => e instanceof UserError && /unknown algorithm 'nope'/.test(e.message));
  // Switching a sub-object's kind replaces it wholesale.
  const c = resolveAlgorithm('seeupo', { schedule: { kind: 'joint', epochs: 2, minibatches: 1 } });
  assert.deepEqual(c.schedule, { kind: 'joint', epochs: 2, minibatches: 1 });
});

test('failed trajectories are excluded from training and counted (mistake 6)', async () => {
  const trajs = [...batchOfTrajectories(), makeTrajectory('x', 'g1', Number.NaN, [1, 1], { status: 'failed', error: 'env crashed' })];
  const port = newPort();
  const stats = await runIteration(resolveAlgorithm('grpo'), trajs, port, quiet);
  assert.equal(stats.excluded, 1);
  assert.ok(port.calls.every((c) => c.keys.every((k) => !k.startsWith('x#'))));
});

test('a non-finite loss skips the update with a warning and leaves the weights untouched', async () => {
  const port = newPort();
  port.poisonToken = 0;
  const before = port.theta.slice();
  const warnings: string[] = [];
  const stats = await runIteration(resolveAlgorithm('grpo'), batchOfTrajectories(), port, { rng: new Rng(1), warn: (m) => warnings.push(m) });
  assert.deepEqual(port.theta, before);
  assert.equal(stats.steps[0]!.skipped, true);
  assert.match(warnings[0]!, /non-finite loss/);
  assert.equal(port.calls.filter((c) => c.kind === 'step').length, 0);
});

test('REINFORCE with exact probability weights is gradient ascent on J (one-turn bandit, hand-computed)', async () => {
  // One turn, one token from 3; logits θ; rewards R = [1, 0, 0.5]. ∇J_v = p_v (R_v − J).
  const port = new TinyPort(3, 1, 1, 0.3, (i) => [0.2, -0.1, 0.4][i]!);
  const th = port.theta.slice();
  const z = th.reduce((s, x) => s + Math.exp(x), 0);
  const p = Array.from(th, (x) => Math.exp(x) / z);
  const R = [1, 0, 0.5];
  const J = p.reduce((s, pv, v) => s + pv * R[v]!, 0);
  const trajs: Trajectory[] = [0, 1, 2].map((v) => ({
    id: `a${v}`, taskId: 't', groupId: 'g', reward: R[v]!, status: 'ok', weight: p[v]!,
    turns: [{ index: 0, contextTokens: [], responseTokens: [v], behaviourLogprobs: [Math.log(p[v]!)], lossMask: [1] }],
  }));
  await runIteration(resolveAlgorithm('reinforce'), trajs, port, quiet);
  assertClose(port.theta, th.map((x, v) => x + 0.3 * p[v]! * (R[v]! - J)), 1e-12);
});

test('PPO: GAE from the critic, token clip, and a value step toward the returns', async () => {
  const trajs = batchOfTrajectories();
  const port = new TinyCriticPort(5, 3, 3, 0.5, init);
  const v0 = port.v.slice();
  const stats = await runIteration(resolveAlgorithm('ppo'), trajs, port, quiet);
  assert.equal(stats.steps.length, 1);
  const s = stats.steps[0]!;
  // γ = λ = 1: A_t = R − V_t, returns G_t = R; value loss = ½·weighted mean of (V − R)² over turn samples.
  let vl = 0;
  let n = 0;
  const grad = new Float64Array(3);
  for (const t of trajs) {
    for (const turn of t.turns) {
      const e = v0[turn.index]! - t.reward;
      vl += 0.5 * e * e;
      grad[turn.index]! += e;
      n++;
    }
  }
  assertClose(s.valueLoss!, vl / n, 1e-12);
  assertClose(port.v, Array.from(v0, (v, t) => v - 0.5 * 0.5 * (grad[t]! / n)), 1e-12);
  // A port without a critic cannot run PPO.
  await assert.rejects(runIteration(resolveAlgorithm('ppo'), trajs, newPort(), quiet), /needs a critic/);
});

test('a KL term without a reference policy is an error, not a silent no-op', async () => {
  await assert.rejects(runIteration(resolveAlgorithm('grpo', { kl: { coef: 0.01, estimator: 'k3' } }), batchOfTrajectories(), newPort(), quiet), /reference log-probs/);
});

test('KL to the reference: the gradient handed to the back end is policy loss + β·KL (second epoch, off-reference)', async () => {
  const port = new TinyRefPort(5, 3, 3, 0.5, init);
  const algo = resolveAlgorithm('grpo', { kl: { coef: 0.5, estimator: 'k2' }, schedule: { epochs: 2 } });
  await runIteration(algo, batchOfTrajectories(), port, quiet);
  const [first, second] = port.calls.filter((c) => c.kind === 'forwardBackward');
  const noKl = new TinyPort(5, 3, 3, 0.5, init);
  await runIteration(resolveAlgorithm('grpo', { schedule: { epochs: 2 } }), batchOfTrajectories(), noKl, quiet);
  const [firstNoKl] = noKl.calls.filter((c) => c.kind === 'forwardBackward');
  // At the reference the k2 gradient (logp − ref) is 0; after one step it is not.
  assertClose(first!.grad!, firstNoKl!.grad!, 1e-12, 'first step');
  const ref = first!.logp!;
  const data = makeData(first!.keys.map((k) => batchOfTrajectories().find((t) => t.id === k.split('#')[0])!.turns[Number(k.split('#')[1])]!.lossMask as number[]));
  const kl = klLoss(second!.logp!, ref, data, { estimator: 'k2', coef: 0.5, aggregation: 'seq-mean-token-mean' });
  assert.ok(kl.grad.some((g) => Math.abs(g) > 1e-6));
  const a = groupRelativeAdvantages(batchOfTrajectories(), { std: true });
  const adv = new Float64Array(data.mask.length);
  first!.keys.forEach((k, i) => adv.fill(a.get(k.split('#')[0]!)!, data.offsets[i], data.offsets[i + 1]));
  const pol = tokenClipLoss(second!.logp!, ref, adv, data, { clipLow: 0.2, clipHigh: 0.2, dualClip: null, aggregation: 'seq-mean-token-mean' });
  assertClose(second!.grad!, pol.grad.map((g, t) => g + kl.grad[t]!), 1e-12, 'second step');
});

test('SeeUPO without ratio correction trains every turn on the plain a_i (ablation)', async () => {
  const trajs = batchOfTrajectories();
  const port = newPort();
  const stats = await runIteration(resolveAlgorithm('seeupo', { schedule: { ratioCorrection: null } }), trajs, port, quiet);
  assert.equal(stats.rho, null);
  const a = batchStandardised(groupRelativeAdvantages(trajs, { std: false }), trajs, 3);
  const last = port.calls.filter((c) => c.kind === 'forwardBackward')[2]!; // turn 0, after turns 2 and 1 moved the weights
  const data = makeData(last.keys.map((k) => trajs.find((t) => t.id === k.split('#')[0])!.turns[0]!.lossMask as number[]));
  const adv = new Float64Array(data.mask.length);
  last.keys.forEach((k, i) => adv.fill(a.get(k.split('#')[0]!)!, data.offsets[i], data.offsets[i + 1]));
  // Ratio 1 on the phase's first step: ∂L/∂logp_t = −a_i / (n_i · N).
  const expected = sequenceClipLoss(last.logp!, last.logp!, adv, data, { clipLow: 3e-4, clipHigh: 4e-4, aggregation: 'seq-mean-token-mean' });
  assertClose(last.grad!, expected.grad, 1e-12);
});

test('REINFORCE++ with KL in the reward uses the reference policy', async () => {
  const port = new TinyRefPort(5, 3, 3, 0.5, init);
  const stats = await runIteration(resolveAlgorithm('reinforce++', { advantage: { klCoef: 0.1 } }), batchOfTrajectories(), port, quiet);
  assert.equal(stats.steps.length, 1);
  // The start-of-iteration log-probs serve both the KL-in-reward and π_old: one forward, not two.
  assert.equal(port.calls.filter((c) => c.kind === 'logprobs').length, 1);
  await assert.rejects(runIteration(resolveAlgorithm('reinforce++', { advantage: { klCoef: 0.1 } }), batchOfTrajectories(), newPort(), quiet), /reference log-probs/);
});

test('one on-policy step takes π_old from its own forward: no separate log-prob pass unless epochs or minibatches > 1', async () => {
  const count = async (name: string, overrides: unknown = {}) => {
    const port = newPort();
    await runIteration(resolveAlgorithm(name, overrides), batchOfTrajectories(), port, quiet);
    return port.calls.filter((c) => c.kind === 'logprobs').length;
  };
  assert.equal(await count('grpo'), 0);
  assert.equal(await count('grpo', { schedule: { epochs: 2 } }), 1);
  assert.equal(await count('seeupo'), 3); // the "after" of each of the 3 phases, for ρ
  assert.equal(await count('seeupo', { schedule: { epochs: 2 } }), 6);
});

test('each step reports KL from the behaviour policy: the k3 estimate from the sampled tokens\' behaviour log-probs', async () => {
  const trajs = batchOfTrajectories();
  const port = newPort();
  const stats = await runIteration(resolveAlgorithm('grpo'), trajs, port, quiet);
  const fb = port.calls.find((c) => c.kind === 'forwardBackward')!;
  const byKey = new Map<string, (typeof trajs)[number]["turns"][number]>(trajs.flatMap((t) => t.turns.map((u) => [`${t.id}#${u.index}`, u] as const)));
  let kl = 0;
  let n = 0;
  let o = 0;
  for (const k of fb.keys) {
    const turn = byKey.get(k)!;
    turn.behaviourLogprobs.forEach((b, i) => {
      if (turn.lossMask[i]) {
        const d = fb.logp![o + i]! - b;
        kl += Math.exp(d) - 1 - d;
        n++;
      }
    });
    o += turn.responseTokens.length;
  }
  assertClose([stats.steps[0]!.behaviourKl], [kl / n], 1e-12, 'behaviourKl');
  assert.ok(stats.steps[0]!.behaviourKl > 0);
});
