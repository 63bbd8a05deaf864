import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heapAfterGc } from './heap.js';
import { Rng } from '../../src/core/rng.js';
import { DEFAULT_TASK_KNOBS, taskAt } from '../../src/envs/tasks/index.js';
import { servedEnvType } from '../../src/serve/env-catalog.js';
import { EnvServer } from '../../src/serve/env-server.js';

// A bounded load and fuzz test of `seeupo env serve` on loopback: malformed requests interleaved with whole
// episodes (create, steps, evaluate, release), many at once. With SEEUPO_SLOW=1 it runs at the size whose figures
// are in docs/services.md; without it, a fifth of that.
const scale = process.env['SEEUPO_SLOW'] === '1' ? 1 : 0.2;
const MALFORMED = 2000 * scale;
const EPISODES = 200 * scale;
const CONCURRENCY = 32;
const BODY_LIMIT = 64 << 10;
const envType = () => servedEnvType('tasks', { maxStepsPerTurn: 4 });
const taskIds = [0, 1, 2, 3].map((i) => taskAt('train', i, DEFAULT_TASK_KNOBS, 0).id);

async function post(base: string, path: string, body: unknown, method = 'POST'): Promise<{ status: number; json: { success?: boolean; data?: unknown; detail?: string } }> {
  const init: RequestInit = { method, headers: { 'content-type': 'application/json' } };
  if (method === 'POST') init.body = typeof body === 'string' ? body : JSON.stringify(body);
  let res: Response;
  try {
    res = await fetch(base + path, init);
  } catch (e) {
    // A 413 closes the connection; a client still sending may see the close instead of the answer.
    if (typeof body === 'string' && body.length > BODY_LIMIT) return { status: 413, json: { detail: '(connection closed while sending)' } };
    throw e;
  }
  const text = await res.text();
  return { status: res.status, json: path === '/healthz' && res.ok ? {} : (JSON.parse(text) as { success?: boolean; data?: unknown; detail?: string }) };
}

interface Probe {
  kind: string;
  path: string;
  body: unknown;
  method?: string;
  expect: readonly number[];
}

function malformed(rng: Rng): Probe {
  const junk = (): unknown => ['x', -1, 1e308, [1, 'a'], { a: 1 }, true][rng.int(6)];
  const kinds: Array<() => Probe> = [
    () => ({ kind: 'not JSON', path: '/step', body: '{"instance_id": ', expect: [400] }),
    () => ({ kind: 'JSON of the wrong shape', path: ['/create', '/step', '/evaluate'][rng.int(3)]!, body: JSON.stringify(junk()), expect: [400] }),
    () => ({ kind: 'a field of the wrong type', path: '/create', body: { env_type: 'tasks', task_id: junk() }, expect: [400, 404] }),
    () => ({ kind: 'missing task_id', path: '/create', body: { env_type: 'tasks' }, expect: [400] }),
    () => ({ kind: 'unknown env_type', path: '/create', body: { env_type: 'appworld', task_id: taskIds[0] }, expect: [400] }),
    () => ({ kind: 'unknown task', path: '/create', body: { env_type: 'tasks', task_id: `tasks_train_0_x${rng.int(100)}` }, expect: [404] }),
    () => ({ kind: 'unknown instance', path: ['/step', '/evaluate', '/get_info'][rng.int(3)]!, body: { instance_id: `nope-${rng.int(1000)}`, messages: { role: 'assistant', content: 'hi' } }, expect: [404] }),
    () => ({ kind: 'missing instance_id', path: ['/step', '/evaluate', '/release'][rng.int(3)]!, body: {}, expect: [400] }),
    () => ({ kind: 'bad split', path: '/get_env_profile', body: { env_type: 'tasks', params: { split: ['dev', 7][rng.int(2)] } }, expect: [400] }),
    () => ({ kind: 'too many task ids asked', path: '/get_env_profile', body: { env_type: 'tasks', params: { count: 1e9 } }, expect: [400] }),
    () => ({ kind: 'body over the limit', path: '/create', body: JSON.stringify({ env_type: 'tasks', task_id: 'x'.repeat(BODY_LIMIT) }), expect: [413] }),
    () => ({ kind: 'unknown route', path: `/${['reset', 'x', '../etc/passwd'][rng.int(3)]}`, body: {}, expect: [404] }),
    () => ({ kind: 'wrong method', path: '/create', body: {}, method: ['GET', 'PUT'][rng.int(2)]!, expect: [405] }),
  ];
  return kinds[rng.int(kinds.length)]!();
}

