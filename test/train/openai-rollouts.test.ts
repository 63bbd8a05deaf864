import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/core/config.js';
import { UserError } from '../../src/core/errors.js';
import type { SampleOutput } from '../../src/policy/learner.js';
import { createLocalLearner } from '../../src/policy/native/select.js';
import { createRenderer, saveRendererSpec } from '../../src/render/index.js';
import { rowSeed } from '../../src/rollout/openai-policy.js';
import { isFailedSample, type FailedSample, type RolloutPolicy } from '../../src/rollout/policy.js';
import { loadServedModel, type ServedModel } from '../../src/serve/model.js';
import { OpenAIServer } from '../../src/serve/server.js';
import { loadTrainConfig, trainConfigSchema, type TrainConfig } from '../../src/train/config.js';
import { modelConfigFor, rendererSpecFor } from '../../src/train/model-setup.js';
import { train, type TrainProgress } from '../../src/train/trainer.js';
import { fixtureTaskSource } from './fixture-tasks.js';
import { metricsWithoutTime } from './run-metrics.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'seeupo-openai-train-'));

function tinyConfig(over: Record<string, unknown> = {}): TrainConfig {
  const { rollout, ...rest } = over;
  return parseConfig(trainConfigSchema, {
    seed: 3,
    model: { dModel: 32, nLayers: 1, nHeads: 2, contextLength: 96 },
    sft: { steps: 60, demonstrations: 12, batchSize: 4, lr: 1e-2, evalEvery: 30, patience: 5, validationTasks: 4 },
    rl: { iterations: 3 },
    // Temperature 1 (the default samples hotter): the server then samples the learner's own distribution, so the KL
    // before an iteration's update measures the weight sync alone.
    rollout: { tasksPerIteration: 3, groupSize: 2, maxTurns: 4, maxResponseTokens: 12, temperature: 1, ...(rollout as object | undefined) },
    eval: { every: 10, tasks: 4, finalTasks: 4, k: 0 },
    ...rest,
  });
}

let checkpointDir: string;
let served: ServedModel;
let server: OpenAIServer;
let serverUrl: string;

/** A server for the tiny config's model, started from random weights (the trainer's first sync replaces them). */
before(async () => {
  const config = tinyConfig();
  const spec = rendererSpecFor(config, fixtureTaskSource());
  const learner = await createLocalLearner({ config: modelConfigFor(config, createRenderer(spec)), seed: 99, threads: 1 });
  checkpointDir = tmp();
  await learner.save(checkpointDir);
  saveRendererSpec(checkpointDir, spec);
  await learner.dispose();
  served = await loadServedModel(checkpointDir, { backend: 'auto', name: 'tiny' });
  server = new OpenAIServer({ model: served, seed: 0, allowWeightUpdates: true });
  serverUrl = `http://127.0.0.1:${(await server.listen(0, '127.0.0.1')).port}`;
});

after(async () => {
  await server.close();
  await served.learner.dispose();
  rmSync(checkpointDir, { recursive: true, force: true });
});

const openai = (baseUrl: string, over: Record<string, unknown> = {}) => ({ policy: { kind: 'openai', baseUrl: `${baseUrl}/v1`, model: 'tiny', retries: 0, retryBaseMs: 1, ...over } });

/** Records every output of a policy, in call order. */
function recording(into: Array<SampleOutput | FailedSample>) {
  return (policy: RolloutPolicy): RolloutPolicy => ({
    async sample(requests, params) {
      const out = await policy.sample(requests, params);
      into.push(...out);
      return out;
    },
  });
}

/** The local learner sampled as a server samples: each request alone, with its own seed (rowSeed), no sessions. */
function oneRequestAtATime(policy: RolloutPolicy): RolloutPolicy {
  return {
    async sample(requests, params) {
      const out: Array<SampleOutput | FailedSample> = [];
      for (let i = 0; i < requests.length; i++) out.push(...(await policy.sample([{ prompt: requests[i]!.prompt }], { ...params, seed: rowSeed(params.seed, i) })));
      return out;
    },
  };
}

function records(dir: string, kind: string): Array<Record<string, unknown>> {
  return (metricsWithoutTime(dir) as Array<Record<string, unknown>>).filter((m) => m.kind === kind);
}

