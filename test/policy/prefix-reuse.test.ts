import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { emptyOptimizerState, writeCheckpoint } from '../../src/policy/checkpoint.js';
import type { Learner, ModelConfig, SampleOutput } from '../../src/policy/learner.js';
import { NativeLearner } from '../../src/policy/native/native-learner.js';
import type { PrefixReuseStats } from '../../src/policy/sessions.js';
import { TfjsLearner } from '../../src/policy/tfjs/learner.js';
import { BfclEnv } from '../../src/envs/bfcl/env.js';
import { CompactRenderer } from '../../src/render/compact.js';
import { playEpisodes } from '../../src/rollout/episodes.js';
import { localRolloutPolicy } from '../../src/rollout/local-policy.js';
import type { RolloutPolicy } from '../../src/rollout/policy.js';
import { compactVocabulary } from '../../src/train/vocabulary.js';
import { fixtureTaskSource } from '../train/fixture-tasks.js';
import { maxAbsDiff, nativeSkip, randomWeights } from './native-reference.js';

// Prefix reuse (Learner.sample with sessions): a multi-turn episode sampled with each session's KV cache kept
// between turns gives the tokens and log-probs it gives without, while reading only the new tokens.
const config: ModelConfig = { vocabSize: 32, contextLength: 48, dModel: 16, nLayers: 2, nHeads: 2 };
type Local = Learner & { prefixReuse: PrefixReuseStats };

interface Backend {
  name: string;
  skip: false | string;
  /** Largest |Δ log-prob| allowed between the two routes (0: bit-identical). */
  tol: number;
  create(sessionCacheBytes?: number): Promise<Local>;
}

// Native: the reused keys and values were computed in another call, by the decode step or another prefill chunk,
// where libtorch sums in another order (differences ~5e-7). TF.js: each token's row products and attention are the
// same kernels whatever the batch, so the routes agree bit for bit.
const backends: Backend[] = [
  { name: 'native', skip: nativeSkip, tol: 1e-5, create: (b) => NativeLearner.create({ config, seed: 1, threads: 1, ...(b === undefined ? {} : { sessionCacheBytes: b }) }) },
  { name: 'tfjs 1 thread', skip: false, tol: 0, create: (b) => TfjsLearner.create({ config, seed: 1, threads: 1, ...(b === undefined ? {} : { sessionCacheBytes: b }) }) },
  { name: 'tfjs 2 threads', skip: false, tol: 0, create: (b) => TfjsLearner.create({ config, seed: 1, threads: 2, ...(b === undefined ? {} : { sessionCacheBytes: b }) }) },
];

