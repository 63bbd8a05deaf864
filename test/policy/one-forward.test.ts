import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { TurnBatch } from '../../src/core/turn-batch.js';
import type { Trajectory } from '../../src/core/types.js';
import { emptyOptimizerState, readCheckpoint, writeCheckpoint } from '../../src/policy/checkpoint.js';
import type { Learner, ModelConfig, ScoredSequence } from '../../src/policy/learner.js';
import { NativeLearner } from '../../src/policy/native/native-learner.js';
import { TfjsLearner } from '../../src/policy/tfjs/learner.js';
import { LearnerPort } from '../../src/train/learner-port.js';
import { nativeSkip, randomWeights } from './native-reference.js';

// forwardBackwardFn: one forward per optimizer step. Its log-probs are those of logprobs(), and the weights it
// leads to are those of logprobs + forwardBackward (the two-pass route). Both are bit-identical in our runs (the
// same kernels run in the same order); the weights are asserted to 1e-6.
const config: ModelConfig = { vocabSize: 32, contextLength: 24, dModel: 16, nLayers: 2, nHeads: 2 };
const opt = { lr: 0.05, weightDecay: 0.1, maxGradNorm: 1 };

const backends: Array<{ name: string; skip: false | string; create(): Promise<Learner> }> = [
  { name: 'native', skip: nativeSkip, create: () => NativeLearner.create({ config, seed: 1, threads: 1 }) },
  { name: 'tfjs 1 thread', skip: false, create: () => TfjsLearner.create({ config, seed: 1, threads: 1 }) },
  { name: 'tfjs 2 threads', skip: false, create: () => TfjsLearner.create({ config, seed: 1, threads: 2 }) },
];

const rng = new Rng(31);
const batch: ScoredSequence[] = [20, 7, 13, 24, 3, 16].map((n, i) => ({ tokens: Int32Array.from({ length: n }, () => rng.int(config.vocabSize)), responseStart: Math.min(n, 1 + 2 * i) }));
/** A gradient that depends on the log-probs, as a policy loss's does. */
const gradOf = (logp: readonly Float32Array[]) => logp.map((a) => a.map((x) => -Math.exp(x) * 0.3));

async function pair(backend: (typeof backends)[number], dir: string): Promise<[Learner, Learner]> {
  await writeCheckpoint(dir, { config, weights: randomWeights(config, new Rng(6), 0.4), optimizer: emptyOptimizerState(config), backend: 'test', extra: {} });
  const a = await backend.create();
  const b = await backend.create();
  await a.load(dir);
  await b.load(dir);
  return [a, b];
}

async function weightsOf(l: Learner, dir: string): Promise<Map<string, Float32Array>> {
  await l.save(dir);
  return (await readCheckpoint(dir)).weights;
}

function assertSameWeights(a: Map<string, Float32Array>, b: Map<string, Float32Array>, tol: number): void {
  for (const [name, w] of a) {
    const v = b.get(name)!;
    let d = 0;
    for (let i = 0; i < w.length; i++) d = Math.max(d, Math.abs(w[i]! - v[i]!));
    assert.ok(d <= tol, `${name}: max |diff| ${d}`);
  }
}