/** Equal, numbers within `tol` (log-probs from a server's sampler and from the learner's agree to float rounding). */
function assertClose(got: unknown, want: unknown, tol: number, path = ''): void {
  if (typeof want === 'number' && typeof got === 'number') {
    assert.ok(Math.abs(got - want) <= tol, `${path}: ${got} vs ${want}`);
    return;
  }
  if (want !== null && typeof want === 'object') {
    assert.ok(got !== null && typeof got === 'object', `${path}: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
    assert.deepEqual(Object.keys(got as object).sort(), Object.keys(want).sort(), `${path}: keys`);
    for (const k of Object.keys(want)) assertClose((got as Record<string, unknown>)[k], (want as Record<string, unknown>)[k], tol, `${path}.${k}`);
    return;
  }
  assert.deepEqual(got, want, path);
}

test('train with rollout.policy openai against seeupo serve --allow-weight-updates: the same run as the local policy (weights synced every iteration)', async () => {
  const localOut: Array<SampleOutput | FailedSample> = [];
  const local = join(tmp(), 'local');
  await train({ config: tinyConfig(), out: local, source: fixtureTaskSource(), wrapRolloutPolicy: (p) => recording(localOut)(oneRequestAtATime(p)) });

  const updatesBefore = server.stats.weightUpdates;
  const remoteOut: Array<SampleOutput | FailedSample> = [];
  const remote = join(tmp(), 'remote');
  const r = await train({ config: tinyConfig({ rollout: openai(serverUrl) }), out: remote, source: fixtureTaskSource(), wrapRolloutPolicy: recording(remoteOut) });
  assert.equal(r.interrupted, false);
  // One sync up front, one before each of the 3 iterations.
  assert.equal(server.stats.weightUpdates - updatesBefore, 4);

  // Every sampled token the same, log-probs within 1e-4.
  assert.equal(remoteOut.length, localOut.length);
  assert.ok(localOut.length >= 12, `${localOut.length} samples`);
  remoteOut.forEach((g, i) => {
    const w = localOut[i]!;
    assert.ok(!isFailedSample(g) && !isFailedSample(w));
    assert.deepEqual(Array.from(g.tokens), Array.from(w.tokens), `sample ${i} tokens`);
    assert.equal(g.finishReason, w.finishReason);
    g.logprobs.forEach((lp, k) => assert.ok(Math.abs(lp - w.logprobs[k]!) < 1e-4, `sample ${i} token ${k}: ${lp} vs ${w.logprobs[k]}`));
  });

  // The same metrics: rewards, success and token counts exactly, log-prob statistics within 1e-4.
  const rl = records(remote, 'rl');
  const want = records(local, 'rl');
  assert.equal(rl.length, 3);
  for (const rec of rl) {
    const server = rec.rolloutServer as { maxLogprobDiff: number; klBeforeUpdate: number };
    assert.ok(server.maxLogprobDiff < 1e-4, `agreement ${server.maxLogprobDiff}`);
    assert.ok(Math.abs(server.klBeforeUpdate) < 1e-4, `kl before the update ${server.klBeforeUpdate}`);
    delete rec.rolloutServer;
  }
  assert.deepEqual(
    rl.map((x) => [x.reward, x.success, x.tokens, x.excluded, x.turns]),
    want.map((x) => [x.reward, x.success, x.tokens, x.excluded, x.turns]),
  );
  assert.ok(want.some((x) => (x.reward as number) > 0), `some rollouts succeed: the comparison is not of empty episodes (${JSON.stringify(want.map((x) => [x.reward, x.tokens]))})`);
  // An iteration before the last moves the weights, so that a later iteration samples from weights only a sync brought.
  assert.ok(want.slice(0, -1).some((x) => (x.gradNorm as number) > 0), `an update before the last iteration (${JSON.stringify(want.map((x) => [x.reward, x.gradNorm]))})`);
  assertClose(rl, want, 1e-4);
  assertClose(records(remote, 'eval'), records(local, 'eval'), 1e-4);
  const [check] = records(remote, 'rollout-check');
  assert.equal(check!.weightSync, 'update-weights-from-disk');
  assert.ok((check!.maxLogprobDiff as number) < 1e-4);
});

test('train with rollout.policy openai: a run killed in RL and resumed ends with the same metrics as an uninterrupted one', async () => {
  const config = tinyConfig({ rollout: openai(serverUrl) });
  const whole = join(tmp(), 'whole');
  await train({ config, out: whole, source: fixtureTaskSource() });
  const killed = join(tmp(), 'killed');
  let phase = '';
  const progress: TrainProgress = {
    start(p) {
      phase = p;
    },
    update(done) {
      if (phase === 'rl' && done === 2) throw new Error('simulated kill');
    },
    log() {},
    stop() {},
  };
  await assert.rejects(train({ config, out: killed, source: fixtureTaskSource(), progress }), /simulated kill/);
  const r = await train({ config, out: killed, resume: true, source: fixtureTaskSource() });
  assert.equal(r.interrupted, false);
  assertClose(metricsWithoutTime(killed), metricsWithoutTime(whole), 0);
});

/**
 * A proxy in front of the server whose answers a script decides, per request: pass it on, drop the connection
 * (a server that stopped answering), or answer itself.
 */
async function proxy(decide: (path: string, index: number) => 'pass' | 'drop' | ((res: ServerResponse) => void)) {
  const counts: Record<string, number> = {};
  const target = new URL(serverUrl);
  const http: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    const index = (counts[path] = (counts[path] ?? 0) + 1);
    const what = decide(path, index);
    if (what === 'drop') {
      req.resume();
      req.socket.destroy();
      return;
    }
    if (typeof what === 'function') {
      req.resume();
      req.on('end', () => what(res));
      return;
    }
    const fwd = httpRequest({ host: target.hostname, port: target.port, path, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    req.pipe(fwd);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    counts,
    close: () => {
      http.closeAllConnections();
      return new Promise<void>((r) => http.close(() => r()));
    },
  };
}

const COMPLETIONS = '/v1/completions';
const UPDATE = '/update_weights_from_disk';

test('train with rollout.policy openai: a server that stops answering fails episodes (excluded, counted), not the run', async () => {
  // Completions 1 and 2 are the agreement checks up front and before iteration 1; 3 and 4 are iteration 1's first
  // rollout requests. Iteration 2's weight sync gets no answer at all.
  const p = await proxy((path, i) => ((path === COMPLETIONS && (i === 3 || i === 4)) || (path === UPDATE && i === 3) ? 'drop' : 'pass'));
  try {
    const out = join(tmp(), 'run');
    const r = await train({ config: tinyConfig({ rollout: openai(p.url, { timeoutMs: 5000 }) }), out, source: fixtureTaskSource() });
    assert.equal(r.interrupted, false);
    assert.ok(r.summary!.rl !== null, 'the run finished');
    const [it1, it2] = records(out, 'rl');
    assert.equal(it1!.episodes, 6);
    assert.equal(it1!.excluded, 2);
    for (const f of it1!.failures as string[]) assert.match(f, /^sampling failed: http:\/\/127\.0\.0\.1:\d+\/v1\/completions: fetch failed .*\(gave up after 1 attempts\)$/);
    assert.equal(it2!.excluded, 6);
    for (const f of it2!.failures as string[]) assert.match(f, /^sampling failed: rollout server: weight sync failed: .*\/update_weights_from_disk: fetch failed/);
    assert.deepEqual((it2!.rolloutServer as { maxLogprobDiff: unknown }).maxLogprobDiff, null);
  } finally {
    await p.close();
  }
});

test('train with rollout.policy openai: a server without the weight-update endpoint, or with it switched off, is a clear error up front', async () => {
  const p = await proxy((path) => (path === UPDATE ? (res) => (res.writeHead(404, { 'content-type': 'application/json' }), res.end('{"detail":"Not Found"}')) : 'pass'));
  const off = new OpenAIServer({ model: served, seed: 0 });
  const offUrl = `http://127.0.0.1:${(await off.listen(0, '127.0.0.1')).port}`;
  try {
    const cases: Array<[string, RegExp]> = [
      [p.url, /update_weights_from_disk does not exist \(404\): the server cannot load new weights.*vLLM has no stable equivalent.*none-off-policy/],
      [offUrl, /answered 403: weight updates are off: start seeupo serve with --allow-weight-updates/],
    ];
    for (const [url, message] of cases) {
      const out = join(tmp(), 'run');
      await assert.rejects(train({ config: tinyConfig({ rollout: openai(url) }), out, source: fixtureTaskSource() }), (e: unknown) => {
        assert.ok(e instanceof UserError, String(e));
        assert.match(e.message, message);
        return true;
      });
      assert.ok(!existsSync(join(out, 'metrics.jsonl')) && !existsSync(join(out, 'rollout-weights')), 'no run directory is made');
    }
  } finally {
    await p.close();
    await off.close();
  }
});

test('train with rollout.policy openai: a server that says it loaded the weights but did not fails the agreement check, naming the difference', async () => {
  const p = await proxy((path) => (path === UPDATE ? (res) => (res.writeHead(200, { 'content-type': 'application/json' }), res.end('{"success":true,"message":"ok"}')) : 'pass'));
  try {
    await assert.rejects(train({ config: tinyConfig({ rollout: openai(p.url) }), out: join(tmp(), 'run'), source: fixtureTaskSource() }), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.match(e.message, /the rollout server and the learner disagree: max \|log-prob difference\| [\d.e-]+ over \d+ sampled tokens \(tolerance 0\.001\)/);
      return true;
    });
  } finally {
    await p.close();
  }
});

