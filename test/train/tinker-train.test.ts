import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/core/config.js';
import { createLocalLearner } from '../../src/policy/native/select.js';
import { startTinkerServer } from '../../src/policy/remote/tinker-server.js';
import { createRenderer } from '../../src/render/index.js';
import { trainConfigSchema } from '../../src/train/config.js';
import { modelConfigFor, rendererSpecFor } from '../../src/train/model-setup.js';
import { train } from '../../src/train/trainer.js';
import { fixtureTaskSource } from './fixture-tasks.js';

/**
 * A tiny run whose learner is a Tinker-protocol service (`seeupo learner serve`'s server, in process): `over`
 * replaces parts of the tiny config. Returns the run directory, after closing the server.
 */
async function trainThroughTinker(prefix: string, over: Record<string, unknown>): Promise<{ out: string; r: Awaited<ReturnType<typeof train>> }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const source = fixtureTaskSource();
  const base = {
    seed: 3,
    model: { dModel: 32, nLayers: 1, nHeads: 2, contextLength: 96 },
    rl: { iterations: 2 },
    rollout: { tasksPerIteration: 2, groupSize: 2, maxTurns: 4, maxResponseTokens: 12 },
    ...over,
  };
  const local = parseConfig(trainConfigSchema, base);
  const model = modelConfigFor(local, createRenderer(rendererSpecFor(local, source)));
  const server = await startTinkerServer({
    createLearner: () => createLocalLearner({ config: model, seed: 3 }),
    baseModel: 'seeupo-tiny',
    checkpointDir: join(dir, 'server'),
    normalisation: 'sum',
    longPollMs: 200,
    sessionTimeoutMs: 0,
  });
  try {
    const config = parseConfig(trainConfigSchema, { ...base, learner: { kind: 'tinker', baseUrl: server.url, baseModel: 'seeupo-tiny', loraRank: 4 } });
    const out = join(dir, 'run');
    return { out, r: await train({ config, out, source }) };
  } finally {
    await server.close();
  }
}

test('train with learner: tinker — SFT and SeeUPO through seeupo learner serve end to end, checkpoints on the server', async () => {
  const { out, r } = await trainThroughTinker('seeupo-tinker-train-', {
    sft: { steps: 10, demonstrations: 8, batchSize: 4, lr: 1e-2, evalEvery: 5, patience: 5, validationTasks: 2 },
    eval: { every: 1, tasks: 2, finalTasks: 2, k: 0 },
  });
  assert.equal(r.interrupted, false);
  assert.ok(r.summary!.sft && r.summary!.rl);
  const kinds = readFileSync(join(out, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { kind: string }).kind);
  assert.equal(kinds.filter((k) => k === 'rl').length, 2);
  assert.ok(existsSync(join(out, 'checkpoints', 'final', 'tinker-checkpoint.json')), 'the final model is a pointer to the server');
});

test('train with learner: tinker — ppo learns its critic as a second model on the same service, saved beside the policy', async () => {
  const { out, r } = await trainThroughTinker('seeupo-tinker-ppo-', {
    algorithm: { name: 'ppo' },
    sft: { steps: 5, demonstrations: 8, batchSize: 4, lr: 1e-2, evalEvery: 5, patience: 5, validationTasks: 2 },
    eval: { every: 2, tasks: 2, finalTasks: 2, k: 0 },
  });
  assert.equal(r.interrupted, false);
  const rl = readFileSync(join(out, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; valueLoss?: number }).filter((m) => m.kind === 'rl');
  assert.equal(rl.length, 2);
  assert.ok(rl.every((m) => Number.isFinite(m.valueLoss) && m.valueLoss! > 0));
  const { dir: latest } = JSON.parse(readFileSync(join(out, 'checkpoints', 'latest.json'), 'utf8')) as { dir: string };
  assert.ok(existsSync(join(out, 'checkpoints', latest, 'critic', 'tinker-checkpoint.json')), 'the critic is a pointer to the server too');
});
