import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { client, localLearner, localWeights, probes, removeDir, serve, serverWeights, tempDir, train, cleanup } from './helpers.js';
import type { LossNormalisation } from '../../../src/policy/remote/tinker-learner.js';
import type { AppliedCounts } from '../../../src/policy/remote/tinker-server.js';

afterEach(cleanup);

/**
 * The "must show": the same run (seed, fixed trajectories, algorithm) on the local learner itself and
 * through `learner serve` + TinkerLearner ends with the same weights, bit for bit — for each normalisation, the
 * client matching the server's. Both routes drive the back end with the same ∂L/∂logp, so this is also the check
 * that the gradient the server applies is the core's.
 */
async function parity(algo: string, normalisation: LossNormalisation, backend: 'auto' | 'tfjs' = 'auto'): Promise<AppliedCounts> {
  const dir = await tempDir();
  const server = await serve(join(dir, 'server'), { normalisation, createLearner: () => localLearner(backend) });
  const direct = await localLearner(backend);
  const remote = await client(server, { normalisation });
  try {
    await train(direct, algo, 2);
    await train(remote, algo, 2);
    const want = await direct.logprobs(probes());
    const got = await remote.logprobs(probes());
    assert.deepEqual(got, want, 'log-probs after training');
    await remote.save(join(dir, 'remote'));
    const a = await localWeights(direct, join(dir, 'direct'));
    const b = await serverWeights(join(dir, 'server'), join(dir, 'remote'));
    assert.ok(a.equals(b), 'model.safetensors differs');
    // The run moved the weights: the comparison is not between two untouched models.
    const fresh = await localLearner(backend);
    assert.notDeepEqual(await fresh.logprobs(probes()), want);
    await fresh.dispose();
    return server.applied();
  } finally {
    await remote.dispose();
    await direct.dispose();
    await server.close();
    await removeDir(dir);
  }
}

const applied = new Map<string, AppliedCounts>();
test('SeeUPO through learner serve + TinkerLearner ends with the local run\'s weights (normalisation sum, as hosted Tinker)', async () => {
  applied.set('seeupo sum', await parity('seeupo', 'sum'));
});
test('GRPO through learner serve + TinkerLearner ends with the local run\'s weights (normalisation sum)', async () => {
  await parity('grpo', 'sum');
});
test('SeeUPO ends with the same weights under SkyRL\'s per-sequence mean (client and server in mean mode)', async () => {
  const mean = await parity('seeupo', 'mean');
  // The forward pass LearnerPort runs before each forward-backward is reused: mean mode costs no extra pass.
  assert.deepEqual(mean, applied.get('seeupo sum'));
});
test('GRPO ends with the same weights under SkyRL\'s per-sequence mean', async () => {
  await parity('grpo', 'mean');
});

test('the same holds on the portable TF.js back end (SeeUPO, both normalisations)', async () => {
  await parity('seeupo', 'sum', 'tfjs');
  await parity('seeupo', 'mean', 'tfjs');
});

test('a client that assumes the wrong normalisation trains a different model (the setting matters)', async () => {
  const dir = await tempDir();
  const server = await serve(join(dir, 'server'), { normalisation: 'mean' });
  const direct = await localLearner();
  const remote = await client(server, { normalisation: 'sum' });
  try {
    await train(direct, 'grpo', 1);
    await train(remote, 'grpo', 1);
    const want = await direct.logprobs(probes());
    const got = await remote.logprobs(probes());
    const maxDiff = Math.max(...got.flatMap((g, i) => Array.from(g, (x, k) => Math.abs(x - want[i]![k]!))));
    assert.ok(maxDiff > 1e-4, `expected the runs to differ, max |Δlogp| = ${maxDiff}`);
  } finally {
    await remote.dispose();
    await direct.dispose();
    await server.close();
    await removeDir(dir);
  }
});
