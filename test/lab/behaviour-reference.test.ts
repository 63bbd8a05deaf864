import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runIteration } from '../../src/algos/iteration.js';
import { resolveAlgorithm } from '../../src/algos/registry.js';
import { Rng } from '../../src/core/rng.js';
import { TurnBatch } from '../../src/core/turn-batch.js';
import { labAlgorithm } from '../../src/lab/algorithms.js';
import { jointToActions, loadInstance } from '../../src/lab/instance.js';
import { Sgd } from '../../src/lab/optimizer.js';
import { makeParameterisation } from '../../src/lab/parameterisation.js';
import { SoftmaxPolicy } from '../../src/lab/policy.js';
import { LabPort } from '../../src/lab/port.js';
import { exactBatch, sampledBatch } from '../../src/lab/rollouts.js';
import { behaviourComparison, behaviourSection, phaseCounterpart } from '../../src/lab/report-behaviour.js';
import { runLab } from '../../src/lab/run.js';
import type { SuiteRunResult } from '../../src/lab/suite-run.js';
import { DecisionTree } from '../../src/lab/tree.js';
import { assertClose } from '../algos/helpers.js';

/** SeeUPO with the behaviour policy as π_old (issue 13) in the exact lab. */

const trap = loadInstance('lab/instances/three-turn-trap.json');

test('the lab variants are SeeUPO with oldPolicy behaviour, with and without the clamp, and with the clip ε = 0.2', () => {
  const beh = labAlgorithm('seeupo-behaviour');
  assert.deepEqual(beh, { ...resolveAlgorithm('seeupo', { schedule: { oldPolicy: 'behaviour' } }), name: 'seeupo-behaviour' });
  const noClamp = labAlgorithm('seeupo-behaviour-no-clamp', 4);
  assert.ok(noClamp.schedule.kind === 'sequential' && noClamp.schedule.oldPolicy === 'behaviour' && noClamp.schedule.epochs === 4);
  assert.ok(noClamp.advantage.kind === 'grae' && noClamp.advantage.batchStandardise?.clamp === null);
  for (const [name, oldPolicy] of [['seeupo-wide-clip', 'phase'], ['seeupo-behaviour-wide-clip', 'behaviour']] as const) {
    const a = labAlgorithm(name);
    assert.deepEqual(a, { ...resolveAlgorithm('seeupo', { loss: { clipLow: 0.2, clipHigh: 0.2 }, schedule: { oldPolicy } }), name });
  }
});

test('the lab fills behaviourLogprobs with the log-probs of the policy the batch was drawn from (exact and sampled)', async () => {
  const tree = new DecisionTree(trap);
  const port = new LabPort(tree, makeParameterisation('linear:3', tree, new Rng(5)), new Sgd(1));
  port.theta.forEach((_, i) => (port.theta[i] = Math.cos(i)));
  for (const trajs of [exactBatch(port.policy()), sampledBatch(port.policy(), 6, new Rng(2), 1)]) {
    const batch = TurnBatch.fromTrajectories(trajs);
    assert.deepEqual(batch.behaviourLogprobs(), await port.logprobs(batch));
  }
});

test('tabular policies with SGD: seeupo-behaviour has the same J curve as seeupo, exact and sampled; with Adam it does not', async () => {
  const o = { policy: 'tabular', iters: 8, lr: 2, optimizer: 'sgd' as const, group: 6, seed: 1 };
  for (const exact of [true, false]) {
    const phase = await runLab(trap, { ...o, exact, algo: 'seeupo' });
    const beh = await runLab(trap, { ...o, exact, algo: 'seeupo-behaviour' });
    assert.deepEqual(beh.J, phase.J, exact ? 'exact' : 'sampled');
    assert.deepEqual(beh.theta, phase.theta);
    assert.ok(phase.J[8]! > phase.J[0]! + 0.01, 'the runs learn something');
  }
  // Adam's momentum moves a turn's logits during the other turns' phases: the references differ.
  const adam = { ...o, exact: true, optimizer: 'adam' as const, lr: 0.1 };
  const phase = await runLab(trap, { ...adam, algo: 'seeupo' });
  const beh = await runLab(trap, { ...adam, algo: 'seeupo-behaviour' });
  assert.notDeepEqual(beh.J, phase.J);
});

/** LabPort that keeps θ after every step. */
class RecordingPort extends LabPort {
  readonly thetas: Float64Array[] = [];
  override async step() {
    const r = await super.step();
    this.thetas.push(this.theta.slice());
    return r;
  }
}

