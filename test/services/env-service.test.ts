import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AssistantMessage } from '../../src/core/messages.js';
import { BfclEnv } from '../../src/envs/bfcl/env.js';
import { HttpEnv } from '../../src/envs/http/http-env.js';
import { DEFAULT_TASK_KNOBS, taskAt, type TaskSpec } from '../../src/envs/tasks/index.js';
import type { Learner } from '../../src/policy/learner.js';
import { createLocalLearner } from '../../src/policy/native/select.js';
import { createRenderer, saveRendererSpec, type Renderer } from '../../src/render/index.js';
import { playEpisodes, type Episode, type EpisodeSpec, type RolloutOptions } from '../../src/rollout/episodes.js';
import { localRolloutPolicy } from '../../src/rollout/local-policy.js';
import { createOpenAIPolicy } from '../../src/rollout/openai-policy.js';
import { servedEnvType } from '../../src/serve/env-catalog.js';
import { actionText, fromAction } from '../../src/serve/env-protocol.js';
import { EnvServer } from '../../src/serve/env-server.js';
import { loadServedModel, type ServedModel } from '../../src/serve/model.js';
import { OpenAIServer } from '../../src/serve/server.js';
import { trainConfigSchema } from '../../src/train/config.js';
import { generatedTaskSource } from '../../src/train/generated-tasks.js';
import { rendererSpecFor } from '../../src/train/model-setup.js';

// Rollouts through both services (HttpEnv → seeupo env serve, OpenAIPolicy → seeupo serve) against the same
// rollouts in-process: the trainer's renderer, generated tasks and environment, a model taught a few demonstrations.
const MAX_STEPS_PER_TURN = 4;
const CONTEXT = 256;
let dir: string;
let learner: Learner;
let renderer: Renderer;
let served: ServedModel;
let modelServer: OpenAIServer;
let envServer: EnvServer;
let modelUrl: string;
let envUrl: string;
const tasks: TaskSpec[] = [0, 1, 2].map((i) => taskAt('train', i, DEFAULT_TASK_KNOBS, 0));
const trainerEnv = () => new BfclEnv({ maxStepsPerTurn: MAX_STEPS_PER_TURN, systemPrompt: null, toolsInSystemPrompt: false });

before(async () => {
  const config = trainConfigSchema.parse({});
  const source = generatedTaskSource(DEFAULT_TASK_KNOBS, 0);
  const spec = rendererSpecFor(config, source);
  renderer = createRenderer(spec);
  learner = await createLocalLearner({ config: { vocabSize: renderer.vocabSize, contextLength: CONTEXT, dModel: 32, nLayers: 1, nHeads: 2 }, seed: 3, threads: 1 });
  // A few SFT steps on the demonstrations, so greedy rollouts call tools and get tool results back.
  const batch = [];
  for (const t of tasks) {
    const messages = await source.demonstration(t, trainerEnv());
    const reset = await trainerEnv().reset(t.entry);
    const ex = renderer.supervisedExample(messages, reset.tools);
    const n = Math.min(ex.tokens.length, CONTEXT);
    const mask = ex.lossMask.slice(1, n);
    const count = Math.max(1, mask.reduce((a, b) => a + b, 0));
    batch.push({ seq: { tokens: Int32Array.from(ex.tokens.slice(0, n)), responseStart: 1 }, grad: Float32Array.from(mask, (m) => -m / count) });
  }
  for (let i = 0; i < 30; i++) {
    await learner.forwardBackward(
      batch.map((b) => b.seq),
      batch.map((b) => b.grad),
    );
    await learner.optimStep({ lr: 1e-2 });
  }
  dir = mkdtempSync(join(tmpdir(), 'seeupo-envsvc-'));
  await learner.save(dir);
  saveRendererSpec(dir, spec);
  served = await loadServedModel(dir, { backend: 'auto' });
  modelServer = new OpenAIServer({ model: served, seed: 0 });
  modelUrl = `http://127.0.0.1:${(await modelServer.listen(0, '127.0.0.1')).port}/v1`;
  envServer = new EnvServer({ envType: servedEnvType('tasks', { maxStepsPerTurn: MAX_STEPS_PER_TURN }) });
  envUrl = `http://127.0.0.1:${(await envServer.listen(0, '127.0.0.1')).port}`;
});

