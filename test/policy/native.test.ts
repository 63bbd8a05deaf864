import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { adamwUpdate, clipGradients, globalNorm, resolveOptimOptions } from '../../src/policy/adamw.js';
import { emptyOptimizerState, readCheckpoint, writeCheckpoint } from '../../src/policy/checkpoint.js';
import type { ModelConfig, ScoredSequence } from '../../src/policy/learner.js';
import { libtorchInstalled, loadNativeAddon } from '../../src/policy/native/addon.js';
import { NativeLearner } from '../../src/policy/native/native-learner.js';
import { chooseToken } from '../../src/policy/tfjs/sampling.js';
import { initWeights, weightLayout, type Weights } from '../../src/policy/weights.js';
import { maxAbsDiff, nativeBinding, nativeSkip, randomWeights } from './native-reference.js';
import { referenceLogits, referenceLogprobs } from './reference-gpt.js';

const config: ModelConfig = { vocabSize: 13, contextLength: 12, dModel: 8, nLayers: 2, nHeads: 2 };
const skip = nativeSkip;

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'seeupo-native-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A learner holding `weights` (loaded through a checkpoint, the public way in). */
async function learnerWith(weights: Weights): Promise<NativeLearner> {
  const learner = await NativeLearner.create({ config, seed: 1, threads: 1 });
  await withTempDir(async (dir) => {
    await writeCheckpoint(dir, { config, weights, optimizer: emptyOptimizerState(config), backend: 'test', extra: {} });
    await learner.load(dir);
  });
  return learner;
}

const seq = (...t: number[]) => Int32Array.from(t);

const batch: ScoredSequence[] = [
  { tokens: seq(1, 5, 7, 2, 11, 3), responseStart: 2 },
  { tokens: seq(4, 9), responseStart: 1 },
  { tokens: seq(12, 0, 6, 6, 8, 1, 2, 3, 4, 10, 5, 7), responseStart: 5 },
  { tokens: seq(3, 3, 3), responseStart: 3 }, // nothing scored
];

test('the addon is built wherever libtorch is installed (enforced in CI)', { skip: process.env.CI ? false : 'enforced only in CI (when CI is set)' }, () => {
  const addon = loadNativeAddon();
  assert.ok(!libtorchInstalled() || addon.available, addon.available ? '' : addon.reason);
});

test('native: a new learner holds initWeights(config, Rng(seed)) exactly', { skip }, async () => {
  const learner = await NativeLearner.create({ config, seed: 42, threads: 1 });
  const got = await learner.weights();
  for (const [name, expected] of initWeights(config, new Rng(42))) assert.deepEqual(got.get(name), expected, name);
  await learner.dispose();
});

test('native: log-probs equal a plain float64 implementation of the spec', { skip }, async () => {
  const weights = randomWeights(config, new Rng(3));
  const learner = await learnerWith(weights);
  const got = await learner.logprobs(batch);
  assert.deepEqual(got.map((g) => g.length), [4, 1, 7, 0]);
  batch.forEach((s, i) => assert.ok(maxAbsDiff(got[i]!, referenceLogprobs(config, weights, s.tokens, s.responseStart)) < 2e-5, `sequence ${i}`));
  // Far from uniform (-log 13 = -2.56 everywhere), so the comparison means something.
  assert.ok(Math.max(...got[2]!) - Math.min(...got[2]!) > 1);
  await learner.dispose();
});