/** One whole episode over HTTP: create, a few steps (some with bad actions), evaluate, release. */
async function episode(base: string, rng: Rng, statuses: Map<number, number>): Promise<number> {
  let requests = 0;
  const count = (s: number) => {
    requests++;
    statuses.set(s, (statuses.get(s) ?? 0) + 1);
  };
  const created = await post(base, '/create', { env_type: 'tasks', task_id: taskIds[rng.int(taskIds.length)] });
  count(created.status);
  assert.equal(created.status, 200, created.json.detail);
  const id = (created.json.data as { info: { instance_id: string } }).info.instance_id;
  for (let s = 0; s < 3; s++) {
    const bad = rng.int(4) === 0;
    const messages = bad ? { role: 'assistant', content: 'x', tool_calls: [{ function: { name: 'ls', arguments: '{oops' } }] } : { role: 'assistant', content: '<tool_call>\n{"name": "ls", "arguments": {}}\n</tool_call>' };
    const r = await post(base, '/step', { instance_id: id, messages });
    count(r.status);
    if (bad) {
      assert.equal(r.status, 400);
      assert.match(r.json.detail!, /arguments is not valid JSON/);
    } else assert.ok(r.status === 200 || r.status === 409, `${r.status} ${r.json.detail}`);
  }
  const ev = await post(base, '/evaluate', { instance_id: id });
  count(ev.status);
  assert.equal(ev.status, 200);
  assert.equal(typeof ev.json.data, 'number');
  const rel = await post(base, '/release', { instance_id: id });
  count(rel.status);
  assert.deepEqual(rel.json, { success: true, data: null });
  return requests;
}

