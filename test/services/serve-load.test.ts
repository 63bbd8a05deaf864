import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { heapAfterGc } from './heap.js';
import { connect } from 'node:net';
import { Rng } from '../../src/core/rng.js';
import { createRenderer } from '../../src/render/index.js';
import { loadServedModel, type ServedModel } from '../../src/serve/model.js';
import { OpenAIServer } from '../../src/serve/server.js';
import { RENDERER_SPEC, trainedCheckpoint, type Fixture } from './fixture.js';

// A bounded load and fuzz test of `seeupo serve` on loopback: malformed and valid requests interleaved, many at
// once. The figures it prints (t.diagnostic) with SEEUPO_SLOW=1 are the ones in docs/services.md; without it the
// same mix runs at a fifth of the size, to keep the suite fast.
const scale = process.env['SEEUPO_SLOW'] === '1' ? 1 : 0.2;
const MALFORMED = 2000 * scale;
const VALID = 300 * scale;
const CONCURRENCY = 32;
const BODY_LIMIT = 64 << 10;

let fixture: Fixture;
let served: ServedModel;
const renderer = createRenderer(RENDERER_SPEC);
const prompt = (() => {
  const conv = renderer.conversation([]);
  conv.add({ role: 'user', content: 'hi' });
  return conv.promptTokens();
})();

before(async () => {
  fixture = await trainedCheckpoint(0);
  served = await loadServedModel(fixture.dir, { backend: 'auto' });
});

after(async () => {
  await served.learner.dispose();
  await fixture.cleanup();
});

interface Probe {
  kind: string;
  method: string;
  path: string;
  body?: string;
  /** Statuses this probe may get. */
  expect: readonly number[];
}