async function withWeights(backend: Backend, f: (l: Local) => Promise<void>, sessionCacheBytes?: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'seeupo-prefix-'));
  const learner = await backend.create(sessionCacheBytes);
  try {
    await writeCheckpoint(dir, { config, weights: randomWeights(config, new Rng(8), 0.5), optimizer: emptyOptimizerState(config), backend: 'test', extra: {} });
    await learner.load(dir);
    await f(learner);
  } finally {
    await learner.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

const EPISODES = 5;
const TURNS = 4;
const STOP = 7;

/**
 * Lockstep episodes: each turn samples every episode's context in one call, then appends the sampled tokens and a
 * few "environment" tokens. `edit(turn, episode, prompt)` may rewrite a prompt (history that is not a pure
 * extension). Returns every turn's outputs and the prompt tokens reused per turn.
 */
async function episodes(learner: Local, sessions: boolean, edit?: (turn: number, ep: number, prompt: number[]) => number[]): Promise<{ outs: SampleOutput[][]; reused: number[] }> {
  const rng = new Rng(21);
  let ctx = Array.from({ length: EPISODES }, (_, i) => Array.from({ length: 4 + i }, () => rng.int(config.vocabSize)));
  const outs: SampleOutput[][] = [];
  const reused: number[] = [];
  for (let t = 0; t < TURNS; t++) {
    if (edit) ctx = ctx.map((c, i) => edit(t, i, c));
    const before = learner.prefixReuse.reusedTokens;
    const keys = sessions ? ctx.map((_, i) => `episode-${i}`) : undefined;
    const out = await learner.sample(
      ctx.map((c) => Int32Array.from(c)),
      { maxTokens: 4, temperature: 1, stopTokens: [STOP], seed: 100 + t },
      keys,
    );
    reused.push(learner.prefixReuse.reusedTokens - before);
    outs.push(out);
    ctx = ctx.map((c, i) => [...c, ...out[i]!.tokens, ...Array.from({ length: 2 + ((t + i) % 3) }, () => rng.int(config.vocabSize))]);
  }
  return { outs, reused };
}

function assertSameSamples(a: SampleOutput[][], b: SampleOutput[][], tol: number, what: string): void {
  a.forEach((turn, t) =>
    turn.forEach((o, i) => {
      const p = b[t]![i]!;
      assert.deepEqual(Array.from(p.tokens), Array.from(o.tokens), `${what}: turn ${t} episode ${i} tokens`);
      assert.equal(p.finishReason, o.finishReason);
      const d = maxAbsDiff(o.logprobs, p.logprobs);
      assert.ok(tol === 0 ? d === 0 : d <= tol, `${what}: turn ${t} episode ${i} log-probs differ by ${d}`);
    }),
  );
}

/** Tokens a turn reuses when every prompt extends its previous prompt + output: all tokens the session was fed. */
function expectedReuse(outs: SampleOutput[][]): number[] {
  let lens = Array.from({ length: EPISODES }, (_, i) => 4 + i);
  const expected = [0];
  for (let t = 0; t < TURNS - 1; t++) {
    expected.push(outs[t]!.reduce((n, o, i) => n + lens[i]! + o.tokens.length - 1, 0));
    lens = lens.map((l, i) => l + outs[t]![i]!.tokens.length + 2 + ((t + i) % 3));
  }
  return expected;
}

for (const backend of backends) {
  test(`prefix reuse, ${backend.name}: a multi-turn episode gives the same tokens and log-probs with sessions as without, reading only new tokens`, { skip: backend.skip }, async () => {
    await withWeights(backend, async (learner) => {
      const plain = await episodes(learner, false);
      const cached = await episodes(learner, true);
      assert.deepEqual(plain.reused, [0, 0, 0, 0]);
      assert.ok(plain.outs.flat().some((o) => o.finishReason === 'stop') && plain.outs.flat().some((o) => o.finishReason === 'length'), 'both finish reasons occur');
      assertSameSamples(plain.outs, cached.outs, backend.tol, 'sessions');
      assert.deepEqual(cached.reused, expectedReuse(plain.outs));
      // The sessions are still cached: another episode under the same keys reuses the common prefix only.
      const again = await episodes(learner, true);
      assertSameSamples(plain.outs, again.outs, backend.tol, 'same keys, second run');
      assert.ok(again.reused[0]! > 0, 'the first turn reuses the old sessions\' common prefix (the same first prompt)');
      await learner.endSessions!(Array.from({ length: EPISODES }, (_, i) => `episode-${i}`));
      const fresh = await episodes(learner, true);
      assert.equal(fresh.reused[0], 0, 'ended sessions are gone');
    });
  });

  test(`prefix reuse, ${backend.name}: a prompt that rewrites history reuses only the common prefix and stays correct`, { skip: backend.skip }, async () => {
    await withWeights(backend, async (learner) => {
      // At turn 2, episode 1's third token changes (as a template that drops earlier reasoning would do).
      const edit = (t: number, ep: number, p: number[]) => (t === 2 && ep === 1 ? p.map((x, k) => (k === 2 ? (x + 1) % config.vocabSize : x)) : p);
      const plain = await episodes(learner, false, edit);
      const cached = await episodes(learner, true, edit);
      assertSameSamples(plain.outs, cached.outs, backend.tol, 'edited');
      const full = expectedReuse(plain.outs);
      // Turn 2 of episode 1 reuses 2 tokens instead of everything it was fed; later turns reuse fully again.
      const fed1 = 4 + 1 + plain.outs[0]![1]!.tokens.length + 2 + (1 % 3) + plain.outs[1]![1]!.tokens.length - 1;
      assert.deepEqual(cached.reused, [full[0], full[1], full[2]! - fed1 + 2, full[3]]);
    });
  });

  test(`prefix reuse, ${backend.name}: a weight change drops every session cache; a zero budget keeps none`, { skip: backend.skip }, async () => {
    await withWeights(backend, async (learner) => {
      const prompts = [Int32Array.of(1, 2, 3, 4), Int32Array.of(5, 6, 7)];
      const params = { maxTokens: 3, seed: 4 };
      await learner.sample(prompts, params, ['a', 'b']);
      const longer = prompts.map((p) => Int32Array.from([...p, 9, 9]));
      await learner.forwardBackward([{ tokens: Int32Array.of(1, 2, 3, 4, 5), responseStart: 1 }], [Float32Array.of(-1, -1, -1, -1)]);
      await learner.optimStep({ lr: 0.1 });
      const before = learner.prefixReuse.reusedTokens;
      const withKeys = await learner.sample(longer, params, ['a', 'b']);
      assert.equal(learner.prefixReuse.reusedTokens, before, 'nothing reused after the step');
      assertSameSamples([await learner.sample(longer, params)], [withKeys], backend.tol, 'after a step');
    });
    await withWeights(
      backend,
      async (learner) => {
        const plain = await episodes(learner, false);
        const cached = await episodes(learner, true);
        assert.deepEqual(cached.reused, [0, 0, 0, 0]);
        assertSameSamples(plain.outs, cached.outs, 0, 'zero budget');
      },
      0,
    );
  });
}

test('prefix reuse: a session key twice in one call, or a key count that does not match, is a UserError', async () => {
  const learner = await TfjsLearner.create({ config, seed: 1, threads: 1 });
  try {
    const p = [Int32Array.of(1, 2), Int32Array.of(3)];
    await assert.rejects(learner.sample(p, { maxTokens: 1, seed: 1 }, ['x', 'x']), (e: Error) => e instanceof UserError && /session 'x' appears more than once/.test(e.message));
    await assert.rejects(learner.sample(p, { maxTokens: 1, seed: 1 }, ['x']), (e: Error) => e instanceof UserError && /1 session keys for 2 prompts/.test(e.message));
  } finally {
    await learner.dispose();
  }
});

test('localRolloutPolicy passes session keys and endSessions through to the learner', async () => {
  const calls: unknown[] = [];
  const fake = {
    config,
    sample: async (prompts: readonly Int32Array[], _p: unknown, sessions?: readonly (string | undefined)[]) => {
      calls.push(['sample', prompts.length, sessions]);
      return prompts.map(() => ({ tokens: new Int32Array(0), logprobs: new Float32Array(0), finishReason: 'length' as const }));
    },
    endSessions: async (s: readonly string[]) => void calls.push(['end', s]),
  } as unknown as Learner;
  const policy = localRolloutPolicy(fake);
  await policy.sample([{ prompt: Int32Array.of(1), session: 'e1' }, { prompt: Int32Array.of(2) }], { maxTokens: 1, seed: 0 });
  await policy.sample([{ prompt: Int32Array.of(1) }], { maxTokens: 1, seed: 0 });
  await policy.endSessions!(['e1']);
  assert.deepEqual(calls, [['sample', 2, ['e1', undefined]], ['sample', 1, undefined], ['end', ['e1']]]);
  const { endSessions: _, ...withoutEnd } = fake as unknown as Record<string, unknown>;
  assert.equal(localRolloutPolicy(withoutEnd as unknown as Learner).endSessions, undefined, 'a learner without endSessions gives a policy without it');
});

for (const backend of backends.slice(0, 2)) {
  test(`prefix reuse, ${backend.name}: rollouts of real episodes give the same trajectories with sessions as without, and reuse the earlier turns`, { skip: backend.skip }, async () => {
    const source = fixtureTaskSource();
    const renderer = new CompactRenderer(compactVocabulary(source.classes, source.words));
    const specs = Array.from({ length: 3 }, (_, i) => source.task('train', i)).flatMap((t) =>
      Array.from({ length: 2 }, (_, j) => ({ id: `${t.id}:${j}`, taskId: t.id, groupId: t.id, task: t.entry })),
    );
    const shape: ModelConfig = { vocabSize: renderer.vocabSize, contextLength: 160, dModel: 16, nLayers: 2, nHeads: 2 };
    const learner = (await (backend.name === 'native' ? NativeLearner.create({ config: shape, seed: 3, threads: 1 }) : TfjsLearner.create({ config: shape, seed: 3, threads: 1 }))) as Local;
    try {
      const play = (policy: RolloutPolicy) =>
        playEpisodes(specs, {
          renderer,
          policy,
          makeEnv: () => new BfclEnv({ systemPrompt: null, toolsInSystemPrompt: false }),
          temperature: 1,
          topP: 1,
          budgets: { maxTurns: 4, maxResponseTokens: 12, contextLength: shape.contextLength },
          seed: 5,
          envTimeoutMs: 1000,
          maxConcurrentEpisodes: 16,
        });
      const withSessions = localRolloutPolicy(learner);
      const without: RolloutPolicy = { sample: (requests, params) => withSessions.sample(requests.map((r) => ({ prompt: r.prompt })), params) };
      const plain = await play(without);
      assert.equal(learner.prefixReuse.reusedTokens, 0);
      const cached = await play(withSessions);
      assert.ok(plain.some((e) => e.trajectory.turns.length > 1), 'some episodes have several turns');
      plain.forEach((e, i) => {
        const c = cached[i]!.trajectory;
        assert.equal(c.turns.length, e.trajectory.turns.length);
        e.trajectory.turns.forEach((t, k) => {
          assert.deepEqual(c.turns[k]!.contextTokens, t.contextTokens);
          assert.deepEqual(c.turns[k]!.responseTokens, t.responseTokens);
          const d = maxAbsDiff(c.turns[k]!.behaviourLogprobs, t.behaviourLogprobs);
          assert.ok(backend.tol === 0 ? d === 0 : d <= backend.tol, `episode ${i} turn ${k}: ${d}`);
        });
      });
      // Every later turn reused at least the previous turn's context and sampled tokens (all but the last one).
      const atLeast = plain.reduce((n, e) => n + e.trajectory.turns.slice(1).reduce((m, _, k) => m + e.trajectory.turns[k]!.contextTokens.length, 0), 0);
      assert.ok(learner.prefixReuse.reusedTokens >= atLeast, `${learner.prefixReuse.reusedTokens} reused, expected at least ${atLeast}`);
    } finally {
      await learner.dispose();
    }
  });
}

for (const backend of backends.slice(0, 2)) {
  test(`prefix reuse, ${backend.name}: beyond the byte budget sessions are dropped (a budget of one keeps one of three)`, { skip: backend.skip }, async () => {
    // 1,792 bytes: one session of this model (2 layers × d16 × 4 bytes × 2 per column, ≤ 7 columns), not two.
    await withWeights(
      backend,
      async (learner) => {
        const prompts = [Int32Array.of(1, 2, 3, 4), Int32Array.of(5, 6, 7, 8), Int32Array.of(9, 10, 11, 12)];
        const keys = ['s0', 's1', 's2'];
        const out = await learner.sample(prompts, { maxTokens: 3, seed: 2 }, keys);
        if (learner instanceof NativeLearner) assert.equal((await learner.sessionCache()).sessions, 1);
        const next = prompts.map((p, i) => Int32Array.from([...p, ...out[i]!.tokens, 3]));
        const before = learner.prefixReuse.reusedTokens;
        await learner.sample(next, { maxTokens: 1, seed: 3 }, keys);
        const reused = learner.prefixReuse.reusedTokens - before;
        const fed = out.map((o) => 4 + o.tokens.length - 1);
        assert.ok(fed.includes(reused), `one session kept: reused ${reused}, sessions held ${fed.join(', ')} tokens`);
      },
      1792,
    );
  });
}
