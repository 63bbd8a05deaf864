import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Learner } from '../../src/policy/learner.js';
import { createLocalLearner } from '../../src/policy/native/select.js';
import { toolCallHead } from '../../src/policy/tokenizer/special-tokens.js';
import { createRenderer, saveRendererSpec, type RendererSpec } from '../../src/render/index.js';
import { loadServedModel, type ServedModel } from '../../src/serve/model.js';
import { OpenAIServer } from '../../src/serve/server.js';
import { DEMOS, RENDERER_SPEC, trainedCheckpoint, type Fixture } from './fixture.js';

let fixture: Fixture;
let other: { dir: string; learner: Learner };
const dirs: string[] = [];
let served: ServedModel;
let server: OpenAIServer;
let root: string;
const renderer = createRenderer(RENDERER_SPEC);
const prompt = (() => {
  const conv = renderer.conversation(DEMOS[1]!.tools);
  conv.add(DEMOS[1]!.messages[0]!);
  return conv.promptTokens();
})();

/** A checkpoint of the given shape and renderer, with weights from `seed`. */
async function checkpoint(seed: number, shape: Partial<Learner['config']> = {}, spec: RendererSpec = RENDERER_SPEC): Promise<{ dir: string; learner: Learner }> {
  const learner = await createLocalLearner({ config: { ...fixture.learner.config, ...shape }, seed, threads: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'seeupo-weights-'));
  dirs.push(dir);
  await learner.save(dir);
  saveRendererSpec(dir, spec);
  return { dir, learner };
}

before(async () => {
  fixture = await trainedCheckpoint();
  other = await checkpoint(5);
  served = await loadServedModel(fixture.dir, { backend: 'auto' });
  server = new OpenAIServer({ model: served, seed: 0, allowWeightUpdates: true });
  root = `http://127.0.0.1:${(await server.listen(0, '127.0.0.1')).port}`;
});