test('exact mode, shared weights: every step of seeupo-behaviour minimises minus the HAPPO surrogate E_π_β[min(r·ρ·a, clip(r)·ρ·a)]', async () => {
  for (const spec of ['linear:3', 'per-turn']) {
    const tree = new DecisionTree(trap);
    const param = makeParameterisation(spec, tree, new Rng(7));
    const port = new RecordingPort(tree, param, new Sgd(3));
    const rng = new Rng(11);
    port.theta.forEach((_, i) => (port.theta[i] = port.theta[i]! + 0.4 * rng.normal()));
    const theta0 = port.theta.slice();
    const behaviour = port.policy();
    const batch = exactBatch(behaviour);
    const epochs = 2;
    const stats = await runIteration(resolveAlgorithm('seeupo', { schedule: { oldPolicy: 'behaviour', epochs } }), batch, port, { rng: new Rng(1), warn: () => {} });
    assert.deepEqual(stats.steps.map((s) => s.turn), [2, 2, 1, 1, 0, 0]);

    // By hand: one-token turns, so a turn's sequence ratio is π_θ(a_t | h_t) / π_β(a_t | h_t).
    const pB = behaviour.jointProbabilities();
    const J = pB.reduce((s, p, j) => s + p * trap.reward[j]!, 0);
    const sd = Math.sqrt(pB.reduce((s, p, j) => s + p * (trap.reward[j]! - J) ** 2, 0));
    const adv = (j: number) => Math.min(3, Math.max(-3, (trap.reward[j]! - J) / sd));
    const actionProb = (pol: SoftmaxPolicy, j: number, t: number) => {
      const acts = jointToActions(trap, j);
      const h = acts.slice(0, t).reduce((h, a, u) => h * trap.actions[u]! + a, 0);
      return pol.actionProbs(t, h)[acts[t]!]!;
    };
    const clip = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
    const order = [2, 1, 0];
    let clippedSteps = 0;
    stats.steps.forEach((step, n) => {
      const phase = Math.floor(n / epochs);
      const t = order[phase]!;
      const atPhaseStart = new SoftmaxPolicy(tree, param, phase === 0 ? theta0 : port.thetas[phase * epochs - 1]!);
      const now = new SoftmaxPolicy(tree, param, n === 0 ? theta0 : port.thetas[n - 1]!);
      let happo = 0;
      for (let j = 0; j < trap.jointCount; j++) {
        const rho = order.slice(0, phase).reduce((rho, u) => clip(rho * clip(actionProb(atPhaseStart, j, u) / actionProb(behaviour, j, u), 0.8, 1.2), 0.8, 1.2), 1);
        const r = actionProb(now, j, t) / actionProb(behaviour, j, t);
        const m = rho * adv(j);
        happo += pB[j]! * Math.min(r * m, clip(r, 1 - 3e-4, 1 + 4e-4) * m);
      }
      assertClose(step.loss, -happo, 1e-10, `${spec} step ${n} (turn ${t})`);
      if (step.clipFraction > 0) clippedSteps++;
    });
    assert.ok(clippedSteps >= 2, `${spec}: the clip should act on some steps (${clippedSteps})`);
    // The reported ρ is the clipped product over all three turns under the final weights.
    const final = port.policy();
    batch.forEach((tr, j) => {
      const rho = order.reduce((rho, u) => clip(rho * clip(actionProb(final, j, u) / actionProb(behaviour, j, u), 0.8, 1.2), 0.8, 1.2), 1);
      assertClose(stats.rho!.get(tr.id)!, rho, 1e-10, `${spec} ρ ${tr.id}`);
    });
  }
});

test('the report compares each behaviour variant with its phase counterpart run by run, on shared parameterisations only', () => {
  const run = (algo: string, policy: string, seed: number, gap: number, violations: number): SuiteRunResult => ({
    id: 0, instance: 'i', algo, policy, setting: 's', exact: false, seed, J: [], skippedSteps: 0, ms: 0,
    summary: { algo, instance: 'i', J: 1 - gap, optimum: 1, gap, violations },
  });
  const results = [
    run('seeupo@4', 'linear:8', 0, 0.5, 0), run('seeupo-behaviour@4', 'linear:8', 0, 0.001, 0), // fixed
    run('seeupo@4', 'linear:8', 1, 0.001, 2), run('seeupo-behaviour@4', 'linear:8', 1, 0.001, 3), // both fail (drops)
    run('seeupo@4', 'per-turn', 0, 0.001, 0), run('seeupo-behaviour@4', 'per-turn', 0, 0.2, 0), // broken
    run('seeupo@4', 'tabular', 0, 0.5, 0), run('seeupo-behaviour@4', 'tabular', 0, 0, 0), // not counted: tabular
    run('seeupo-behaviour', 'linear:8', 0, 0, 0), // no counterpart in the suite
  ];
  assert.equal(phaseCounterpart('seeupo-behaviour-no-clamp@4'), 'seeupo-no-clamp@4');
  assert.equal(phaseCounterpart('grpo@4'), null);
  const rows = behaviourComparison(results, ['seeupo@4', 'seeupo-behaviour@4', 'seeupo-behaviour'], ['s']);
  assert.deepEqual(rows, [
    { variant: 'seeupo-behaviour@4', counterpart: 'seeupo@4', setting: 's', runs: 3, optimal: [2, 2], runsWithDrop: [1, 1], drops: [2, 3], fixed: 1, broken: 1 },
  ]);
  const md = behaviourSection(results, ['seeupo@4', 'seeupo-behaviour@4'], ['s']);
  assert.match(md, /\| seeupo-behaviour@4 \| seeupo@4 \| s \| 3 \| 2 → 2 \| 1 → 1 \| 2 → 3 \| 1 \| 1 \|/);
  assert.equal(behaviourSection(results, ['seeupo@4'], ['s']), '');
});
