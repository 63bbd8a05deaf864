import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { UserError } from '../../src/core/errors.js';
import { emptyOptimizerState, readCheckpoint, writeCheckpoint } from '../../src/policy/checkpoint.js';
import type { ScoredSequence } from '../../src/policy/learner.js';
import { splitBySize, TfjsLearner } from '../../src/policy/tfjs/learner.js';
import { initWeights, weightLayout, type Weights } from '../../src/policy/weights.js';
import { referenceLogprobs } from './reference-gpt.js';

const cfg = { vocabSize: 13, contextLength: 12, dModel: 8, nLayers: 2, nHeads: 2 };
const opt = { lr: 0.05, weightDecay: 0.1, maxGradNorm: 1 };

async function withDir<T>(f: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'seeupo-tfjs-'));
  try {
    return await f(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A fixed toy dataset: maximise the likelihood of its response tokens (∂L/∂logp = −1 per token). */
const data: ScoredSequence[] = [
  { tokens: Int32Array.of(1, 2, 3, 4, 5, 6, 7), responseStart: 3 },
  { tokens: Int32Array.of(8, 9, 10, 11), responseStart: 1 },
  { tokens: Int32Array.of(12, 0, 1), responseStart: 2 },
  { tokens: Int32Array.of(3, 3, 3, 3, 3, 3, 3, 3, 3, 3), responseStart: 5 },
];
const minusOne = (batch: readonly ScoredSequence[]) => batch.map((s) => new Float32Array(s.tokens.length - s.responseStart).fill(-1));

async function trainSteps(l: TfjsLearner, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await l.forwardBackward(data, minusOne(data));
    const r = await l.optimStep(opt);
    assert.equal(r.skipped, false);
  }
}

async function weightsOf(l: TfjsLearner): Promise<Weights> {
  return withDir(async (dir) => {
    await l.save(dir);
    return (await readCheckpoint(dir)).weights;
  });
}

test('splitBySize makes contiguous shards of about equal size', () => {
  assert.deepEqual(splitBySize([1, 1, 1, 1], 2), [[0, 2], [2, 4]]);
  assert.deepEqual(splitBySize([10, 1, 1, 1], 2), [[0, 1], [1, 4]]);
  assert.deepEqual(splitBySize([5], 2), [[0, 1]]);
  assert.deepEqual(splitBySize([], 2), []);
});

test('initial weights are initWeights(config, Rng(seed)); log-probs match the reference', async () => {
  const l = await TfjsLearner.create({ config: cfg, seed: 21, threads: 1 });
  try {
    const w = await weightsOf(l);
    assert.deepEqual(w, initWeights(cfg, new Rng(21)));
    const got = await l.logprobs(data);
    data.forEach((s, i) => referenceLogprobs(cfg, w, s.tokens, s.responseStart).forEach((v, t) => assert.ok(Math.abs(got[i]![t]! - v) < 1e-5)));
  } finally {
    await l.dispose();
  }
});

test('sampled behaviour log-probs equal teacher-forced log-probs (1e-4), prompts of different lengths', async () => {
  const l = await TfjsLearner.create({ config: cfg, seed: 5, threads: 1 });
  try {
    await trainSteps(l, 3); // move away from the near-uniform init
    const prompts = [Int32Array.of(1, 2, 3), Int32Array.of(8), Int32Array.of(12, 0, 1, 2, 3, 4)];
    const out = await l.sample(prompts, { maxTokens: 5, seed: 77 });
    const scored = await l.logprobs(prompts.map((p, i) => ({ tokens: Int32Array.from([...p, ...out[i]!.tokens]), responseStart: p.length })));
    out.forEach((o, i) => {
      assert.equal(o.finishReason, 'length');
      assert.equal(o.tokens.length, 5);
      o.logprobs.forEach((lp, t) => assert.ok(Math.abs(lp - scored[i]![t]!) < 1e-4, `prompt ${i} token ${t}: ${lp} vs ${scored[i]![t]}`));
    });
    // Same seed, same output; another seed, another output.
    assert.deepEqual(await l.sample(prompts, { maxTokens: 5, seed: 77 }), out);
    assert.notDeepEqual((await l.sample(prompts, { maxTokens: 5, seed: 78 })).map((o) => o.tokens), out.map((o) => o.tokens));
  } finally {
    await l.dispose();
  }
});

test('sampling stops on a stop token (included) and at the context length', async () => {
  const l = await TfjsLearner.create({ config: cfg, seed: 6, threads: 1 });
  try {
    const all = Array.from({ length: cfg.vocabSize }, (_, i) => i);
    const [a] = await l.sample([Int32Array.of(1, 2)], { maxTokens: 4, seed: 1, stopTokens: all });
    assert.equal(a!.finishReason, 'stop');
    assert.equal(a!.tokens.length, 1);
    const [b] = await l.sample([Int32Array.from({ length: 10 }, () => 4)], { maxTokens: 8, seed: 1 });
    assert.equal(b!.finishReason, 'length');
    assert.equal(b!.tokens.length, 2); // positions 10 and 11 fill the context of 12
    // In one batch, the short prompt keeps generating after the long one stopped, past column 12 of the cache.
    const mixed = [Int32Array.from({ length: 10 }, () => 4), Int32Array.of(5)];
    const [c, e] = await l.sample(mixed, { maxTokens: 20, seed: 2 });
    assert.deepEqual([c!.tokens.length, e!.tokens.length], [2, 11]);
    const scored = await l.logprobs([{ tokens: Int32Array.from([5, ...e!.tokens]), responseStart: 1 }]);
    e!.logprobs.forEach((lp, t) => assert.ok(Math.abs(lp - scored[0]![t]!) < 1e-4));
    const [g1, g2] = await l.sample([Int32Array.of(1, 2), Int32Array.of(1, 2)], { maxTokens: 4, seed: 1, temperature: 0 });
    assert.deepEqual(g1, g2); // greedy ignores the per-row random streams
    assert.deepEqual([...g1!.logprobs], [0, 0, 0, 0]);
  } finally {
    await l.dispose();
  }
});

test('save → load into a fresh learner gives identical log-probs and samples', async () => {
  const a = await TfjsLearner.create({ config: cfg, seed: 1, threads: 1 });
  const b = await TfjsLearner.create({ config: cfg, seed: 2, threads: 1 });
  try {
    await trainSteps(a, 2);
    await withDir(async (dir) => {
      await a.save(dir);
      await b.load(dir);
    });
    assert.deepEqual(await b.logprobs(data), await a.logprobs(data));
    assert.deepEqual(await b.sample([Int32Array.of(3)], { maxTokens: 4, seed: 9 }), await a.sample([Int32Array.of(3)], { maxTokens: 4, seed: 9 }));
  } finally {
    await a.dispose();
    await b.dispose();
  }
});

test('interrupted-and-resumed training gives bit-identical weights and moments to an uninterrupted run', async () => {
  const straight = await TfjsLearner.create({ config: cfg, seed: 3, threads: 1 });
  const first = await TfjsLearner.create({ config: cfg, seed: 3, threads: 1 });
  const resumed = await TfjsLearner.create({ config: cfg, seed: 99, threads: 1 });
  try {
    await trainSteps(straight, 4);
    await trainSteps(first, 2);
    await withDir(async (dir) => {
      await first.save(dir);
      await resumed.load(dir);
    });
    await trainSteps(resumed, 2);
    await withDir(async (d1) =>
      withDir(async (d2) => {
        await straight.save(d1);
        await resumed.save(d2);
        const [x, y] = [await readCheckpoint(d1), await readCheckpoint(d2)];
        assert.equal(y.optimizer.step, 4);
        assert.deepEqual(y.weights, x.weights);
        assert.deepEqual(y.optimizer, x.optimizer);
      }),
    );
  } finally {
    await Promise.all([straight.dispose(), first.dispose(), resumed.dispose()]);
  }
});

test('a NaN gradient skips the step: weights and moments kept, gradients dropped, training continues', async () => {
  const a = await TfjsLearner.create({ config: cfg, seed: 4, threads: 1 });
  const b = await TfjsLearner.create({ config: cfg, seed: 4, threads: 1 });
  try {
    await trainSteps(a, 1);
    await trainSteps(b, 1);
    const before = await weightsOf(a);
    const bad = minusOne(data);
    bad[1]![0] = NaN;
    await a.forwardBackward(data, bad);
    const r = await a.optimStep(opt);
    assert.equal(r.skipped, true);
    assert.ok(Number.isNaN(r.gradNorm));
    assert.deepEqual(await weightsOf(a), before);
    // The skipped step left no trace: one more normal step equals b's second step exactly.
    await trainSteps(a, 1);
    await trainSteps(b, 1);
    await withDir(async (d1) =>
      withDir(async (d2) => {
        await a.save(d1);
        await b.save(d2);
        const [x, y] = [await readCheckpoint(d1), await readCheckpoint(d2)];
        assert.deepEqual(x.weights, y.weights);
        assert.deepEqual(x.optimizer, y.optimizer);
      }),
    );
  } finally {
    await a.dispose();
    await b.dispose();
  }
});

test('two threads (a worker) give the same log-probs, gradient norm and samples as one', async () => {
  const one = await TfjsLearner.create({ config: cfg, seed: 8, threads: 1 });
  const two = await TfjsLearner.create({ config: cfg, seed: 8, threads: 2 });
  try {
    assert.equal(two.threads, 2);
    const [l1, l2] = [await one.logprobs(data), await two.logprobs(data)];
    l1.forEach((row, i) => row.forEach((v, t) => assert.ok(Math.abs(v - l2[i]![t]!) < 1e-6)));
    // Token arrays that are views into a larger buffer reach the worker intact.
    const views = data.map((s) => ({ tokens: Int32Array.from([9, 9, ...s.tokens]).subarray(2), responseStart: s.responseStart }));
    assert.deepEqual(await two.logprobs(views), l2);
    await one.forwardBackward(data, minusOne(data));
    await two.forwardBackward(data, minusOne(data));
    const [r1, r2] = [await one.optimStep({ lr: 0.01 }), await two.optimStep({ lr: 0.01 })];
    assert.ok(Math.abs(r1.gradNorm - r2.gradNorm) < 1e-5 * r1.gradNorm, `${r1.gradNorm} vs ${r2.gradNorm}`);
    const prompts = [Int32Array.of(1), Int32Array.of(2, 3), Int32Array.of(4, 5, 6), Int32Array.of(7)];
    const [s1, s2] = [await one.sample(prompts, { maxTokens: 3, seed: 5 }), await two.sample(prompts, { maxTokens: 3, seed: 5 })];
    assert.deepEqual(s2.map((o) => [...o.tokens]), s1.map((o) => [...o.tokens]));
  } finally {
    await one.dispose();
    await two.dispose();
  }
});

test('bad inputs are UserErrors naming the problem; a checkpoint of another shape is refused', async () => {
  const l = await TfjsLearner.create({ config: cfg, seed: 1, threads: 1 });
  const isUser = (re: RegExp) => (e: unknown) => e instanceof UserError && re.test(e.message);
  try {
    await assert.rejects(l.logprobs([{ tokens: Int32Array.of(1, 13), responseStart: 1 }]), isUser(/token 13 at position 1 is outside the vocabulary \[0, 13\)/));
    await assert.rejects(l.logprobs([{ tokens: new Int32Array(13), responseStart: 1 }]), isUser(/13 tokens, more than the context length 12/));
    await assert.rejects(l.logprobs([{ tokens: Int32Array.of(1, 2), responseStart: 0 }]), isUser(/responseStart 0 must be in \[1, 2\]/));
    await assert.rejects(l.forwardBackward(data, minusOne(data).slice(1)), isUser(/3 gradient arrays for 4 sequences/));
    await assert.rejects(l.forwardBackward(data.slice(0, 1), [new Float32Array(2)]), isUser(/scores 4 tokens but its ∂L\/∂logp has 2/));
    await assert.rejects(l.sample([new Int32Array(12)], { maxTokens: 1, seed: 1 }), isUser(/prompt 0 has 12 tokens; it needs 1 to 11/));
    await assert.rejects(l.sample([Int32Array.of(1)], { maxTokens: 1, seed: 1, topP: 0 }), isUser(/topP must be in \(0, 1\]/));
    await assert.rejects(TfjsLearner.create({ config: { ...cfg, nHeads: 3 }, seed: 1 }), isUser(/dModel must be divisible by nHeads/));
    await assert.rejects(TfjsLearner.create({ config: { ...cfg, dModel: 12, nHeads: 2 }, seed: 1 }), isUser(/head size dModel \/ nHeads must be a multiple of 4 .* got 6/));
    await withDir(async (dir) => {
      const other = { ...cfg, dModel: 4 };
      await writeCheckpoint(dir, { config: other, weights: initWeights(other, new Rng(1)), optimizer: emptyOptimizerState(other), backend: 'tfjs', extra: {} });
      await assert.rejects(l.load(dir), isUser(/is for model/));
    });
  } finally {
    await l.dispose();
  }
});

test('sequences with nothing scored give empty log-probs and a zero gradient', async () => {
  const l = await TfjsLearner.create({ config: cfg, seed: 1, threads: 1 });
  try {
    const none = [{ tokens: Int32Array.of(3), responseStart: 1 }, { tokens: Int32Array.of(3, 4), responseStart: 2 }];
    assert.deepEqual(await l.logprobs(none), [new Float32Array(0), new Float32Array(0)]);
    assert.deepEqual(await l.forwardBackward(none, [new Float32Array(0), new Float32Array(0)]), [new Float32Array(0), new Float32Array(0)]);
    assert.deepEqual(await l.optimStep({ lr: 0.1 }), { gradNorm: 0, skipped: false });
    assert.deepEqual(await l.logprobs([]), []);
    assert.deepEqual(await l.sample([], { maxTokens: 2, seed: 1 }), []);
  } finally {
    await l.dispose();
  }
});

test('weight decay touches only matrix weights', async () => {
  // With zero gradients AdamW's update is 0, so only decay moves weights: matrices shrink by (1 − lr·wd).
  const l = await TfjsLearner.create({ config: cfg, seed: 2, threads: 1 });
  try {
    const before = await weightsOf(l);
    await l.forwardBackward(data, data.map((s) => new Float32Array(s.tokens.length - s.responseStart)));
    await l.optimStep({ lr: 0.1, weightDecay: 0.5 });
    const after = await weightsOf(l);
    for (const spec of weightLayout(cfg)) {
      const f = spec.kind === 'matrix' ? Math.fround(1 - 0.1 * 0.5) : 1;
      const w0 = before.get(spec.name)!;
      after.get(spec.name)!.forEach((v, i) => assert.ok(Math.abs(v - w0[i]! * f) <= 1e-7 * Math.abs(w0[i]!) + 1e-12, `${spec.name}[${i}]`));
    }
  } finally {
    await l.dispose();
  }
});