after(async () => {
  await server.close();
  await served.learner.dispose();
  await other.learner.dispose();
  await fixture.cleanup();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function post(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The server's sampled tokens and log-probs for the prompt, with a seed. */
async function served_sample(seed: number, base = root): Promise<{ tokens: string[]; logprobs: number[] }> {
  const r = await post(`${base}/v1/completions`, { model: served.name, prompt, max_tokens: 8, temperature: 1, seed, logprobs: 0, return_tokens_as_token_ids: true });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const lp = (r.body.choices as Array<{ logprobs: { tokens: string[]; token_logprobs: number[] } }>)[0]!.logprobs;
  return { tokens: lp.tokens, logprobs: lp.token_logprobs };
}

/** In-process sampling of the same request by `learner` (what the server must answer when it holds those weights). */
async function local_sample(learner: Learner, seed: number): Promise<{ tokens: string[]; logprobs: number[] }> {
  const [out] = await learner.sample([Int32Array.from(prompt)], { maxTokens: 8, temperature: 1, topP: 1, stopTokens: renderer.stopTokens, seed });
  return { tokens: Array.from(out!.tokens, (t) => `token_id:${t}`), logprobs: Array.from(out!.logprobs) };
}

function same(a: { tokens: string[]; logprobs: number[] }, b: { tokens: string[]; logprobs: number[] }): boolean {
  return a.tokens.join() === b.tokens.join() && a.logprobs.every((x, i) => Math.abs(x - b.logprobs[i]!) < 1e-4);
}

test('POST /update_weights_from_disk loads another checkpoint of the same model: SGLang\'s answer, and sampling follows the new weights', async () => {
  assert.ok(same(await served_sample(1), await local_sample(fixture.learner, 1)), 'before: the fixture weights');
  assert.ok(!same(await local_sample(other.learner, 1), await local_sample(fixture.learner, 1)), 'the two checkpoints sample differently');
  const r = await post(`${root}/update_weights_from_disk`, { model_path: other.dir });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { success: true, message: `Succeeded to update model weights from ${other.dir}.`, num_paused_requests: 0 });
  assert.ok(same(await served_sample(1), await local_sample(other.learner, 1)), 'after: the new weights');
  const back = await post(`${root}/update_weights_from_disk`, { model_path: fixture.dir });
  assert.equal(back.body.success, true);
  assert.ok(same(await served_sample(1), await local_sample(fixture.learner, 1)));
});

test('POST /update_weights_from_disk refuses another architecture, another renderer, a missing or broken checkpoint and unknown fields (400), keeping its weights', async () => {
  const wide = await checkpoint(1, { dModel: 16 });
  await wide.learner.dispose();
  const spec: RendererSpec = { kind: 'chatml', extraSpecialTokens: [toolCallHead('get_time')] };
  assert.equal(createRenderer(spec).vocabSize, renderer.vocabSize, 'same vocabulary size, another vocabulary');
  const renamed = await checkpoint(1, {}, spec);
  await renamed.learner.dispose();
  const broken = mkdtempSync(join(tmpdir(), 'seeupo-weights-'));
  dirs.push(broken);
  writeFileSync(join(broken, 'state.json'), '{');
  const cases: Array<[unknown, RegExp]> = [
    [{ model_path: wide.dir }, /has another architecture than the served model: dModel 16 \(served: 32\)$/],
    [{ model_path: renamed.dir }, /was saved with another renderer \(template or vocabulary\) than the served model$/],
    [{ model_path: '/nonexistent/weights' }, /^model_path \/nonexistent\/weights does not exist on the server's machine$/],
    [{ model_path: broken }, /is not a checkpoint/],
    [{}, /model_path/],
    [{ model_path: other.dir, load_format: 'auto' }, /unknown key 'load_format'/],
  ];
  const before = await served_sample(2);
  for (const [body, message] of cases) {
    const r = await post(`${root}/update_weights_from_disk`, body);
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.success, false);
    assert.match(r.body.message as string, message);
  }
  assert.deepEqual(await served_sample(2), before, 'the weights are unchanged');
  const get = await fetch(`${root}/update_weights_from_disk`);
  assert.equal(get.status, 405);
});

test('POST /update_weights_from_disk is refused (403) by a server started without allowWeightUpdates', async () => {
  const closed = new OpenAIServer({ model: served, seed: 0 });
  const url = `http://127.0.0.1:${(await closed.listen(0, '127.0.0.1')).port}`;
  try {
    const r = await post(`${url}/update_weights_from_disk`, { model_path: other.dir });
    assert.equal(r.status, 403);
    assert.deepEqual(r.body, { success: false, message: 'weight updates are off: start seeupo serve with --allow-weight-updates to allow /update_weights_from_disk' });
    assert.equal(closed.stats.weightUpdates, 0);
  } finally {
    await closed.close();
  }
});

test('a weight update among concurrent requests: each answer is wholly the old weights\' or wholly the new ones\'; answers after it are the new ones\'', async () => {
  const seeds = [11, 12, 13, 14, 15, 16, 17, 18];
  const during = seeds.map((seed) => served_sample(seed));
  const update = await post(`${root}/update_weights_from_disk`, { model_path: other.dir });
  assert.equal(update.body.success, true);
  for (const [i, a] of (await Promise.all(during)).entries()) {
    const fromOld = same(a, await local_sample(fixture.learner, seeds[i]!));
    const fromNew = same(a, await local_sample(other.learner, seeds[i]!));
    assert.ok(fromOld !== fromNew, `answer ${i} is ${fromOld ? 'both' : 'neither'} the old weights' and the new ones'`);
  }
  for (const seed of seeds) assert.ok(same(await served_sample(seed), await local_sample(other.learner, seed)), `seed ${seed} after the update`);
  await post(`${root}/update_weights_from_disk`, { model_path: fixture.dir });
});
