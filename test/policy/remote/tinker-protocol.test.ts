import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Rng } from '../../../src/core/rng.js';
import type { RolloutPolicy } from '../../../src/rollout/policy.js';
import { TinkerHttp } from '../../../src/policy/remote/tinker-http.js';
import { sequenceInput, toDatum } from '../../../src/policy/remote/tinker-wire.js';
import { BASE, client, localLearner, removeDir, serve, tempDir, train, cleanup } from './helpers.js';

afterEach(cleanup);

test('a datum is pre-shifted: model_input = tokens[:-1] as context and response chunks, targets = tokens[1:], inputs zero before the response', () => {
  const seq = { tokens: Int32Array.from([5, 6, 7, 8, 9]), responseStart: 2 };
  assert.deepEqual(toDatum(seq, { weights: [0.5, -1, 2] }), {
    model_input: {
      chunks: [
        { type: 'encoded_text', tokens: [5, 6] },
        { type: 'encoded_text', tokens: [7, 8] },
      ],
    },
    loss_fn_inputs: {
      target_tokens: { data: [6, 7, 8, 9], dtype: 'int64', shape: [4] },
      weights: { data: [0, 0.5, -1, 2], dtype: 'float32', shape: [4] },
    },
  });
  // A one-token response leaves nothing for a second chunk.
  assert.deepEqual(sequenceInput({ tokens: Int32Array.from([1, 2, 3]), responseStart: 2 }), { chunks: [{ type: 'encoded_text', tokens: [1, 2] }] });
});

test('sampling through the server draws what the learner draws for the same weights and per-prompt seeds; Learner and RolloutPolicy forms agree', async () => {
  const dir = await tempDir();
  const server = await serve(join(dir, 's'));
  const direct = await localLearner();
  const remote = await client(server);
  try {
    await train(direct, 'grpo', 1);
    await train(remote, 'grpo', 1);
    const prompts = [Int32Array.from([1, 2, 3]), Int32Array.from([4, 5]), Int32Array.from([1])];
    const params = { maxTokens: 5, seed: 11, temperature: 1.3, stopTokens: [0] };
    const got = await remote.sample(prompts, params);
    const base = new Rng(params.seed);
    for (let i = 0; i < prompts.length; i++) {
      const [want] = await direct.sample([prompts[i]!], { ...params, seed: base.fork(`sample:${i}`).nextUint32() >>> 1 });
      assert.deepEqual(got[i], want, `prompt ${i}`);
    }
    const policy: RolloutPolicy = remote;
    assert.deepEqual(await policy.sample(prompts.map((prompt, i) => ({ prompt, session: `ep${i}` })), params), got);
    assert.deepEqual(await remote.sample(prompts, { ...params, maxTokens: 0 }), prompts.map(() => ({ tokens: new Int32Array(0), logprobs: new Float32Array(0), finishReason: 'length' })));
    // Sampler weights are published once per weights version: the two calls above shared one.
    assert.equal(server.applied().save_weights_for_sampler, 1);
    await train(remote, 'grpo', 1, 1);
    const moved = await remote.sample(prompts, params);
    assert.equal(server.applied().save_weights_for_sampler, 2);
    assert.notDeepEqual(
      moved.map((o) => o.logprobs),
      got.map((o) => o.logprobs),
    );
  } finally {
    await remote.dispose();
    await direct.dispose();
    await server.close();
    await removeDir(dir);
  }
});