test('native: sampled log-probs equal teacher-forced log-probs, and sampling follows the shared token rule', { skip }, async () => {
  const weights = randomWeights(config, new Rng(4));
  const learner = await learnerWith(weights);
  const prompts = [seq(1, 2, 3), seq(7), seq(5, 4, 3, 2, 1)];
  // Rows finish at different steps (stop tokens, the context length), leaving the decode batch one by one.
  for (const { temperature, topP, maxTokens, stopTokens } of [
    { temperature: 1, topP: 1, maxTokens: 6, stopTokens: [] },
    { temperature: 0.7, topP: 0.8, maxTokens: 6, stopTokens: [] },
    { temperature: 0, topP: 1, maxTokens: 6, stopTokens: [] },
    { temperature: 1, topP: 1, maxTokens: 10, stopTokens: [2, 7] },
    { temperature: 1.3, topP: 0.95, maxTokens: 10, stopTokens: [] },
  ]) {
    const out = await learner.sample(prompts, { maxTokens, temperature, topP, stopTokens, seed: 9 });
    const base = new Rng(9);
    prompts.forEach((prompt, i) => {
      const o = out[i]!;
      const last = o.tokens[o.tokens.length - 1]!;
      if (o.finishReason === 'stop') assert.ok(stopTokens.includes(last));
      else assert.equal(o.tokens.length, Math.min(maxTokens, config.contextLength - prompt.length));
      const full = Int32Array.from([...prompt, ...o.tokens]);
      // The TypeScript rule on reference logits, drawing from the same generator, picks the same tokens.
      const logits = referenceLogits(config, weights, full);
      const rng = base.fork(`sample:${i}`);
      o.tokens.forEach((tok, k) => {
        const choice = chooseToken(Float32Array.from(logits[prompt.length - 1 + k]!), temperature, topP, rng);
        assert.equal(tok, choice.token, `T=${temperature} p=${topP} prompt ${i} token ${k}`);
        assert.ok(Math.abs(o.logprobs[k]! - choice.logprob) < 1e-4);
        if (k < o.tokens.length - 1) assert.ok(!stopTokens.includes(tok), 'nothing after a stop token');
      });
      if (temperature === 1 && topP === 1) {
        const teacher = referenceLogprobs(config, weights, full, prompt.length);
        assert.ok(maxAbsDiff(o.logprobs, teacher) < 1e-4, `prompt ${i}`);
      }
    });
    if (maxTokens === 10) assert.ok(new Set(out.map((o) => o.tokens.length)).size > 1, 'rows finished at different steps');
    if (stopTokens.length > 0) assert.ok(out.some((o) => o.finishReason === 'stop'));
  }
  // And against the native teacher-forced pass itself.
  const out = await learner.sample(prompts, { maxTokens: 6, seed: 10 });
  const teacher = await learner.logprobs(prompts.map((p, i) => ({ tokens: Int32Array.from([...p, ...out[i]!.tokens]), responseStart: p.length })));
  out.forEach((o, i) => assert.ok(maxAbsDiff(o.logprobs, teacher[i]!) < 1e-4));
  // Same seed, same samples.
  assert.deepEqual(await learner.sample(prompts, { maxTokens: 6, seed: 10 }), out);
  await learner.dispose();
});

test('native: sequences longer than one attention block (64 positions) score and sample like the reference', { skip }, async () => {
  const longConfig: ModelConfig = { vocabSize: 13, contextLength: 150, dModel: 8, nLayers: 1, nHeads: 2 };
  const weights = randomWeights(longConfig, new Rng(12));
  const learner = await NativeLearner.create({ config: longConfig, seed: 1, threads: 1 });
  await withTempDir(async (dir) => {
    await writeCheckpoint(dir, { config: longConfig, weights, optimizer: emptyOptimizerState(longConfig), backend: 'test', extra: {} });
    await learner.load(dir);
  });
  const tokens = Int32Array.from({ length: 150 }, (_, i) => (i * 7 + 1) % 13);
  const [lp] = await learner.logprobs([{ tokens, responseStart: 1 }]);
  assert.ok(maxAbsDiff(lp!, referenceLogprobs(longConfig, weights, tokens, 1)) < 5e-5);
  const [out] = await learner.sample([tokens.slice(0, 70)], { maxTokens: 100, seed: 3 });
  assert.equal(out!.tokens.length, 80, 'stops at the context length');
  const teacher = referenceLogprobs(longConfig, weights, Int32Array.from([...tokens.slice(0, 70), ...out!.tokens]), 70);
  assert.ok(maxAbsDiff(out!.logprobs, teacher) < 1e-4);
  await learner.dispose();
});

test('native: sampling stops on a stop token, at maxTokens and at the context length', { skip }, async () => {
  const learner = await learnerWith(randomWeights(config, new Rng(5)));
  const all = Array.from({ length: config.vocabSize }, (_, i) => i);
  const [stopped] = await learner.sample([seq(1, 2)], { maxTokens: 5, stopTokens: all, seed: 1 });
  assert.equal(stopped!.finishReason, 'stop');
  assert.equal(stopped!.tokens.length, 1);
  const [none] = await learner.sample([seq(1)], { maxTokens: 0, seed: 1 });
  assert.deepEqual(none, { tokens: new Int32Array(0), logprobs: new Float32Array(0), finishReason: 'length' });
  const [full] = await learner.sample([new Int32Array(12).fill(3)], { maxTokens: 5, seed: 1 });
  assert.equal(full!.tokens.length, 0, 'a prompt that fills the context leaves no room');
  assert.equal(full!.finishReason, 'length');
  const [capped] = await learner.sample([seq(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)], { maxTokens: 10, seed: 1 });
  assert.equal(capped!.tokens.length, 2, 'prompt + generated tokens never exceed the context length');
  assert.equal(capped!.finishReason, 'length');
  await learner.dispose();
});

