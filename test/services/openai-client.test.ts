import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { loadServedModel, type ServedModel } from '../../src/serve/model.js';
import { OpenAIServer } from '../../src/serve/server.js';
import { createRenderer } from '../../src/render/index.js';
import { RENDERER_SPEC, trainedCheckpoint, WEATHER_TOOL, type Fixture } from './fixture.js';

// The official openai client against `seeupo serve` on loopback, with a checkpoint that has learnt a tool call.
let fixture: Fixture;
let served: ServedModel;
let server: OpenAIServer;
let client: OpenAI;
const renderer = createRenderer(RENDERER_SPEC);
const weatherTool = WEATHER_TOOL as unknown as OpenAI.Chat.ChatCompletionTool;

before(async () => {
  fixture = await trainedCheckpoint();
  served = await loadServedModel(fixture.dir, { backend: 'auto' });
  server = new OpenAIServer({ model: served, seed: 0 });
  const addr = await server.listen(0, '127.0.0.1');
  client = new OpenAI({ baseURL: `http://127.0.0.1:${addr.port}/v1`, apiKey: 'unused', maxRetries: 0 });
});

after(async () => {
  await server.close();
  await served.learner.dispose();
  await fixture.cleanup();
});

test('openai client: models.list names the checkpoint', async () => {
  const models = [];
  for await (const m of client.models.list()) models.push(m.id);
  assert.deepEqual(models, [basename(fixture.dir)]);
});

test('openai client: a greedy chat answer is the learnt message, with usage', async () => {
  const r = await client.chat.completions.create({ model: served.name, messages: [{ role: 'user', content: 'hi' }], temperature: 0 });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.choices.length, 1);
  assert.equal(r.choices[0]!.message.content, 'hello there!');
  assert.equal(r.choices[0]!.finish_reason, 'stop');
  const conv = renderer.conversation([]);
  conv.add({ role: 'user', content: 'hi' });
  assert.equal(r.usage!.prompt_tokens, conv.promptTokens().length);
  assert.equal(r.usage!.completion_tokens, 'hello there!'.length + 1); // the bytes and the stop token
});

test('openai client: tools go into the prompt and the answer comes back as tool_calls', async () => {
  const r = await client.chat.completions.create({
    model: served.name,
    messages: [{ role: 'user', content: 'Weather in Paris?' }],
    tools: [weatherTool],
    temperature: 0,
  });
  const choice = r.choices[0]!;
  assert.equal(choice.finish_reason, 'tool_calls');
  assert.equal(choice.message.content, null);
  const calls = choice.message.tool_calls!;
  assert.equal(calls.length, 1);
  const call = calls[0]! as OpenAI.Chat.ChatCompletionMessageFunctionToolCall;
  assert.equal(call.type, 'function');
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });

  // The call and its result as history: the next turn is rendered and answered.
  const next = await client.chat.completions.create({
    model: served.name,
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', tool_call_id: call.id, content: 'sunny' },
    ],
    tools: [weatherTool],
    temperature: 0,
    max_tokens: 5,
  });
  assert.equal(next.choices.length, 1);
  assert.ok(next.usage!.prompt_tokens > r.usage!.prompt_tokens);
});

test('openai client: log-probs and token ids equal in-process sampling with the same seed; top_logprobs are sorted', async () => {
  const params = {
    model: served.name,
    messages: [{ role: 'user' as const, content: 'hi' }],
    temperature: 1,
    seed: 5,
    max_tokens: 3,
    logprobs: true,
    top_logprobs: 3,
    return_tokens_as_token_ids: true,
  };
  const r = await client.chat.completions.create(params as ChatCompletionCreateParamsNonStreaming);
  const conv = renderer.conversation([]);
  conv.add({ role: 'user', content: 'hi' });
  const [ref] = await fixture.learner.sample([Int32Array.from(conv.promptTokens())], { maxTokens: 3, temperature: 1, seed: 5, stopTokens: renderer.stopTokens });
  const content = r.choices[0]!.logprobs!.content!;
  assert.deepEqual(
    content.map((e) => e.token),
    Array.from(ref!.tokens, (t) => `token_id:${t}`),
  );
  content.forEach((e, i) => {
    assert.ok(Math.abs(e.logprob - ref!.logprobs[i]!) < 1e-4, `token ${i}: ${e.logprob} vs ${ref!.logprobs[i]}`);
    assert.equal(e.top_logprobs.length, 3);
    const values = e.top_logprobs.map((t) => t.logprob);
    assert.deepEqual([...values].sort((a, b) => b - a), values);
    const same = e.top_logprobs.find((t) => t.token === e.token);
    if (same) assert.ok(Math.abs(same.logprob - e.logprob) < 1e-4, `top entry of the sampled token ${same.logprob} vs ${e.logprob}`);
  });
});

