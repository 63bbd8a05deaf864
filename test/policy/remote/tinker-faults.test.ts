import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { emptyOptimizerState, readCheckpoint, writeCheckpoint } from '../../../src/policy/checkpoint.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultAction } from '../../../src/policy/remote/tinker-server.js';
import { client, localLearner, localWeights, probes, removeDir, serve, serverWeights, tempDir, train, cleanup } from './helpers.js';

afterEach(cleanup);

/** Faults by route and occurrence (1-based): e.g. {forward_backward: {1: drop}}; counts every request seen. */
function faultPlan(plan: Record<string, Record<number, FaultAction>>) {
  const seen: Record<string, number> = {};
  const fired: string[] = [];
  const hook = (route: string): FaultAction | undefined => {
    const n = (seen[route] = (seen[route] ?? 0) + 1);
    const f = plan[route]?.[n];
    if (f) fired.push(`${route}#${n}:${f.kind === 'status' ? f.status : f.kind}`);
    return f;
  };
  return { hook, fired };
}

test('dropped connections, 408s and 5xx are retried within bounds, and no step is applied twice', async () => {
  const dir = await tempDir();
  const plan = faultPlan({
    forward: { 1: { kind: 'status', status: 502 } },
    // Dropped before the server acts: the retry is the first time it sees the request.
    forward_backward: { 1: { kind: 'drop' }, 2: { kind: 'drop-after' } },
    // Dropped after the server acted: the retry carries the same seq_id and gets the same future back.
    optim_step: { 1: { kind: 'drop-after' }, 3: { kind: 'drop-after' } },
    retrieve_future: { 2: { kind: 'status', status: 503 }, 3: { kind: 'status', status: 500 }, 5: { kind: 'status', status: 408 }, 6: { kind: 'status', status: 408 }, 9: { kind: 'drop' } },
  });
  const clean = await serve(join(dir, 'clean'));
  const faulty = await serve(join(dir, 'faulty'), { fault: plan.hook });
  const a = await client(clean);
  const b = await client(faulty);
  try {
    await train(a, 'seeupo', 2);
    await train(b, 'seeupo', 2);
    assert.equal(plan.fired.length, 10, plan.fired.join(' '));
    // The same work reached the learners: every forward-backward and step once.
    assert.deepEqual(faulty.applied(), clean.applied());
    assert.equal(clean.applied().optim_step, 4);
    await a.save(join(dir, 'a'));
    await b.save(join(dir, 'b'));
    const wa = await serverWeights(join(dir, 'clean'), join(dir, 'a'));
    const wb = await serverWeights(join(dir, 'faulty'), join(dir, 'b'));
    assert.ok(wa.equals(wb), 'the faulty run ended with other weights');
  } finally {
    await a.dispose();
    await b.dispose();
    await clean.close();
    await faulty.close();
    await removeDir(dir);
  }
});

test('with resendUnconfirmed off (servers that ignore seq_id, like SkyRL\'s) a lost answer stops the run instead of resending', async () => {
  const dir = await tempDir();
  const plan = faultPlan({ optim_step: { 1: { kind: 'drop-after' } }, forward: { 1: { kind: 'drop' } } });
  const server = await serve(join(dir, 's'), { fault: plan.hook });
  const remote = await client(server, { resendUnconfirmed: false });
  try {
    await assert.rejects(
      train(remote, 'grpo', 1),
      /^TinkerError: tinker optim_step \(model model_\w+, seq_id \d+\): the connection failed after the request may have reached the server \((ECONNRESET|socket hang up)[^)]*\); not resent, so it cannot be applied twice$/,
    );
    // The dropped forward pass was resent (twice is harmless); the step, applied once, was not.
    assert.deepEqual(plan.fired, ['forward#1:drop', 'optim_step#1:drop-after']);
    await remote.dispose(); // unload runs after the model's queued work: the step has been applied by now
    assert.equal(server.applied().optim_step, 1);
  } finally {
    await remote.dispose();
    await server.close();
    await removeDir(dir);
  }
});