test('native: save → load gives identical log-probs in a fresh learner', { skip }, async () => {
  await withTempDir(async (dir) => {
    const a = await learnerWith(randomWeights(config, new Rng(6)));
    await a.forwardBackward(batch, batch.map((s) => new Float32Array(s.tokens.length - s.responseStart).fill(-0.5)));
    await a.optimStep({ lr: 0.01 });
    await a.save(dir);
    const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as { backend: string; step: number };
    assert.equal(state.backend, 'native');
    assert.equal(state.step, 1);
    const b = await NativeLearner.create({ config, seed: 99, threads: 1 });
    await b.load(dir);
    assert.deepEqual(await b.logprobs(batch), await a.logprobs(batch));
    await a.dispose();
    await b.dispose();
  });
});

async function trainSteps(learner: NativeLearner, from: number, to: number): Promise<void> {
  for (let step = from; step < to; step++) {
    const rng = new Rng(1000 + step);
    const grads = batch.map((s) => Float32Array.from({ length: s.tokens.length - s.responseStart }, () => rng.normal()));
    await learner.forwardBackward(batch, grads);
    await learner.optimStep({ lr: 0.01, weightDecay: 0.1, maxGradNorm: 0.5 });
  }
}

test('native: interrupted-and-resumed training gives bit-identical weights and moments', { skip }, async () => {
  await withTempDir(async (dir) => {
    const straight = await NativeLearner.create({ config, seed: 7, threads: 1 });
    await trainSteps(straight, 0, 4);
    const first = await NativeLearner.create({ config, seed: 7, threads: 1 });
    await trainSteps(first, 0, 2);
    await first.save(join(dir, 'half'));
    await first.dispose();
    const resumed = await NativeLearner.create({ config, seed: 123, threads: 1 });
    await resumed.load(join(dir, 'half'));
    await trainSteps(resumed, 2, 4);
    await straight.save(join(dir, 'straight'));
    await resumed.save(join(dir, 'resumed'));
    const x = await readCheckpoint(join(dir, 'straight'));
    const y = await readCheckpoint(join(dir, 'resumed'));
    assert.equal(y.optimizer.step, 4);
    for (const { name } of weightLayout(config)) {
      assert.deepEqual(y.weights.get(name), x.weights.get(name), name);
      assert.deepEqual(y.optimizer.expAvg.get(name), x.optimizer.expAvg.get(name), name);
      assert.deepEqual(y.optimizer.expAvgSq.get(name), x.optimizer.expAvgSq.get(name), name);
    }
    assert.notDeepEqual(x.weights.get('wte.weight'), initWeights(config, new Rng(7)).get('wte.weight'));
    await straight.dispose();
    await resumed.dispose();
  });
});

test('native: a NaN gradient skips the step, keeps weights and moments, zeroes the gradients and warns', { skip }, async () => {
  const learner = await NativeLearner.create({ config, seed: 8, threads: 1 });
  await trainSteps(learner, 0, 1);
  const before = await learner.weights();
  const grads = batch.map((s) => new Float32Array(s.tokens.length - s.responseStart).fill(0.25));
  grads[0]![1] = NaN;
  await learner.forwardBackward(batch, grads);
  const writes: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (writes.push(String(chunk)), true)) as typeof process.stderr.write;
  let result;
  try {
    result = await learner.optimStep({ lr: 0.01 });
  } finally {
    process.stderr.write = original;
  }
  assert.equal(result.skipped, true);
  assert.ok(Number.isNaN(result.gradNorm));
  assert.equal(writes.length, 1);
  assert.match(writes[0]!, /gradient norm is NaN after step 1: skipped the step/);
  assert.deepEqual(await learner.weights(), before);
  // The NaN gradients are gone: an optimizer step with nothing accumulated changes nothing either.
  assert.deepEqual(await learner.optimStep({ lr: 0.01 }), { gradNorm: 0, skipped: false });
  assert.deepEqual(await learner.weights(), before);
  await withTempDir(async (dir) => {
    await learner.save(dir);
    assert.equal((await readCheckpoint(dir)).optimizer.step, 1);
  });
  await trainSteps(learner, 1, 2);
  assert.notDeepEqual((await learner.weights()).get('wte.weight'), before.get('wte.weight'));
  await learner.dispose();
});