test('seeupo env serve under load and fuzzing: no crash, a clear 4xx for every malformed request, no leaked instances, bounded memory', async (t) => {
  const server = new EnvServer({ envType: envType(), maxBodyBytes: BODY_LIMIT });
  const base = `http://127.0.0.1:${(await server.listen(0, '127.0.0.1')).port}`;
  try {
    const rng = new Rng(7);
    const work: Array<Probe | 'episode'> = rng.shuffled([...Array.from({ length: MALFORMED }, () => malformed(rng)), ...new Array<'episode'>(EPISODES).fill('episode')]);
    const statuses = new Map<number, number>();
    const heapBefore = heapAfterGc();
    const started = performance.now();
    let next = 0;
    let requests = 0;
    const worker = async (): Promise<void> => {
      const local = new Rng(next);
      while (next < work.length) {
        const w = work[next++]!;
        if (w === 'episode') {
          const n = await episode(base, local, statuses);
          requests += n;
          continue;
        }
        const r = await post(base, w.path, w.body, w.method);
        requests++;
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        assert.ok(w.expect.includes(r.status), `${w.kind}: ${r.status} ${JSON.stringify(r.json)}`);
        assert.equal(r.json.success ?? false, false);
        assert.ok(typeof r.json.detail === 'string' && r.json.detail.length > 0 && !/\n\s+at /.test(r.json.detail), `${w.kind}: a clear message, not a stack: ${r.json.detail}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (performance.now() - started) / 1000;
    assert.equal((await post(base, '/healthz', null, 'GET')).status, 200);
    assert.equal(server.liveInstances, 0, 'no leaked instances');
    assert.equal(server.stats.internalErrors, 0);
    assert.equal(server.stats.created, EPISODES);
    assert.equal(server.stats.released, EPISODES);
    const heapGrowthMiB = (heapAfterGc() - heapBefore) / 2 ** 20;
    assert.ok(heapGrowthMiB < 64, `heap grew by ${heapGrowthMiB.toFixed(1)} MiB`);
    t.diagnostic(
      JSON.stringify({
        requests,
        malformed: MALFORMED,
        episodes: EPISODES,
        concurrency: CONCURRENCY,
        seconds: Number(seconds.toFixed(2)),
        requestsPerSecond: Math.round(requests / seconds),
        statuses: Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])),
        internalErrors: server.stats.internalErrors,
        liveInstancesAfter: server.liveInstances,
        heapGrowthMiB: Number(heapGrowthMiB.toFixed(1)),
      }),
    );
  } finally {
    await server.close();
  }
});

test('seeupo env serve: instance limits answer 429, idle instances expire, terminated instances refuse steps', async () => {
  const server = new EnvServer({ envType: envType(), maxInstances: 3, maxInstancesPerClient: 2, idleMs: 60_000 });
  const base = `http://127.0.0.1:${(await server.listen(0, '127.0.0.1')).port}`;
  try {
    const create = () => post(base, '/create', { env_type: 'tasks', task_id: taskIds[0] });
    assert.equal((await create()).status, 200);
    assert.equal((await create()).status, 200);
    const third = await create();
    assert.equal(third.status, 429);
    assert.match(third.json.detail!, /this client has 2 live instances, the limit/);
    assert.equal(server.liveInstances, 2);
    // Idle for longer than idleMs: released by the sweep, and gone for the client.
    server.expireIdle(Date.now() + 60_001);
    await new Promise((r) => setImmediate(r));
    assert.equal(server.liveInstances, 0);
    assert.equal(server.stats.expired, 2);
    const gone = await post(base, '/step', { instance_id: 'tasks-0', messages: { role: 'assistant', content: 'hi' } });
    assert.equal(gone.status, 404);
    assert.match(gone.json.detail!, /no instance 'tasks-0' \(never created, released, or expired after 60000 ms idle\)/);
    // A client-chosen id that exists is a conflict.
    assert.equal((await post(base, '/create', { env_type: 'tasks', task_id: taskIds[0], instance_id: 'mine' })).status, 200);
    assert.equal((await post(base, '/create', { env_type: 'tasks', task_id: taskIds[0], instance_id: 'mine' })).status, 409);
    // Plain answers end the turns; once the episode ends, a step is refused.
    let last;
    for (let i = 0; i < 20; i++) {
      last = await post(base, '/step', { instance_id: 'mine', messages: { role: 'assistant', content: 'done' } });
      if (last.status !== 200 || (last.json.data as { is_terminated: boolean }).is_terminated) break;
    }
    assert.equal((last!.json.data as { is_terminated: boolean }).is_terminated, true);
    const after = await post(base, '/step', { instance_id: 'mine', messages: { role: 'assistant', content: 'more' } });
    assert.equal(after.status, 409);
    assert.match(after.json.detail!, /instance 'mine' has terminated/);
    const detailed = await post(base, '/evaluate', { instance_id: 'mine', params: { detailed: true } });
    assert.deepEqual(Object.keys(detailed.json.data as object), ['score', 'success', 'details']);
    assert.deepEqual(await post(base, '/release', { instance_id: 'mine' }), { status: 200, json: { success: true, data: null } });
    assert.deepEqual(await post(base, '/release', { instance_id: 'mine' }), { status: 200, json: { success: false, data: null } });
  } finally {
    await server.close();
  }
});


test("seeupo env serve answers request bodies shaped as AgentEvolver's Python EnvClient sends them", async () => {
  // EnvClient._make_request always sends all five fields, with env_type "default" and task_id null after create.
  const server = new EnvServer({ envType: envType() });
  const base = `http://127.0.0.1:${(await server.listen(0, '127.0.0.1')).port}`;
  const body = (fields: object) => ({ env_type: 'default', task_id: null, instance_id: null, messages: {}, params: {}, ...fields });
  try {
    const profile = await post(base, '/get_env_profile', body({ env_type: 'tasks', params: { split: 'train' } }));
    assert.equal((profile.json.data as string[]).length, 100);
    const created = await post(base, '/create', body({ env_type: 'tasks', task_id: taskIds[1] }));
    assert.equal(created.status, 200);
    const data = created.json.data as { state: Array<{ role: string; content: string }>; is_terminated: boolean; info: { instance_id: string; task_id: string } };
    assert.equal(data.is_terminated, false);
    assert.equal(data.info.task_id, taskIds[1]);
    assert.ok(data.state.every((m) => typeof m.role === 'string' && typeof m.content === 'string'));
    const id = data.info.instance_id;
    const step = await post(base, '/step', body({ instance_id: id, messages: { role: 'assistant', content: '<tool_call>\n{"name": "pwd", "arguments": {}}\n</tool_call>' } }));
    assert.equal(step.status, 200);
    const stepped = step.json.data as { state: Array<{ role: string; content: string }>; reward: number; is_terminated: boolean };
    assert.equal(stepped.state[0]!.role, 'tool');
    assert.equal(typeof stepped.reward, 'number');
    assert.equal(typeof (await post(base, '/evaluate', body({ instance_id: id }))).json.data, 'number');
    assert.equal((await post(base, '/get_info', body({ instance_id: id }))).status, 200);
    assert.deepEqual((await post(base, '/release', body({ instance_id: id }))).json, { success: true, data: null });
  } finally {
    await server.close();
  }
});