test('a server that keeps failing: the client gives up after its attempts with an error naming the call', async () => {
  const dir = await tempDir();
  const server = await serve(join(dir, 's'), { fault: (route) => (route === 'optim_step' ? { kind: 'status', status: 503 } : undefined) });
  const remote = await client(server);
  try {
    const t0 = Date.now();
    await assert.rejects(train(remote, 'grpo', 1), /^TinkerError: tinker optim_step \(model model_\w+, seq_id \d+\): gave up after 4 attempts; last: HTTP 503: injected 503$/);
    assert.ok(Date.now() - t0 < 5000);
    assert.equal(server.applied().optim_step, undefined);
  } finally {
    await remote.dispose();
    await server.close();
    await removeDir(dir);
  }
});

test('a server that is gone: connection refused, bounded retries, then a clear error', async () => {
  const dir = await tempDir();
  const server = await serve(join(dir, 's'));
  const remote = await client(server);
  await server.close();
  try {
    await assert.rejects(remote.logprobs(probes()), /^TinkerError: tinker forward \(model model_\w+, seq_id 1\): gave up after 4 attempts; last: ECONNREFUSED/);
    // dispose is best effort: it warns instead of throwing (it runs in finally blocks).
    const warnings: string[] = [];
    const server2 = await serve(join(dir, 's2'));
    const other = await client(server2, { warn: (l) => warnings.push(l) });
    await server2.close();
    await other.dispose();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^seeupo: tinker unload_model: gave up after 4 attempts; last: ECONNREFUSED .*; the server frees the model when the session ends$/);
  } finally {
    await removeDir(dir);
  }
});

test('waits are bounded: a request without an answer times out, a future that never completes too, long polls do not count as failures', async () => {
  const dir = await tempDir();
  const server = await serve(join(dir, 's'), {
    longPollMs: 20,
    fault: (route) => (route === 'forward' ? { kind: 'hang' } : undefined),
  });
  const hung = await client(server, { requestTimeoutMs: 100, retry: { maxAttempts: 2, baseDelayMs: 5 } });
  const slow = await serve(join(dir, 't'), { longPollMs: 20, fault: (route) => (route === 'retrieve_future' ? { kind: 'status', status: 408 } : undefined) });
  const held = await serve(join(dir, 'u'), { fault: (route) => (route === 'retrieve_future' ? { kind: 'hang' } : undefined) });
  try {
    const t0 = Date.now();
    await assert.rejects(hung.logprobs(probes()), /^TinkerError: tinker forward \(model model_\w+, seq_id 1\): gave up after 2 attempts; last: no answer within 100 ms$/);
    assert.ok(Date.now() - t0 < 2000);
    // create_model's future is asked again on every 408 until futureTimeoutMs.
    await assert.rejects(client(slow, { futureTimeoutMs: 150 }), /^TinkerError: tinker create_model \(seeupo-test-tiny\) \(future [\w-]+\): no result after 150 ms$/);
    // A poll the server holds longer than requestTimeoutMs is a long poll, asked again, not a failed attempt.
    await assert.rejects(client(held, { requestTimeoutMs: 40, futureTimeoutMs: 400 }), /^TinkerError: tinker create_model \(seeupo-test-tiny\) \(future [\w-]+\): no result after 400 ms$/);
  } finally {
    await hung.dispose();
    await server.close();
    await slow.close();
    await held.close();
    await removeDir(dir);
  }
});

