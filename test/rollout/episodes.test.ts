import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { BfclEnv } from '../../src/envs/bfcl/env.js';
import type { BfclEntry } from '../../src/envs/bfcl/data.js';
import type { SampleOutput, SampleParams } from '../../src/policy/learner.js';
import { ByteLevelTokenizer } from '../../src/policy/tokenizer/byte-level.js';
import { ChatmlRenderer } from '../../src/render/chatml.js';
import { CompactRenderer } from '../../src/render/compact.js';
import type { Renderer } from '../../src/render/renderer.js';
import { playEpisodes, type EpisodeSpec } from '../../src/rollout/episodes.js';
import type { RolloutPolicy, RolloutRequest } from '../../src/rollout/policy.js';
import { compactVocabulary } from '../../src/train/vocabulary.js';
import { fixtureTaskSource } from '../train/fixture-tasks.js';

/** A policy that writes random tokens (and sometimes a stop token): what an untrained model might do. */
function randomPolicy(vocab: number, calls: RolloutRequest[][] = []): RolloutPolicy {
  return {
    async sample(requests, params: SampleParams): Promise<SampleOutput[]> {
      calls.push([...requests]);
      const rng = new Rng(params.seed);
      return requests.map(() => {
        const n = 1 + rng.int(params.maxTokens);
        const ids: number[] = [];
        for (let i = 0; i < n; i++) {
          const stop = params.stopTokens && rng.next() < 0.15 ? params.stopTokens[0]! : rng.int(vocab);
          ids.push(stop);
          if (params.stopTokens?.includes(stop)) break;
        }
        const last = ids[ids.length - 1]!;
        return { tokens: Int32Array.from(ids), logprobs: Float32Array.from(ids, () => -rng.next()), finishReason: params.stopTokens?.includes(last) ? 'stop' : 'length' };
      });
    },
  };
}

const source = fixtureTaskSource();
const specs = (n: number, g: number): EpisodeSpec<BfclEntry>[] =>
  Array.from({ length: n }, (_, i) => source.task('train', i)).flatMap((t) =>
    Array.from({ length: g }, (_, j) => ({ id: `${t.id}:${j}`, taskId: t.id, groupId: t.id, task: t.entry })),
  );
const renderers: Renderer[] = [
  new CompactRenderer(compactVocabulary(source.classes, source.words)),
  new ChatmlRenderer(new ByteLevelTokenizer()),
];
const contextFor = (r: Renderer) => (r.name === 'compact' ? 200 : 20_000);
const options = (renderer: Renderer, policy: RolloutPolicy, seed = 1) => ({
  renderer,
  policy,
  makeEnv: () => new BfclEnv({ systemPrompt: null, toolsInSystemPrompt: false }),
  temperature: 1,
  topP: 1,
  // ChatML spells the tool list out in the prompt (~16k byte tokens for the file system); the compact format does not.
  budgets: { maxTurns: 6, maxResponseTokens: 16, contextLength: contextFor(renderer) },
  seed,
  envTimeoutMs: 1000,
  maxConcurrentEpisodes: 64,
});

for (const renderer of renderers) {
  test(`rollout (${renderer.name}): random token sequences as model output never crash an episode; tokens in, tokens out`, async () => {
    for (let seed = 0; seed < 5; seed++) {
      const episodes = await playEpisodes(specs(8, 4), options(renderer, randomPolicy(renderer.vocabSize), seed));
      assert.equal(episodes.length, 32);
      for (const e of episodes) {
        assert.notEqual(e.trajectory.status, 'failed', e.trajectory.error);
        const turns = e.trajectory.turns;
        assert.ok(turns.length >= 1 && turns.length <= 6);
        for (let k = 0; k + 1 < turns.length; k++) {
          // The context of turn k+1 starts with turn k's context and its exact response tokens.
          const prefix = [...turns[k]!.contextTokens, ...turns[k]!.responseTokens];
          assert.deepEqual(turns[k + 1]!.contextTokens.slice(0, prefix.length), prefix);
        }
        for (const t of turns) {
          assert.equal(t.responseTokens.length, t.behaviourLogprobs.length);
          assert.equal(t.responseTokens.length, t.lossMask.length);
          assert.ok(t.contextTokens.length + t.responseTokens.length <= contextFor(renderer));
        }
      }
    }
  });
}

test('rollout: lockstep — one sample call per step for every live episode, sessions named by episode; same seed, same trajectories', async () => {
  const renderer = renderers[0]!;
  const calls: RolloutRequest[][] = [];
  const a = await playEpisodes(specs(4, 2), options(renderer, randomPolicy(renderer.vocabSize, calls), 9));
  assert.equal(calls[0]!.length, 8);
  assert.deepEqual(calls[0]!.map((r) => r.session), a.map((e) => e.trajectory.id));
  for (let s = 1; s < calls.length; s++) assert.ok(calls[s]!.length <= calls[s - 1]!.length);
  const b = await playEpisodes(specs(4, 2), options(renderer, randomPolicy(renderer.vocabSize), 9));
  assert.deepEqual(b.map((e) => e.trajectory), a.map((e) => e.trajectory));
});

test('rollout: more episodes than maxConcurrentEpisodes are played in chunks of that size', async () => {
  const renderer = renderers[0]!;
  const calls: RolloutRequest[][] = [];
  const out = await playEpisodes(specs(5, 4), { ...options(renderer, randomPolicy(renderer.vocabSize, calls)), maxConcurrentEpisodes: 8 });
  assert.equal(out.length, 20);
  assert.ok(calls.every((c) => c.length <= 8));
  assert.deepEqual(out.map((e) => e.trajectory.id), specs(5, 4).map((s) => s.id));
});

test('rollout: a sampling call that fails fails the episodes it was for, with the error; the rest play on', async () => {
  const renderer = renderers[0]!;
  const inner = randomPolicy(renderer.vocabSize);
  let call = 0;
  const flaky: RolloutPolicy = {
    async sample(requests, params) {
      if (++call === 2) throw new Error('server said 503');
      return inner.sample(requests, params);
    },
  };
  // Chunks of 4 episodes: the second sampling call belongs to the first chunk's second step, or to the second chunk.
  const out = await playEpisodes(specs(4, 2), { ...options(renderer, flaky), maxConcurrentEpisodes: 4 });
  const failed = out.filter((e) => e.trajectory.status === 'failed');
  assert.ok(failed.length > 0 && failed.length <= 4);
  for (const f of failed) assert.match(f.trajectory.error!, /sampling failed: server said 503/);
  assert.ok(out.some((e) => e.trajectory.status !== 'failed'));
});