test('train with rollout.policy openai, weightSync none-off-policy: no sync; the metrics carry how far the server is from the learner', async () => {
  // A server of its own, on the random weights it started with: never the learner's.
  const model = await loadServedModel(checkpointDir, { backend: 'auto', name: 'tiny' });
  const stale = new OpenAIServer({ model, seed: 0, allowWeightUpdates: true });
  const url = `http://127.0.0.1:${(await stale.listen(0, '127.0.0.1')).port}`;
  try {
    const out = join(tmp(), 'run');
    const r = await train({ config: tinyConfig({ rollout: openai(url, { weightSync: 'none-off-policy' }) }), out, source: fixtureTaskSource() });
    assert.equal(r.interrupted, false);
    assert.equal(stale.stats.weightUpdates, 0);
    const [check] = records(out, 'rollout-check');
    assert.equal(check!.weightSync, 'none-off-policy');
    assert.ok((check!.maxLogprobDiff as number) > 0.1, `${check!.maxLogprobDiff as number}`);
    for (const rec of records(out, 'rl')) {
      const s = rec.rolloutServer as { maxLogprobDiff: number; klBeforeUpdate: number };
      assert.ok(s.maxLogprobDiff > 0.1, `the server is off-policy: ${s.maxLogprobDiff}`);
      assert.ok(s.klBeforeUpdate > 0.01, `kl ${s.klBeforeUpdate}`);
    }
  } finally {
    await stale.close();
    await model.learner.dispose();
  }
});