async function withDir<T>(f: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'seeupo-onefwd-'));
  try {
    return await f(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

for (const backend of backends) {
  test(`one forward, ${backend.name}: forwardBackwardFn hands gradOf the log-probs of logprobs() and moves the weights as two passes do`, { skip: backend.skip }, async () => {
    await withDir(async (dir) => {
      const [twoPass, onePass] = await pair(backend, dir);
      try {
        for (let step = 0; step < 2; step++) {
          const expected = await twoPass.logprobs(batch);
          await twoPass.forwardBackward(batch, gradOf(expected));
          let seen: Float32Array[] = [];
          const returned = await onePass.forwardBackwardFn!(batch, (logp) => {
            seen = logp;
            return gradOf(logp);
          });
          assert.deepEqual(seen, expected, `step ${step}: gradOf's log-probs`);
          assert.deepEqual(returned, expected, `step ${step}: returned log-probs`);
          const [ra, rb] = [await twoPass.optimStep(opt), await onePass.optimStep(opt)];
          assert.ok(Math.abs(ra.gradNorm - rb.gradNorm) <= 1e-6 * ra.gradNorm && ra.gradNorm > 0);
        }
        assertSameWeights(await weightsOf(twoPass, join(dir, 'a')), await weightsOf(onePass, join(dir, 'b')), 1e-6);
        // null: no backward pass, nothing accumulates.
        await onePass.forwardBackwardFn!(batch, () => null);
        assert.equal((await onePass.optimStep(opt)).gradNorm, 0);
        // A gradient of the wrong shape, or gradOf throwing, rejects and leaves the learner usable.
        await assert.rejects(onePass.forwardBackwardFn!(batch, (lp) => lp.map(() => new Float32Array(1))), /has 1|∂L\/∂logp/);
        await assert.rejects(
          onePass.forwardBackwardFn!(batch, () => {
            throw new Error('loss failed');
          }),
          /loss failed/,
        );
        assert.deepEqual(await onePass.logprobs(batch), await onePass.logprobs(batch));
        await onePass.forwardBackwardFn!(batch, gradOf);
        assert.ok((await onePass.optimStep(opt)).gradNorm > 0);
      } finally {
        await twoPass.dispose();
        await onePass.dispose();
      }
    });
  });
}

test('one forward, tfjs: a shard too large to keep every chunk\'s activations falls back to two passes with the same result', async () => {
  await withDir(async (dir) => {
    const [twoPass, onePass] = await pair(backends[1]!, dir);
    try {
      // 700 sequences × 24 tokens = 16,800 padded tokens, over ONE_PASS_MAX_TOKENS (16,384).
      const big = Array.from({ length: 700 }, (_, i) => batch[i % batch.length]!).map((s) => ({ tokens: Int32Array.from({ length: 24 }, (_, k) => s.tokens[k % s.tokens.length]!), responseStart: s.responseStart }));
      const expected = await twoPass.logprobs(big);
      await twoPass.forwardBackward(big, gradOf(expected));
      const got = await onePass.forwardBackwardFn!(big, gradOf);
      assert.deepEqual(got, expected);
      await twoPass.optimStep(opt);
      await onePass.optimStep(opt);
      assertSameWeights(await weightsOf(twoPass, join(dir, 'a')), await weightsOf(onePass, join(dir, 'b')), 0);
    } finally {
      await twoPass.dispose();
      await onePass.dispose();
    }
  });
});

test('LearnerPort runs one forward through forwardBackwardFn where the learner has it, with the two-pass result', async () => {
  await withDir(async (dir) => {
    const [a, b] = await pair(backends[1]!, dir);
    const counts = { logprobs: 0, fn: 0 };
    const spied: Learner = Object.assign(Object.create(a) as Learner, {
      logprobs: (x: readonly ScoredSequence[]) => (counts.logprobs++, a.logprobs(x)),
      forwardBackwardFn: (x: readonly ScoredSequence[], g: (lp: Float32Array[]) => Float32Array[] | null) => (counts.fn++, a.forwardBackwardFn!(x, g)),
    });
    // Learner b without the optional method: the port takes the two-pass route.
    const plain: Learner = Object.assign(Object.create(b) as Learner, { forwardBackwardFn: undefined });
    try {
      const turns = [0, 1].map((k) => ({ index: k, contextTokens: [1, 2, 3 + k], responseTokens: [4, 5, 6], behaviourLogprobs: [-1, -1, -1], lossMask: [1, 1, 1] }));
      const traj: Trajectory = { id: 't', taskId: 'task', groupId: 'g', turns, reward: 1, status: 'ok' };
      const turnBatch = TurnBatch.fromTrajectories([traj]);
      const grad = (lp: Float64Array) => lp.map((x) => -Math.exp(x));
      const la = await new LearnerPort(spied, opt).forwardBackward(turnBatch, grad);
      const lb = await new LearnerPort(plain, opt).forwardBackward(turnBatch, grad);
      assert.deepEqual(counts, { logprobs: 0, fn: 1 });
      assert.deepEqual(la, lb);
      await a.optimStep(opt);
      await b.optimStep(opt);
      assertSameWeights(await weightsOf(a, join(dir, 'a')), await weightsOf(b, join(dir, 'b')), 1e-6);
    } finally {
      await a.dispose();
      await b.dispose();
    }
  });
});