test('openai client: greedy top_logprobs are the point mass on the chosen token', async () => {
  const r = await client.chat.completions.create({ model: served.name, messages: [{ role: 'user', content: 'hi' }], temperature: 0, max_tokens: 2, logprobs: true, top_logprobs: 2 });
  const content = r.choices[0]!.logprobs!.content!;
  assert.deepEqual(
    content.map((e) => [e.token, e.logprob, e.top_logprobs.map((t) => [t.token, t.logprob])]),
    [
      ['h', 0, [['h', 0]]],
      ['e', 0, [['e', 0]]],
    ],
  );
});

test('openai client: streaming a tool call gives the same message as the plain answer, then usage', async () => {
  const stream = await client.chat.completions.create({
    model: served.name,
    messages: [{ role: 'user', content: 'Weather in Paris?' }],
    tools: [weatherTool],
    temperature: 0,
    stream: true,
    stream_options: { include_usage: true },
  });
  let content = '';
  const calls: Array<{ name: string; arguments: string }> = [];
  let finish: string | null = null;
  let usage: OpenAI.CompletionUsage | null | undefined = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    const c = chunk.choices[0];
    if (!c) continue;
    content += c.delta.content ?? '';
    for (const d of c.delta.tool_calls ?? []) {
      calls[d.index] ??= { name: '', arguments: '' };
      calls[d.index]!.name += d.function?.name ?? '';
      calls[d.index]!.arguments += d.function?.arguments ?? '';
    }
    finish = c.finish_reason ?? finish;
  }
  assert.equal(content, '');
  assert.deepEqual(calls, [{ name: 'get_weather', arguments: '{"city":"Paris"}' }]);
  assert.equal(finish, 'tool_calls');
  assert.ok(usage && usage.completion_tokens > 0);
});

test('openai client: n answers per prompt, and stop strings end the text before them', async () => {
  const r = await client.chat.completions.create({ model: served.name, messages: [{ role: 'user', content: 'hi' }], temperature: 0, n: 3, stop: ['there'] });
  assert.deepEqual(
    r.choices.map((c) => [c.index, c.message.content, c.finish_reason]),
    [
      [0, 'hello ', 'stop'],
      [1, 'hello ', 'stop'],
      [2, 'hello ', 'stop'],
    ],
  );
});

test('openai client: mistakes are 4xx errors with a clear message', async () => {
  await assert.rejects(client.chat.completions.create({ model: 'other', messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => {
    assert.ok(e instanceof OpenAI.NotFoundError);
    assert.match(e.message, /model 'other' does not exist; this server serves/);
    return true;
  });
  await assert.rejects(client.chat.completions.create({ model: served.name, messages: [{ role: 'user', content: 'hi' }], temperature: 5 }), (e: unknown) => {
    assert.ok(e instanceof OpenAI.BadRequestError);
    assert.match(e.message, /temperature: Too big/);
    return true;
  });
  await assert.rejects(client.chat.completions.create({ model: served.name, messages: [{ role: 'user', content: 'hi' }], max_tokens: 100000 }), (e: unknown) => {
    assert.ok(e instanceof OpenAI.BadRequestError);
    assert.match(e.message, /exceeds this model's context of 640 tokens/);
    return true;
  });
  await assert.rejects(client.completions.create({ model: served.name, prompt: 'text' }), (e: unknown) => {
    assert.ok(e instanceof OpenAI.BadRequestError);
    assert.match(e.message, /this server does not tokenise text/);
    return true;
  });
});

test('openai client: completions with token-id prompts answer token ids and their log-probs', async () => {
  const conv = renderer.conversation([]);
  conv.add({ role: 'user', content: 'hi' });
  const prompt = conv.promptTokens();
  const params = { model: served.name, prompt, max_tokens: 20, temperature: 0, logprobs: 0, return_tokens_as_token_ids: true };
  const r = await client.completions.create(params as OpenAI.CompletionCreateParamsNonStreaming);
  const c = r.choices[0]!;
  assert.equal(c.text, 'hello there!');
  assert.equal(c.finish_reason, 'stop');
  const ids = [...Buffer.from('hello there!')].concat(renderer.stopTokens[0]!);
  assert.deepEqual(c.logprobs!.tokens, ids.map((t) => `token_id:${t}`));
  assert.deepEqual(c.logprobs!.token_logprobs, ids.map(() => 0));
});