test('rollout.policy config: weightSync none needs its acknowledgement, openai needs a local learner, unknown keys are errors', async () => {
  const base = { rollout: { policy: { kind: 'openai', baseUrl: 'http://127.0.0.1:1/v1', model: 'm' } } };
  assert.equal(parseConfig(trainConfigSchema, base, 'c').rollout.policy.kind, 'openai');
  assert.deepEqual(tinyConfig().rollout.policy, { kind: 'local' });
  const bad: Array<[unknown, RegExp]> = [
    [{ rollout: { policy: { ...base.rollout.policy, weightSync: 'none' } } }, /weightSync.*none-off-policy/s],
    [{ rollout: { policy: { ...base.rollout.policy, retry: 2 } } }, /unknown key 'rollout\.policy\.retry'/],
    [{ rollout: { policy: { kind: 'openai', model: 'm' } } }, /baseUrl/],
    [{ rollout: { policy: { kind: 'vllm' } } }, /kind/],
  ];
  for (const [raw, message] of bad) assert.throws(() => parseConfig(trainConfigSchema, raw, 'c'), (e: unknown) => e instanceof UserError && message.test(e.message));
  // tasksPerIteration and the other rollout keys keep working beside the policy.
  const both = loadTrainConfig(undefined, ['rollout.tasksPerIteration=5', 'rollout.policy.kind=openai', 'rollout.policy.baseUrl=http://127.0.0.1:1/v1', 'rollout.policy.model=m']);
  assert.equal(both.rollout.tasksPerIteration, 5);
  const tinker = tinyConfig({ rollout: base.rollout, learner: { kind: 'tinker', baseUrl: 'http://127.0.0.1:1', baseModel: 'b', loraRank: 4 } });
  await assert.rejects(train({ config: tinker, out: join(tmp(), 'run'), source: fixtureTaskSource() }), (e: unknown) => e instanceof UserError && /rollout.policy.kind openai needs learner.kind local/.test(e.message));
});