/** Malformed requests of many kinds, drawn from a seeded generator so every run sends the same ones. */
function malformed(rng: Rng, model: string): Probe {
  const chat = (extra: object): string => JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2, ...extra });
  const junk = (): unknown => [null, true, -1, 1e308, 'x', [], {}, [1, 'a'], { a: 1 }][rng.int(9)];
  /** Wrong for every field below (null and empty arrays are valid for some). */
  const wrong = (): unknown => ['x', -1, 1e308, [1, 'a'], { a: 1 }][rng.int(5)];
  const kinds: Array<() => Probe> = [
    () => ({ kind: 'not JSON', method: 'POST', path: '/v1/chat/completions', body: String.fromCharCode(...Array.from({ length: 1 + rng.int(40) }, () => 32 + rng.int(90))), expect: [400] }),
    () => ({ kind: 'truncated JSON', method: 'POST', path: '/v1/chat/completions', body: chat({}).slice(0, 1 + rng.int(40)), expect: [400] }),
    () => ({ kind: 'JSON of the wrong shape', method: 'POST', path: '/v1/chat/completions', body: JSON.stringify(junk()), expect: [400] }),
    () => {
      const field = ['messages', 'temperature', 'top_p', 'n', 'seed', 'max_tokens', 'tools', 'logprobs', 'top_logprobs', 'stream', 'model'][rng.int(11)]!;
      return { kind: 'a field of the wrong type', method: 'POST', path: '/v1/chat/completions', body: chat({ [field]: wrong() }), expect: [400, 404] };
    },
    () => ({ kind: 'unknown field', method: 'POST', path: '/v1/chat/completions', body: chat({ logit_bias: { 1: 2 } }), expect: [400] }),
    () => ({ kind: 'bad message', method: 'POST', path: '/v1/chat/completions', body: chat({ messages: [[{ role: 'robot', content: 'hi' }, { role: 'tool', content: 'hi' }, { role: 'user', content: [-1, { a: 1 }, null][rng.int(3)] }][rng.int(3)]] }), expect: [400] }),
    () => ({
      kind: 'tool call arguments not JSON',
      method: 'POST',
      path: '/v1/chat/completions',
      body: chat({ messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{oops' } }] }] }),
      expect: [400],
    }),
    () => ({ kind: 'unknown model', method: 'POST', path: '/v1/chat/completions', body: JSON.stringify({ model: 'nope', messages: [{ role: 'user', content: 'hi' }] }), expect: [404] }),
    () => ({ kind: 'too many tokens asked', method: 'POST', path: '/v1/chat/completions', body: chat({ max_tokens: 1e6 }), expect: [400] }),
    () => ({ kind: 'too many samples asked', method: 'POST', path: '/v1/completions', body: JSON.stringify({ model, prompt: Array.from({ length: 9 }, () => prompt), n: 16 }), expect: [400] }),
    () => ({ kind: 'token id outside the vocabulary', method: 'POST', path: '/v1/completions', body: JSON.stringify({ model, prompt: [1, 2, 1e6] }), expect: [400] }),
    () => ({ kind: 'prompt longer than the context', method: 'POST', path: '/v1/completions', body: JSON.stringify({ model, prompt: new Array(700).fill(1) }), expect: [400] }),
    () => ({ kind: 'text prompt', method: 'POST', path: '/v1/completions', body: JSON.stringify({ model, prompt: 'hello' }), expect: [400] }),
    () => ({ kind: 'body over the limit', method: 'POST', path: '/v1/completions', body: JSON.stringify({ model, prompt: new Array(BODY_LIMIT).fill(1) }), expect: [413] }),
    () => ({ kind: 'unknown route', method: 'POST', path: `/v1/${['embeddings', 'x', '../etc/passwd'][rng.int(3)]}`, body: '{}', expect: [404] }),
    () => ({ kind: 'wrong method', method: ['GET', 'PUT', 'DELETE'][rng.int(3)]!, path: '/v1/chat/completions', expect: [405] }),
  ];
  return kinds[rng.int(kinds.length)]!();
}

function valid(rng: Rng, model: string): Probe {
  return rng.int(2) === 0
    ? { kind: 'valid chat', method: 'POST', path: '/v1/chat/completions', body: JSON.stringify({ model, messages: [{ role: 'user', content: `hi ${rng.int(5)}` }], max_tokens: 4, temperature: rng.int(2) }), expect: [200] }
    : { kind: 'valid completion', method: 'POST', path: '/v1/completions', body: JSON.stringify({ model, prompt, max_tokens: 4, logprobs: 0, return_tokens_as_token_ids: true }), expect: [200] };
}

async function send(base: string, p: Probe): Promise<{ status: number; body: string }> {
  const init: RequestInit = { method: p.method, headers: { 'content-type': 'application/json' } };
  if (p.body !== undefined) init.body = p.body;
  try {
    const res = await fetch(base + p.path, init);
    return { status: res.status, body: await res.text() };
  } catch (e) {
    // A 413 closes the connection; a client still sending may see the close instead of the answer.
    if (p.expect.includes(413)) return { status: 413, body: '{"error":{"message":"(connection closed while sending)"}}' };
    throw e;
  }
}

test('seeupo serve under load and fuzzing: no crash, a clear 4xx for every malformed request, batching, bounded memory', async (t) => {
  const server = new OpenAIServer({ model: served, seed: 0, maxBodyBytes: BODY_LIMIT });
  const base = `http://127.0.0.1:${(await server.listen(0, '127.0.0.1')).port}`;
  try {
    await loadAndFuzz(t, server, base);
  } finally {
    await server.close();
  }
});

async function loadAndFuzz(t: { diagnostic(message: string): void }, server: OpenAIServer, base: string): Promise<void> {
  const rng = new Rng(2026);
  const probes = rng.shuffled([...Array.from({ length: MALFORMED }, () => malformed(rng, served.name)), ...Array.from({ length: VALID }, () => valid(rng, served.name))]);
  const heapBefore = heapAfterGc();
  const started = performance.now();
  const byKind = new Map<string, Map<number, number>>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < probes.length) {
      const p = probes[next++]!;
      const { status, body } = await send(base, p);
      const counts = byKind.get(p.kind) ?? new Map<number, number>();
      counts.set(status, (counts.get(status) ?? 0) + 1);
      byKind.set(p.kind, counts);
      assert.ok(p.expect.includes(status), `${p.kind}: status ${status} (${body.slice(0, 200)})`);
      if (status !== 200) {
        const message = (JSON.parse(body) as { error: { message: string } }).error.message;
        assert.ok(message.length > 0 && !/\n\s+at /.test(message), `${p.kind}: a clear message, not a stack: ${message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;

  // Garbage that is not HTTP at all: the connection gets HTTP's 400 and is closed.
  for (let i = 0; i < 20; i++) {
    const reply = await new Promise<string>((resolve, reject) => {
      const s = connect(Number(new URL(base).port), '127.0.0.1', () => s.write('\x00\x01 not http at all\r\n\r\n'));
      let got = '';
      s.on('data', (d) => (got += d.toString()));
      s.on('close', () => resolve(got));
      s.on('error', reject);
    });
    assert.match(reply, /^HTTP\/1\.1 400 Bad Request/);
  }

  // Still serving, with nothing left in flight.
  const after = await send(base, valid(new Rng(1), served.name));
  assert.equal(after.status, 200);
  assert.equal(server.stats.internalErrors, 0);
  const { calls, rows, maxRowsPerCall } = server.batcher.stats;
  assert.ok(maxRowsPerCall > 1, 'concurrent requests share sampler calls');
  const heapGrowthMiB = (heapAfterGc() - heapBefore) / 2 ** 20;
  assert.ok(heapGrowthMiB < 64, `heap grew by ${heapGrowthMiB.toFixed(1)} MiB`);
  const statuses = Object.fromEntries(Object.entries(server.stats.statuses).sort());
  t.diagnostic(
    JSON.stringify({
      requests: probes.length + 1,
      malformed: MALFORMED,
      valid: VALID + 1,
      concurrency: CONCURRENCY,
      seconds: Number(seconds.toFixed(2)),
      requestsPerSecond: Math.round(probes.length / seconds),
      statuses,
      internalErrors: server.stats.internalErrors,
      samplerCalls: calls,
      sampledRows: rows,
      maxRowsPerCall,
      heapGrowthMiB: Number(heapGrowthMiB.toFixed(1)),
    }),
  );
  for (const [kind, counts] of [...byKind].sort()) t.diagnostic(`${kind}: ${JSON.stringify(Object.fromEntries(counts))}`);
}

test('seeupo serve: past maxInFlight requests get 503 with Retry-After, and the others are answered', async () => {
  const server = new OpenAIServer({ model: served, seed: 0, maxInFlight: 4 });
  const base = `http://127.0.0.1:${(await server.listen(0, '127.0.0.1')).port}`;
  try {
    const body = JSON.stringify({ model: served.name, prompt, max_tokens: 16, temperature: 0 });
    const replies = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const res = await fetch(`${base}/v1/completions`, { method: 'POST', body });
        return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() };
      }),
    );
    const busy = replies.filter((r) => r.status === 503);
    assert.equal(busy.length + replies.filter((r) => r.status === 200).length, 40);
    assert.ok(busy.length > 0 && busy.length < 40, `${busy.length} of 40 were refused`);
    for (const r of busy) {
      assert.equal(r.retryAfter, '1');
      assert.match(r.text, /the server is busy/);
    }
  } finally {
    await server.close();
  }
});

