import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UserError } from '../../src/core/errors.js';
import type { SampleOutput, SampleParams } from '../../src/policy/learner.js';
import { createRenderer } from '../../src/render/index.js';
import { createOpenAIPolicy, OpenAIPolicyError, rowSeed } from '../../src/rollout/openai-policy.js';
import { isFailedSample, type RolloutPolicy, type RolloutRequest } from '../../src/rollout/policy.js';
import { loadServedModel, type ServedModel } from '../../src/serve/model.js';
import { OpenAIServer } from '../../src/serve/server.js';
import { DEMOS, RENDERER_SPEC, trainedCheckpoint, type Fixture } from './fixture.js';

let fixture: Fixture;
let served: ServedModel;
let server: OpenAIServer;
let baseUrl: string;
const renderer = createRenderer(RENDERER_SPEC);

/** Each demonstration's first prompt and one the model never saw, twice over (groups of two), as rollouts send them. */
function prompts(): Int32Array[] {
  const once = [...DEMOS, { messages: [{ role: 'user' as const, content: 'what now?' }], tools: [] }].map((d) => {
    const conv = renderer.conversation(d.tools);
    conv.add(d.messages[0]!);
    return Int32Array.from(conv.promptTokens());
  });
  return [...once, ...once];
}

before(async () => {
  fixture = await trainedCheckpoint();
  served = await loadServedModel(fixture.dir, { backend: 'auto' });
  server = new OpenAIServer({ model: served, seed: 0 });
  baseUrl = `http://127.0.0.1:${(await server.listen(0, '127.0.0.1')).port}/v1`;
});

after(async () => {
  await server.close();
  await served.learner.dispose();
  await fixture.cleanup();
});

/** The outputs of a call in which every request must succeed: a failed request throws its error. */
async function sampleAll(policy: RolloutPolicy, requests: readonly RolloutRequest[], p: SampleParams): Promise<SampleOutput[]> {
  return (await policy.sample(requests, p)).map((out) => {
    if (isFailedSample(out)) throw new OpenAIPolicyError(out.error);
    return out;
  });
}

function assertSame(got: SampleOutput[], want: SampleOutput[]): void {
  assert.equal(got.length, want.length);
  got.forEach((g, i) => {
    assert.deepEqual(Array.from(g.tokens), Array.from(want[i]!.tokens), `row ${i} tokens`);
    assert.equal(g.finishReason, want[i]!.finishReason, `row ${i} finish reason`);
    g.logprobs.forEach((lp, k) => assert.ok(Math.abs(lp - want[i]!.logprobs[k]!) < 1e-4, `row ${i} token ${k}: ${lp} vs ${want[i]!.logprobs[k]}`));
  });
}

test('OpenAIPolicy against seeupo serve: greedy rollouts equal in-process sampling of the same checkpoint', async () => {
  const policy = createOpenAIPolicy({ baseUrl, model: served.name });
  const params: SampleParams = { maxTokens: 40, temperature: 0, seed: 3, stopTokens: renderer.stopTokens };
  const ps = prompts();
  const got = await sampleAll(policy, 
    ps.map((prompt) => ({ prompt })),
    params,
  );
  assertSame(got, await fixture.learner.sample(ps, params));
  // The learnt answers, so the comparison is not of empty outputs.
  assert.equal(renderer.decode(got[1]!.tokens), 'hello there!<|im_end|>');
  assert.equal(got[0]!.finishReason, 'stop');
});

test('OpenAIPolicy against seeupo serve: sampled rollouts (temperature 1.2, top_p 0.95) equal in-process sampling with each row\'s seed', async () => {
  const policy = createOpenAIPolicy({ baseUrl, model: served.name, maxConcurrency: 2 });
  const params: SampleParams = { maxTokens: 12, temperature: 1.2, topP: 0.95, seed: 11, stopTokens: renderer.stopTokens };
  const ps = prompts();
  const got = await sampleAll(policy, 
    ps.map((prompt) => ({ prompt })),
    params,
  );
  const want = [];
  for (let i = 0; i < ps.length; i++) want.push(...(await fixture.learner.sample([ps[i]!], { ...params, seed: rowSeed(params.seed, i) })));
  assertSame(got, want);
  assert.ok(got.some((g) => g.logprobs.some((lp) => lp < -1e-3)), 'some log-probs are not 0');
  // Same call, same tokens; the two copies of a prompt are sampled apart (different row seeds).
  assertSame(await sampleAll(policy, ps.map((prompt) => ({ prompt })), params), got);
  assert.notDeepEqual(Array.from(got[2]!.tokens), Array.from(got[5]!.tokens));
});