test('native: AdamW with clipping and decoupled decay matches the TypeScript AdamW term for term', { skip }, async () => {
  const binding = nativeBinding();
  const model = new binding.Model(config, 1, false);
  const weights = randomWeights(config, new Rng(11), 0.3);
  await model.setWeights(Object.fromEntries(weights));
  const h = resolveOptimOptions({ lr: 0.02, weightDecay: 0.3, maxGradNorm: 0.5, beta1: 0.8, beta2: 0.9, eps: 1e-6 });
  const expected = new Map([...weights].map(([k, v]) => [k, Float32Array.from(v)]));
  const m = new Map([...weights].map(([k, v]) => [k, new Float32Array(v.length)]));
  const v2 = new Map([...weights].map(([k, v]) => [k, new Float32Array(v.length)]));
  const p = { tokens: seq(1, 5, 7, 2, 11, 3, 4, 9), lengths: seq(6, 2), starts: seq(2, 1) };
  for (let step = 1; step <= 2; step++) {
    await model.forwardBackward(p.tokens, p.lengths, p.starts, Float32Array.from([0.3, -1, 0.5, 2, -0.7]));
    const grads = await model.getGrads();
    const flat = Float32Array.from(weightLayout(config).flatMap((s) => [...grads[s.name]!]));
    const norm = globalNorm(flat);
    const r = await model.optimStep(h.lr, h.beta1, h.beta2, h.eps, h.weightDecay, h.maxGradNorm!);
    assert.ok(Math.abs(r.gradNorm - norm) < 1e-5 * norm);
    assert.ok(norm > 0.5, 'the clip is active');
    for (const spec of weightLayout(config)) {
      const g = Float32Array.from(grads[spec.name]!);
      clipGradients(g, norm, h.maxGradNorm!);
      adamwUpdate(expected.get(spec.name)!, g, m.get(spec.name)!, v2.get(spec.name)!, step, h, spec.kind === 'matrix');
    }
    const got = await model.getWeights();
    for (const spec of weightLayout(config)) assert.ok(maxAbsDiff(got[spec.name]!, expected.get(spec.name)!) < 1e-6, `${spec.name} step ${step}`);
  }
  const state = await model.getOptimizerState();
  assert.equal(state.step, 2);
  for (const spec of weightLayout(config)) assert.ok(maxAbsDiff(state.expAvg[spec.name]!, m.get(spec.name)!) < 1e-7, spec.name);
  await model.dispose();
});

test('native: bad batches are UserErrors naming the problem; empty batches are empty; a disposed model rejects', { skip }, async () => {
  const learner = await NativeLearner.create({ config, seed: 1, threads: 1 });
  await assert.rejects(learner.logprobs([{ tokens: seq(1, 13), responseStart: 1 }]), (e: Error) => e instanceof UserError && /token 1 is 13, outside the vocabulary \[0, 13\)/.test(e.message));
  await assert.rejects(learner.logprobs([{ tokens: seq(1, 2), responseStart: 0 }]), (e: Error) => e instanceof UserError && /responseStart 0/.test(e.message));
  await assert.rejects(learner.logprobs([{ tokens: new Int32Array(13), responseStart: 1 }]), (e: Error) => e instanceof UserError && /13 tokens, expected 1..12/.test(e.message));
  await assert.rejects(learner.forwardBackward([{ tokens: seq(1, 2, 3), responseStart: 1 }], [new Float32Array(3)]), (e: Error) => e instanceof UserError && /dLdLogp 0 has 3 values, sequence 0 has 2/.test(e.message));
  await assert.rejects(learner.sample([seq(1)], { maxTokens: 2, topP: 0, seed: 1 }), (e: Error) => e instanceof UserError && /topP/.test(e.message));
  await withTempDir(async (dir) => {
    const other = await NativeLearner.create({ config: { ...config, dModel: 4 }, seed: 1, threads: 1 });
    await other.save(dir);
    await other.dispose();
    await assert.rejects(learner.load(dir), (e: Error) => e instanceof UserError && /is for model/.test(e.message));
  });
  assert.deepEqual(await learner.logprobs([]), []);
  assert.deepEqual(await learner.forwardBackward([], []), []);
  assert.deepEqual(await learner.sample([], { maxTokens: 3, seed: 1 }), []);
  await learner.dispose();
  await assert.rejects(learner.logprobs(batch), /disposed/);
});

test('native: errors inside the addon reject the call instead of aborting Node', { skip }, async () => {
  const model = new (nativeBinding().Model)(config, 1, false);
  await assert.rejects(model.logprobs(seq(1, 99), seq(2), seq(1)), /token id 99 is outside the vocabulary \[0, 13\)/);
  await assert.rejects(model.setWeights({ 'wte.weight': new Float32Array(3) }), /expected \d+ arrays, got 1/);
  await assert.rejects(model.forwardBackward(seq(1, 2), seq(2), seq(1), new Float32Array(5)), /dLdLogp has 5 values for 1 scored tokens/);
  assert.throws(() => model.logprobs([1, 2] as unknown as Int32Array, seq(2), seq(1)), /tokens must be an Int32Array/);
  // Still usable afterwards.
  assert.equal((await model.logprobs(seq(1, 2), seq(2), seq(1))).length, 1);
  await model.dispose();
});
