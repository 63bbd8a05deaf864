import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchStandardised, groupRelativeAdvantages } from '../../src/algos/advantages.js';
import { runIteration } from '../../src/algos/iteration.js';
import { sequenceClipLoss } from '../../src/algos/losses.js';
import { resolveAlgorithm } from '../../src/algos/registry.js';
import { UserError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { TurnBatch } from '../../src/core/turn-batch.js';
import type { Trajectory } from '../../src/core/types.js';
import { assertClose, makeData, makeTrajectory } from './helpers.js';
import { TinyPort } from './tiny-port.js';

/**
 * `schedule.oldPolicy: 'behaviour'` (issue 13): the sequential schedule measures turn t's ratio and every ρ
 * against the log-probs the samples were drawn with, instead of against the phase-start weights.
 */

/** TinyPort whose turns share one logit table per token position (as in an LLM, a step on one turn moves all). */
class SharedTinyPort extends TinyPort {
  /** θ after every optimizer step. */
  readonly thetas: Float64Array[] = [];

  constructor(lr: number, init: (i: number) => number) {
    super(5, 1, 3, lr, init);
  }

  /** log π of token `tok` at position `pos` under θ, by hand. */
  logp(theta: Float64Array, pos: number, tok: number): number {
    const b = pos * this.vocab;
    let z = 0;
    for (let v = 0; v < this.vocab; v++) z += Math.exp(theta[b + v]!);
    return theta[b + tok]! - Math.log(z);
  }

  override async step(): Promise<{ skipped: boolean; gradNorm: number }> {
    const r = await super.step();
    this.thetas.push(this.theta.slice());
    return r;
  }
}

// Every turn index reads the parameters of turn 0: one table shared by all turns.
const sharedBatch = (b: TurnBatch) =>
  TurnBatch.fromSamples(b.samples.map((s) => ({ ...s, turnIndex: 0, trajectoryId: `${s.trajectoryId}#${s.turnIndex}` })));
class SharedPort extends SharedTinyPort {
  override logprobs(b: TurnBatch) {
    return super.logprobs(sharedBatch(b));
  }
  override forwardBackward(b: TurnBatch, g: (lp: Float64Array) => Float64Array | null) {
    return super.forwardBackward(sharedBatch(b), g);
  }
}

const init = (i: number) => Math.sin(i * 1.7) * 0.5;
const quiet = () => ({ rng: new Rng(1), warn: () => {} });

function trajectories(): Trajectory[] {
  return [
    makeTrajectory('a', 'g1', 1, [2, 1, 3]),
    makeTrajectory('b', 'g1', 0, [1, 2]),
    makeTrajectory('c', 'g1', 0.5, [3]),
    makeTrajectory('d', 'g2', 1, [1, 1]),
    makeTrajectory('e', 'g2', 0, [2, 2, 3]),
    makeTrajectory('f', 'g2', 0.2, [1, 2, 1]),
  ];
}

/** The trajectories with each turn's behaviourLogprobs set to `port`'s log-probs now (the sampling policy). */
async function withBehaviour(trajs: Trajectory[], port: TinyPort): Promise<Trajectory[]> {
  const out: Trajectory[] = [];
  for (const tr of trajs) {
    const lp = await port.logprobs(TurnBatch.fromTrajectories([tr]));
    let o = 0;
    out.push({ ...tr, turns: tr.turns.map((t) => ({ ...t, behaviourLogprobs: Array.from(lp.subarray(o, (o += t.responseTokens.length))) })) });
  }
  port.calls.length = 0;
  return out;
}

test('oldPolicy: read from the config, phase by default, settable through resolveAlgorithm, a bad value names the key', () => {
  const seeupo = resolveAlgorithm('seeupo').schedule;
  assert.ok(seeupo.kind === 'sequential' && seeupo.oldPolicy === 'phase');
  const beh = resolveAlgorithm('seeupo', { schedule: { oldPolicy: 'behaviour' } }).schedule;
  assert.ok(beh.kind === 'sequential' && beh.oldPolicy === 'behaviour' && beh.order === 'reverse' && beh.ratioCorrection?.delta === 0.2);
  // A whole sequential schedule given without the key gets the paper's default.
  const wholesale = resolveAlgorithm('grpo', { schedule: { kind: 'sequential', order: 'forward', epochs: 1, minibatches: 1, ratioCorrection: null } }).schedule;
  assert.ok(wholesale.kind === 'sequential' && wholesale.oldPolicy === 'phase');
  assert.throws(() => resolveAlgorithm('seeupo', { schedule: { oldPolicy: 'sampler' } }), (e) => e instanceof UserError && /schedule\.oldPolicy/.test(e.message));
  // The joint schedule has no such key: it always measures against the iteration start.
  assert.throws(() => resolveAlgorithm('grpo', { schedule: { oldPolicy: 'behaviour' } }), (e) => e instanceof UserError && /schedule\.oldPolicy/.test(e.message));
});

test('turns with their own parameters and plain SGD: behaviour and phase give identical weights and ρ', async () => {
  for (const overrides of [{}, { loss: { clipLow: 0.05, clipHigh: 0.05 }, schedule: { epochs: 3 } }, { schedule: { order: 'forward', ratioCorrection: { delta: 0.05 } } }]) {
    const run = async (oldPolicy: string) => {
      const port = new TinyPort(5, 3, 3, 2, init);
      const trajs = await withBehaviour(trajectories(), port);
      const stats = await runIteration(resolveAlgorithm('seeupo', { ...overrides, schedule: { ...(overrides as { schedule?: object }).schedule, oldPolicy } }), trajs, port, quiet());
      return { theta: port.theta, rho: stats.rho! };
    };
    const phase = await run('phase');
    const beh = await run('behaviour');
    assert.deepEqual(beh.theta, phase.theta, JSON.stringify(overrides));
    assert.deepEqual(beh.rho, phase.rho, JSON.stringify(overrides));
    assert.ok([...phase.rho.values()].some((r) => Math.abs(r - 1) > 1e-3), 'ρ must move for the test to mean something');
  }
});

test('shared weights: each phase trains on A = ρ·a with ρ the clipped product of π_θ/π_β over the turns already updated, ratio against π_β', async () => {
  const algo = resolveAlgorithm('seeupo', { loss: { clipLow: 0.3, clipHigh: 0.3 }, schedule: { oldPolicy: 'behaviour' } });
  const port = new SharedPort(2, init);
  const trajs = await withBehaviour(trajectories(), port);
  const theta0 = port.theta.slice();
  const stats = await runIteration(algo, trajs, port, quiet());
  const a = batchStandardised(groupRelativeAdvantages(trajs, { std: false }), trajs, 3);
  const turn = (id: string, t: number) => trajs.find((x) => x.id === id)!.turns[t]!;
  const clip = (x: number) => Math.min(1.2, Math.max(0.8, x));
  // r_{i,u} under θ, by hand: exp(mean over the turn's tokens of (log π_θ − behaviour log-prob)).
  const r = (theta: Float64Array, id: string, u: number) => {
    const tu = turn(id, u);
    const d = tu.responseTokens.map((tok, pos) => port.logp(theta, pos, tok) - tu.behaviourLogprobs[pos]!);
    return Math.exp(d.reduce((s, x) => s + x, 0) / d.length);
  };
  const rhoByHand = (theta: Float64Array, id: string, updated: number[]) =>
    updated.filter((u) => u < trajs.find((x) => x.id === id)!.turns.length).reduce((rho, u) => clip(rho * clip(r(theta, id, u))), 1);
  const fbs = port.calls.filter((c) => c.kind === 'forwardBackward');
  assert.equal(fbs.length, 3);
  let clipped = 0;
  [2, 1, 0].forEach((t, phase) => {
    const theta = phase === 0 ? theta0 : port.thetas[phase - 1]!;
    const updated = [2, 1, 0].slice(0, phase);
    const fb = fbs[phase]!;
    const ids = fb.keys.map((k) => k.split('#')[0]!);
    const data = makeData(ids.map((id) => turn(id, t).lossMask as number[]), undefined, ids);
    const beh = Float64Array.from(ids.flatMap((id) => turn(id, t).behaviourLogprobs));
    const adv = new Float64Array(data.mask.length);
    ids.forEach((id, i) => {
      const rho = rhoByHand(theta, id, updated);
      if (rho === 0.8 || rho === 1.2) clipped++;
      adv.fill(rho * a.get(id)!, data.offsets[i], data.offsets[i + 1]);
    });
    const expected = sequenceClipLoss(fb.logp!, beh, adv, data, { clipLow: 0.3, clipHigh: 0.3, aggregation: 'seq-mean-token-mean' });
    assertClose(fb.grad!, expected.grad, 1e-12, `phase ${phase} (turn ${t})`);
    if (phase > 0) assert.ok(fb.logp!.some((x, k) => Math.abs(x - beh[k]!) > 1e-3), 'the weights have drifted from the behaviour policy at this turn');
  });
  assert.ok(clipped > 0, 'some ρ must hit the bound for the test to check the clip');
  // The reported ρ: over every turn, under the final weights.
  for (const tr of trajs) assertClose(stats.rho!.get(tr.id)!, rhoByHand(port.theta, tr.id, [2, 1, 0]), 1e-12, tr.id);
  assert.ok([...stats.rho!.values()].some((x) => x > 0.8 && x < 1.2 && Math.abs(x - 1) > 1e-2), 'some ρ strictly inside the bounds');

  // The phase reference gives other weights here: the two differ exactly where the weights are shared.
  const phasePort = new SharedPort(2, init);
  await runIteration(resolveAlgorithm('seeupo', { loss: { clipLow: 0.3, clipHigh: 0.3 } }), await withBehaviour(trajectories(), phasePort), phasePort, quiet());
  assert.ok(phasePort.theta.some((x, i) => Math.abs(x - port.theta[i]!) > 1e-6));
});

test('behaviour reference without ratio correction: plain a_i, ratio against π_β, no ρ reported, no extra forward', async () => {
  const port = new SharedPort(2, init);
  const trajs = await withBehaviour(trajectories(), port);
  const stats = await runIteration(resolveAlgorithm('seeupo', { schedule: { oldPolicy: 'behaviour', ratioCorrection: null } }), trajs, port, quiet());
  assert.equal(stats.rho, null);
  assert.equal(port.calls.filter((c) => c.kind === 'logprobs').length, 0);
  const last = port.calls.filter((c) => c.kind === 'forwardBackward')[2]!; // turn 0
  const ids = last.keys.map((k) => k.split('#')[0]!);
  const data = makeData(ids.map((id) => trajs.find((x) => x.id === id)!.turns[0]!.lossMask as number[]), undefined, ids);
  const a = batchStandardised(groupRelativeAdvantages(trajs, { std: false }), trajs, 3);
  const adv = new Float64Array(data.mask.length);
  ids.forEach((id, i) => adv.fill(a.get(id)!, data.offsets[i], data.offsets[i + 1]));
  const beh = Float64Array.from(ids.flatMap((id) => trajs.find((x) => x.id === id)!.turns[0]!.behaviourLogprobs));
  assertClose(last.grad!, sequenceClipLoss(last.logp!, beh, adv, data, { clipLow: 3e-4, clipHigh: 4e-4, aggregation: 'seq-mean-token-mean' }).grad, 1e-12);
  // With GSPO's ε the drifted turn-0 ratios start outside [1 − 3e-4, 1 + 4e-4]: the clip is active at the first step.
  assert.ok(stats.steps[2]!.clipFraction > 0);
});