after(async () => {
  await envServer.close();
  await modelServer.close();
  await served.learner.dispose();
  await learner.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function rolloutOptions<Task>(policy: RolloutOptions<Task>['policy'], makeEnv: () => RolloutOptions<Task>['makeEnv'] extends () => infer E ? E : never): RolloutOptions<Task> {
  return {
    renderer,
    policy,
    makeEnv,
    temperature: 0,
    topP: 1,
    budgets: { maxTurns: 8, maxResponseTokens: 24, contextLength: CONTEXT },
    seed: 5,
    envTimeoutMs: 20_000,
    maxConcurrentEpisodes: 8,
  };
}

function specs<Task>(task: (t: TaskSpec) => Task): EpisodeSpec<Task>[] {
  return tasks.flatMap((t) => [0, 1].map((g) => ({ id: `${t.id}/${g}`, taskId: t.id, groupId: t.id, task: task(t) })));
}

test('greedy rollouts through HttpEnv + OpenAIPolicy equal the in-process environment and policy (tokens, log-probs, rewards)', async () => {
  const local = await playEpisodes(specs((t) => t.entry), rolloutOptions(localRolloutPolicy(learner), trainerEnv));
  const remote = await playEpisodes(
    specs((t) => t),
    rolloutOptions(createOpenAIPolicy({ baseUrl: modelUrl, model: served.name }), () => new HttpEnv({ baseUrl: envUrl, envType: 'tasks' })),
  );
  assertSameEpisodes(remote, local);
  // Not a comparison of empty episodes: tools were called and answered, and each episode ran several turns.
  const toolResults = local.flatMap((e) => e.messages).filter((m) => m.role === 'tool').length;
  assert.ok(toolResults > 0, 'some tool calls were answered');
  assert.ok(local.every((e) => e.trajectory.turns.length >= 2));
  assert.equal(envServer.liveInstances, 0, 'every instance was released');
});

function assertSameEpisodes(got: Episode[], want: Episode[]): void {
  assert.equal(got.length, want.length);
  got.forEach((g, i) => {
    const w = want[i]!;
    const at = `episode ${w.trajectory.id}`;
    assert.equal(g.trajectory.status, w.trajectory.status, `${at} status (${g.trajectory.error ?? ''})`);
    assert.equal(g.trajectory.reward, w.trajectory.reward, `${at} reward`);
    assert.equal(g.success, w.success, `${at} success`);
    assert.deepEqual(g.messages, w.messages, `${at} messages`);
    assert.equal(g.trajectory.turns.length, w.trajectory.turns.length, `${at} turns`);
    g.trajectory.turns.forEach((turn, k) => {
      const wt = w.trajectory.turns[k]!;
      assert.deepEqual(turn.contextTokens, wt.contextTokens, `${at} turn ${k} context`);
      assert.deepEqual(turn.responseTokens, wt.responseTokens, `${at} turn ${k} response`);
      assert.deepEqual(turn.lossMask, wt.lossMask, `${at} turn ${k} mask`);
      turn.behaviourLogprobs.forEach((lp, j) => assert.ok(Math.abs(lp - wt.behaviourLogprobs[j]!) < 1e-4, `${at} turn ${k} log-prob ${j}`));
    });
  });
}

test('HttpEnv sends the structured message by default, or Qwen text that the service parses back to the same calls', async () => {
  const message: AssistantMessage = {
    role: 'assistant',
    content: 'Let me look.',
    toolCalls: [
      { name: 'ls', arguments: {} },
      { name: 'cd', arguments: { folder: 'docs' } },
    ],
    invalidToolCalls: [],
  };
  assert.equal(actionText(message), 'Let me look.\n<tool_call>\n{"name": "ls", "arguments": {}}\n</tool_call>\n<tool_call>\n{"name": "cd", "arguments": {"folder": "docs"}}\n</tool_call>');
  assert.deepEqual(fromAction({ role: 'assistant', content: actionText(message) }), message);
  // Both forms against the service: the same tool results.
  const answers = [];
  for (const action of ['structured', 'text'] as const) {
    const env = new HttpEnv({ baseUrl: envUrl, envType: 'tasks', action });
    await env.reset(tasks[0]!.id);
    answers.push((await env.step(message)).messages);
    await env.close();
  }
  assert.deepEqual(answers[0], answers[1]);
  assert.equal(answers[0]!.filter((m) => m.role === 'tool').length, 2);
});

test('HttpEnv: no silent fallback — unknown tasks, unknown instances and a dead service are errors', async () => {
  const env = new HttpEnv({ baseUrl: envUrl, envType: 'tasks', retryBaseMs: 1 });
  await assert.rejects(env.reset('tasks_nope_0_0'), /answered 404: no task 'tasks_nope_0_0' in env_type 'tasks'/);
  await assert.rejects(env.step({ role: 'assistant', content: 'x' }), /no episode: call reset first/);
  const wrongType = new HttpEnv({ baseUrl: envUrl, envType: 'appworld' });
  await assert.rejects(wrongType.reset(tasks[0]!.id), /answered 400: unknown env_type 'appworld': this service serves 'tasks'/);
  // A port that was free a moment ago: nothing listens there.
  const probe = createServer();
  const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as AddressInfo).port)));
  await new Promise((resolve) => probe.close(resolve));
  const dead = new HttpEnv({ baseUrl: `http://127.0.0.1:${port}`, envType: 'tasks', maxRetries: 2, retryBaseMs: 1 });
  await assert.rejects(dead.reset(tasks[0]!.id), /ECONNREFUSED.*\(gave up after 3 attempts\)$/);
});