test('OpenAIPolicy: a stop token outside the vocabulary is the server\'s 400, not retried', async () => {
  const policy = createOpenAIPolicy({ baseUrl, model: served.name, retryBaseMs: 0 });
  await assert.rejects(sampleAll(policy, [{ prompt: prompts()[0]! }], { maxTokens: 4, seed: 0, stopTokens: [99999] }), /answered 400: token id 99999 is outside this model's vocabulary/);
});

test('OpenAIPolicy options: unknown keys and bad URLs are user errors', () => {
  assert.throws(() => createOpenAIPolicy({ baseUrl, model: 'm', retries: 2 } as never), (e: unknown) => e instanceof UserError && /unknown key 'retries'/.test(e.message));
  assert.throws(() => createOpenAIPolicy({ baseUrl: 'ftp://x', model: 'm' }), (e: unknown) => e instanceof UserError && /baseUrl/.test(e.message));
});

/** A scripted server: answers request k with script[k] (the last one repeats), and records what it was sent. */
async function stubServer(script: Array<(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>) => void>) {
  const seen: Array<{ headers: IncomingMessage['headers']; body: Record<string, unknown> }> = [];
  const http: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
      seen.push({ headers: req.headers, body });
      script[Math.min(seen.length - 1, script.length - 1)]!(req, res, body);
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/v1`,
    seen,
    close: () => {
      http.closeAllConnections();
      return new Promise<void>((r) => http.close(() => r()));
    },
  };
}

const json = (status: number, body: unknown) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const answer = (tokens: string[], logprobs: number[], finish = 'length') => json(200, { choices: [{ index: 0, text: '', logprobs: { tokens, token_logprobs: logprobs }, finish_reason: finish }] });
const params: SampleParams = { maxTokens: 2, temperature: 1, seed: 4, stopTokens: [7] };

test('OpenAIPolicy: sends token ids, its sampling settings and the API key; retries 5xx with backoff, then succeeds', async () => {
  const stub = await stubServer([json(500, { error: { message: 'busy' } }), json(503, { error: 'later' }), answer(['token_id:5', 'token_id:7'], [-0.5, -0.25], 'stop')]);
  try {
    const policy = createOpenAIPolicy({ baseUrl: stub.url, model: 'm', apiKey: 'k1', retryBaseMs: 1 });
    const [out] = await sampleAll(policy, [{ prompt: Int32Array.from([1, 2, 3]) }], params);
    assert.deepEqual([Array.from(out!.tokens), Array.from(out!.logprobs), out!.finishReason], [[5, 7], [-0.5, -0.25], 'stop']);
    assert.equal(stub.seen.length, 3);
    assert.equal(stub.seen[0]!.headers.authorization, 'Bearer k1');
    assert.deepEqual(stub.seen[0]!.body, {
      model: 'm',
      prompt: [1, 2, 3],
      max_tokens: 2,
      temperature: 1,
      top_p: 1,
      seed: rowSeed(4, 0),
      n: 1,
      stop_token_ids: [7],
      ignore_eos: true,
      logprobs: 0,
      return_tokens_as_token_ids: true,
    });
  } finally {
    await stub.close();
  }
});

test('OpenAIPolicy: retries are bounded, and the last error is reported', async () => {
  const stub = await stubServer([json(502, { error: { message: 'bad gateway' } })]);
  try {
    const policy = createOpenAIPolicy({ baseUrl: stub.url, model: 'm', maxRetries: 2, retryBaseMs: 1 });
    await assert.rejects(sampleAll(policy, [{ prompt: Int32Array.from([1]) }], params), (e: unknown) => {
      assert.ok(e instanceof OpenAIPolicyError);
      assert.match(e.message, /answered 502: bad gateway \(gave up after 3 attempts\)$/);
      return true;
    });
    assert.equal(stub.seen.length, 3);
  } finally {
    await stub.close();
  }
});

test('OpenAIPolicy: a server that names tokens by text is refused (never re-tokenised); missing log-probs too; a 4xx is final', async () => {
  const cases: Array<[ReturnType<typeof json>, RegExp]> = [
    [answer(['he', 'llo'], [-1, -1]), /names sampled tokens by text \("he"\), not by id: it does not support 'return_tokens_as_token_ids'/],
    [json(200, { choices: [{ index: 0, text: 'hello', logprobs: null, finish_reason: 'length' }] }), /without per-token log-probs/],
    [answer(['token_id:5', 'token_id:6'], [-1, -1], 'stop'), /stopped \(finish_reason 'stop'\) on token 6, which is not one of the stop tokens \[7\]/],
    [json(400, { error: { message: 'prompt too long' } }), /answered 400: prompt too long$/],
  ];
  for (const [reply, message] of cases) {
    const stub = await stubServer([reply]);
    try {
      const policy = createOpenAIPolicy({ baseUrl: stub.url, model: 'm', retryBaseMs: 1 });
      await assert.rejects(sampleAll(policy, [{ prompt: Int32Array.from([1]) }], params), message);
      assert.equal(stub.seen.length, 1, 'not retried');
    } finally {
      await stub.close();
    }
  }
});

test('OpenAIPolicy: a request with no answer times out and is retried, then fails', async () => {
  const stub = await stubServer([() => undefined]);
  try {
    const policy = createOpenAIPolicy({ baseUrl: stub.url, model: 'm', timeoutMs: 50, maxRetries: 1, retryBaseMs: 1 });
    await assert.rejects(sampleAll(policy, [{ prompt: Int32Array.from([1]) }], params), /no answer within 50 ms \(gave up after 2 attempts\)$/);
    assert.equal(stub.seen.length, 2);
  } finally {
    await stub.close();
  }
});

test('OpenAIPolicy: a request that fails fails only its own row; the others are answered', async () => {
  // The second request (by arrival) is refused; with one request in flight at a time, that is row 1.
  const stub = await stubServer([answer(['token_id:5'], [-0.5]), json(400, { error: { message: 'prompt too long' } }), answer(['token_id:6'], [-0.25])]);
  try {
    const policy = createOpenAIPolicy({ baseUrl: stub.url, model: 'm', retryBaseMs: 1, maxConcurrency: 1 });
    const out = await policy.sample([1, 2, 3].map((t) => ({ prompt: Int32Array.of(t) })), params);
    assert.deepEqual(out[1], { error: `${stub.url}/completions answered 400: prompt too long` });
    assert.deepEqual(
      [out[0], out[2]].map((o) => (isFailedSample(o!) ? o : [Array.from(o!.tokens), Array.from(o!.logprobs)])),
      [
        [[5], [-0.5]],
        [[6], [-0.25]],
      ],
    );
  } finally {
    await stub.close();
  }
});