test('a server restarted mid-run: the old learner fails clearly; a new one resumes from the checkpoint and ends with the uninterrupted run\'s weights', async () => {
  const dir = await tempDir();
  const ckpt = join(dir, 'server');
  const first = await serve(ckpt);
  const direct = await localLearner();
  const before = await client(first);
  let second = null;
  let after = null;
  try {
    await train(direct, 'seeupo', 2);
    await train(before, 'seeupo', 1);
    await before.save(join(dir, 'mid'));
    const port = first.port;
    await first.close();
    second = await serve(ckpt, {}, port);
    await assert.rejects(before.logprobs(probes()), /^TinkerError: tinker forward \(model model_\w+, seq_id \d+\): HTTP 404: Model not found \(.*was it restarted\? Resume from the last checkpoint/);
    after = await client(second);
    await after.load(join(dir, 'mid'));
    await train(after, 'seeupo', 1, 1);
    await after.save(join(dir, 'end'));
    const want = await localWeights(direct, join(dir, 'direct'));
    assert.ok(want.equals(await serverWeights(ckpt, join(dir, 'end'))), 'the resumed run ended with other weights');
    await before.dispose(); // the model is gone: unload's 404 is not an error
  } finally {
    await after?.dispose();
    await direct.dispose();
    await second?.close();
    await removeDir(dir);
  }
});

test('loadWeights restores a checkpoint\'s weights with a fresh optimizer, load also its optimizer state; both continue like the local learner', async () => {
  const dir = await tempDir();
  const ckpt = join(dir, 'server');
  const server = await serve(ckpt);
  const direct = await localLearner();
  const remote = await client(server);
  await train(direct, 'grpo', 1);
  await train(remote, 'grpo', 1);
  await direct.save(join(dir, 'local-mid'));
  await remote.save(join(dir, 'mid'));
  // The local reference: the same checkpoint with zeroed moments (what the trainer does before RL).
  const local = await readCheckpoint(join(dir, 'local-mid'));
  await writeCheckpoint(join(dir, 'local-fresh'), { ...local, optimizer: emptyOptimizerState(local.config) });
  for (const [how, localDir] of [['loadWeights', 'local-fresh'], ['load', 'local-mid']] as const) {
    const resumed = await client(server);
    await resumed[how](join(dir, 'mid'));
    const reference = await localLearner();
    await reference.load(join(dir, localDir));
    await train(resumed, 'grpo', 1, 1);
    await train(reference, 'grpo', 1, 1);
    await resumed.save(join(dir, `end-${how}`));
    const want = await localWeights(reference, join(dir, `ref-${how}`));
    assert.ok(want.equals(await serverWeights(ckpt, join(dir, `end-${how}`))), `${how}: other weights than the local learner`);
  }
  const a = await readFile(join(dir, 'ref-load', 'model.safetensors'));
  const b = await readFile(join(dir, 'ref-loadWeights', 'model.safetensors'));
  assert.ok(!a.equals(b), 'a fresh optimizer should take another step than the restored one');
});

test('heartbeats keep a session alive; a session without them is ended and its model freed', async () => {
  const dir = await tempDir();
  const server = await serve(join(dir, 's'), { sessionTimeoutMs: 1000 });
  const alive = await client(server, { heartbeatMs: 50 });
  const silent = await client(server, { heartbeatMs: 0 });
  try {
    // Timings with slack for a loaded machine: the server, the clients and the learners share one event loop here.
    await sleep(2500);
    assert.equal((await alive.logprobs(probes())).length, probes().length);
    await assert.rejects(silent.logprobs(probes()), /HTTP 404: Model not found/);
  } finally {
    await alive.dispose();
    await silent.dispose();
    await server.close();
    await removeDir(dir);
  }
});

test('the API key comes from TINKER_API_KEY, goes in X-API-Key, and never appears in an error', async () => {
  const dir = await tempDir();
  const server = await serve(join(dir, 's'), { apiKey: 'k-secret-42' });
  const saved = process.env.TINKER_API_KEY;
  try {
    process.env.TINKER_API_KEY = 'k-wrong-17';
    const err = await client(server).then(
      () => null,
      (e: Error) => e,
    );
    assert.ok(err);
    assert.match(err.message, /^tinker create_session: HTTP 401: Invalid or missing API key \(check the TINKER_API_KEY environment variable\)$/);
    assert.ok(!err.message.includes('k-wrong-17') && !err.message.includes('k-secret-42'));
    process.env.TINKER_API_KEY = 'k-secret-42';
    const ok = await client(server);
    assert.equal((await ok.logprobs(probes())).length, probes().length);
    await ok.dispose();
    delete process.env.TINKER_API_KEY;
    const explicit = await client(server, { apiKey: 'k-secret-42' });
    assert.equal((await explicit.logprobs(probes())).length, probes().length);
    await explicit.dispose();
  } finally {
    if (saved === undefined) delete process.env.TINKER_API_KEY;
    else process.env.TINKER_API_KEY = saved;
    await server.close();
    await removeDir(dir);
  }
});
