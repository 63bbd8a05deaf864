import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runIteration } from '../../src/algos/iteration.js';
import { resolveAlgorithm } from '../../src/algos/registry.js';
import { Rng } from '../../src/core/rng.js';
import type { Trajectory } from '../../src/core/types.js';
import { TurnBatch } from '../../src/core/turn-batch.js';
import { TfjsLearner } from '../../src/policy/tfjs/learner.js';
import { LearnerPort } from '../../src/train/learner-port.js';

const config = { vocabSize: 11, contextLength: 16, dModel: 8, nLayers: 1, nHeads: 2 };

/** Two-turn episodes sampled from the model itself; reward 1 when the last turn's first token is 3. */
async function rollouts(learner: TfjsLearner, n: number): Promise<Trajectory[]> {
  const out: Trajectory[] = [];
  for (let i = 0; i < n; i++) {
    let context = [1, 2];
    const turns = [];
    for (let k = 0; k < 2; k++) {
      const [s] = await learner.sample([Int32Array.from(context)], { maxTokens: 2, seed: 100 * i + k });
      const response = Array.from(s!.tokens);
      turns.push({ index: k, contextTokens: context, responseTokens: response, behaviourLogprobs: Array.from(s!.logprobs), lossMask: response.map(() => 1) });
      context = [...context, ...response, 4];
    }
    out.push({ id: `t${i}`, taskId: 'task', groupId: 'g', turns, reward: turns[1]!.responseTokens[0] === 3 ? 1 : 0, status: 'ok' });
  }
  return out;
}

test('the core drives a real model back end: SeeUPO steps through LearnerPort move the log-probs as the loss says', async () => {
  const learner = await TfjsLearner.create({ config, seed: 7, threads: 1 });
  try {
    const trajs = await rollouts(learner, 6);
    // Make sure both rewards occur so the advantages are not all zero.
    (trajs[0] as { reward: number }).reward = 1;
    (trajs[1] as { reward: number }).reward = 0;
    const port = new LearnerPort(learner, { lr: 0.05 });
    const good = trajs[0]!;
    const seq = { tokens: Int32Array.from([...good.turns[1]!.contextTokens, ...good.turns[1]!.responseTokens]), responseStart: good.turns[1]!.contextTokens.length };
    const before = (await learner.logprobs([seq]))[0]!.reduce((a, b) => a + b, 0);
    const stats = await runIteration(resolveAlgorithm('seeupo'), trajs, port, { rng: new Rng(1), warn: () => {} });
    assert.deepEqual(stats.steps.map((s) => s.turn), [1, 0]);
    assert.ok(stats.steps.every((s) => !s.skipped && Number.isFinite(s.gradNorm) && s.gradNorm > 0));
    const after = (await learner.logprobs([seq]))[0]!.reduce((a, b) => a + b, 0);
    assert.ok(after > before, `a rewarded turn's log-prob should rise: ${before} -> ${after}`);
    assert.ok(stats.rho && [...stats.rho.values()].every((r) => r >= 0.8 && r <= 1.2));
  } finally {
    await learner.dispose();
  }
});

test('a turn without context is rejected with a clear error', async () => {
  const learner = await TfjsLearner.create({ config, seed: 7, threads: 1 });
  try {
    const t: Trajectory = { id: 'x', taskId: 't', groupId: 'g', reward: 1, status: 'ok', turns: [{ index: 0, contextTokens: [], responseTokens: [1], behaviourLogprobs: [-1], lossMask: [1] }] };
    await assert.rejects(new LearnerPort(learner, { lr: 0.1 }).logprobs(TurnBatch.fromTrajectories([t])), /has no context/);
  } finally {
    await learner.dispose();
  }
});