test('the server answers mistakes with 400 and a detail; the client reports the call and the detail', async () => {
  const dir = await tempDir();
  const server = await serve(join(dir, 's'));
  const http = new TinkerHttp({ baseUrl: server.url, retry: { maxAttempts: 1 } });
  try {
    await assert.rejects(client(server, { baseModel: 'Qwen/Qwen3-8B' }), /^TinkerError: tinker create_model \(Qwen\/Qwen3-8B\): HTTP 400: base_model 'Qwen\/Qwen3-8B' is not served here; this server serves 'seeupo-test-tiny'$/);
    const remote = await client(server, { loraSeed: 5 });
    // The LoRA settings reach the server (which records them; its "LoRA" is a full fine-tune).
    assert.deepEqual(await http.post('api/v1/get_info', { model_id: remote.modelId }, 'get_info'), {
      model_id: remote.modelId,
      status: 'ready',
      model_data: { base_model: BASE, lora_config: { rank: 4, seed: 5 }, model_name: BASE },
    });
    const datum = (targets: number[]) => ({ model_input: { chunks: [{ type: 'encoded_text', tokens: [1, 2, 3] }] }, loss_fn_inputs: { target_tokens: { data: targets } } });
    const forward = (data: unknown[], seq_id: number) => http.call('api/v1/forward', { model_id: remote.modelId, seq_id, forward_input: { data, loss_fn: 'cross_entropy' } }, 'forward');
    await assert.rejects(forward([datum([2, 9, 4])], 100), /^TinkerError: tinker forward: HTTP 400: data\[0\]: this server scores the input itself: target_tokens must be model_input shifted by one$/);
    // A datum without weights is scored everywhere (weights default to 1, as in SkyRL).
    const out = (await forward([datum([2, 3, 4])], 101)) as { loss_fn_outputs: Array<{ logprobs: { data: number[] } }> };
    const want = await localLearner().then(async (l) => {
      const lp = await l.logprobs([{ tokens: Int32Array.from([1, 2, 3, 4]), responseStart: 1 }]);
      await l.dispose();
      return lp[0]!;
    });
    assert.deepEqual(Float32Array.from(out.loss_fn_outputs[0]!.logprobs.data), want);
    await assert.rejects(
      http.call('api/v1/optim_step', { model_id: remote.modelId, seq_id: 101, adam_params: { learning_rate: 0.1 } }, 'optim_step'),
      /HTTP 400: seq_id 101 was already used for forward$/,
    );
    await assert.rejects(
      http.call('api/v1/forward_backward', { model_id: remote.modelId, seq_id: 102, forward_backward_input: { data: [datum([2, 3, 4])], loss_fn: 'cispo' } }, 'forward_backward'),
      /HTTP 400: loss_fn must be one of cross_entropy, importance_sampling, ppo$/,
    );
    await assert.rejects(http.call('api/v1/retrieve_future', { request_id: 'nope' }, 'x'), /HTTP 404: Future not found/);
    await remote.dispose();
  } finally {
    http.close();
    await server.close();
    await removeDir(dir);
  }
});

test('a sequence that scores no token gets an empty result without reaching the server, as on a local learner', async () => {
  const dir = await tempDir();
  const server = await serve(join(dir, 's'));
  const direct = await localLearner();
  const remote = await client(server);
  const batch = [
    { tokens: Int32Array.from([1, 2, 3]), responseStart: 3 },
    { tokens: Int32Array.from([1, 2, 3, 4]), responseStart: 2 },
  ];
  const grads = [new Float32Array(0), Float32Array.from([0.5, -1])];
  assert.deepEqual(await remote.logprobs(batch), await direct.logprobs(batch));
  assert.deepEqual(await remote.forwardBackward(batch, grads), await direct.forwardBackward(batch, grads));
  assert.deepEqual(await remote.logprobs(batch.slice(0, 1)), [new Float32Array(0)]);
  assert.equal(server.applied().forward, 1);
  await assert.rejects(remote.logprobs([{ tokens: Int32Array.from([1, 2]), responseStart: 0 }]), /^UserError: sequence 0: responseStart 0 must be in \[1, 2\] \(token 0 is never predicted\)$/);
});

test('several clients share one server, each with its own model', async () => {
  const dir = await tempDir();
  const server = await serve(join(dir, 's'));
  const a = await client(server);
  const b = await client(server);
  try {
    assert.notEqual(a.modelId, b.modelId);
    await Promise.all([train(a, 'seeupo', 1), train(b, 'grpo', 1)]);
    const seq = [{ tokens: Int32Array.from([1, 2, 3, 4]), responseStart: 2 }];
    assert.notDeepEqual(await a.logprobs(seq), await b.logprobs(seq));
    assert.equal(a.baseModel, BASE);
  } finally {
    await a.dispose();
    await b.dispose();
    await server.close();
    await removeDir(dir);
  }
});
