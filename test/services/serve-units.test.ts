import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import type { Learner, SampleOutput, SampleParams } from '../../src/policy/learner.js';
import { SampleBatcher } from '../../src/serve/batcher.js';
import { cutAtStopString } from '../../src/serve/stop-strings.js';
import { topOfSamplingDistribution } from '../../src/serve/top-logprobs.js';

test('top log-probs of the sampling distribution: temperature, then top-p, exact values', () => {
  const raw = Float64Array.from([0.5, 0.3, 0.15, 0.05].map(Math.log));
  // Temperature 1, no truncation: the model's own log-probs, most likely first.
  assert.deepEqual(
    topOfSamplingDistribution(raw, 3, 1, 1).map((e) => [e.token, e.logprob.toFixed(6)]),
    [
      [0, Math.log(0.5).toFixed(6)],
      [1, Math.log(0.3).toFixed(6)],
      [2, Math.log(0.15).toFixed(6)],
    ],
  );
  // Temperature 0.5 squares the probabilities: 0.25, 0.09, 0.0225, 0.0025 over 0.365.
  const z = 0.25 + 0.09 + 0.0225 + 0.0025;
  assert.deepEqual(
    topOfSamplingDistribution(raw, 2, 0.5, 1).map((e) => [e.token, e.logprob.toFixed(6)]),
    [
      [0, Math.log(0.25 / z).toFixed(6)],
      [1, Math.log(0.09 / z).toFixed(6)],
    ],
  );
  // top_p 0.7 keeps 0.5 and 0.3 (the token that crosses 0.7 is kept), renormalised over 0.8; the rest are left out.
  assert.deepEqual(
    topOfSamplingDistribution(raw, 4, 1, 0.7).map((e) => [e.token, e.logprob.toFixed(6)]),
    [
      [0, Math.log(0.5 / 0.8).toFixed(6)],
      [1, Math.log(0.3 / 0.8).toFixed(6)],
    ],
  );
  // Greedy: a point mass on the argmax.
  assert.deepEqual(topOfSamplingDistribution(raw, 4, 0, 1), [{ token: 0, logprob: 0 }]);
});

test('stop strings: the tokens up to the one that completes the first stop string, the text before it', () => {
  const text = (ids: Int32Array) => String.fromCharCode(...ids);
  const ids = Int32Array.from('hello there, world'.split('').map((c) => c.charCodeAt(0)));
  assert.equal(cutAtStopString(ids, text, []), null);
  assert.equal(cutAtStopString(ids, text, ['xyz']), null);
  assert.deepEqual(cutAtStopString(ids, text, ['world', 'the']), { keep: 'hello the'.length, text: 'hello ' });
  assert.deepEqual(cutAtStopString(ids, text, ['o']), { keep: 5, text: 'hell' });
});

/** A learner that records its sample calls and answers each row with its prompt's first id and the seed. */
function recordingLearner(): { learner: Learner; calls: Array<{ prompts: number[]; params: SampleParams }> } {
  const calls: Array<{ prompts: number[]; params: SampleParams }> = [];
  const learner = {
    config: { vocabSize: 10, contextLength: 16, dModel: 4, nLayers: 1, nHeads: 1 },
    async sample(prompts: readonly Int32Array[], params: SampleParams): Promise<SampleOutput[]> {
      calls.push({ prompts: prompts.map((p) => p[0]!), params });
      await new Promise((r) => setTimeout(r, 5));
      return prompts.map((p, i) => ({ tokens: Int32Array.from([p[0]!, i]), logprobs: Float32Array.from([0, 0]), finishReason: 'length' as const }));
    },
  } as unknown as Learner;
  return { learner, calls };
}

test('batcher: greedy and unseeded requests share calls; a seeded sampled request runs alone with its rows from 0', async () => {
  const { learner, calls } = recordingLearner();
  const batcher = new SampleBatcher(learner, { maxBatchRows: 64, rng: new Rng(1) });
  const p = (id: number) => Int32Array.from([id]);
  const greedy = { maxTokens: 2, temperature: 0 };
  const sampled = { maxTokens: 2, temperature: 1 };
  // The first call starts at once; the rest wait together and are grouped when it ends.
  const first = batcher.sample([p(0)], greedy);
  const rest = [
    batcher.sample([p(1)], { ...greedy, seed: 5 }),
    batcher.sample([p(2), p(3)], { ...sampled, seed: 9 }),
    batcher.sample([p(4)], greedy),
    batcher.sample([p(5)], sampled),
    batcher.sample([p(6)], { ...sampled, seed: 9 }),
    batcher.sample([p(7)], sampled),
    batcher.sample([p(8)], { ...greedy, maxTokens: 3 }),
  ];
  const outs = await Promise.all([first, ...rest]);
  assert.deepEqual(
    calls.map((c) => [c.prompts, c.params.temperature, c.params.maxTokens]),
    [
      [[0], 0, 2],
      [[1, 4], 0, 2],
      [[2, 3], 1, 2],
      [[5, 7], 1, 2],
      [[6], 1, 2],
      [[8], 0, 3],
    ],
  );
  // Seeded sampled requests keep their seed; the unseeded batch gets one drawn by the server's Rng.
  assert.equal(calls[2]!.params.seed, 9);
  assert.equal(calls[4]!.params.seed, 9);
  assert.ok(Number.isInteger(calls[3]!.params.seed));
  // Each request gets its own rows back, in order.
  assert.deepEqual(
    outs.map((rows) => rows.map((o) => Array.from(o.tokens))),
    [[[0, 0]], [[1, 0]], [[2, 0], [3, 1]], [[4, 1]], [[5, 0]], [[6, 0]], [[7, 1]], [[8, 0]]],
  );
  assert.deepEqual(batcher.stats, { calls: 6, rows: 9, maxRowsPerCall: 2 });
});
