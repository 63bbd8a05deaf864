import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/core/config.js';
import { trainConfigSchema } from '../../src/train/config.js';
import { RunDir } from '../../src/train/run-dir.js';
import { train } from '../../src/train/trainer.js';
import { fixtureTaskSource } from './fixture-tasks.js';
import { metricsWithoutTime } from './run-metrics.js';

const config = (over: Record<string, unknown>) =>
  parseConfig(trainConfigSchema, {
    seed: 4,
    model: { dModel: 32, nLayers: 1, nHeads: 2, contextLength: 96 },
    sft: { steps: 10, demonstrations: 12, batchSize: 4, lr: 1e-2, evalEvery: 10, patience: 5, validationTasks: 4 },
    rl: { iterations: 2 },
    rollout: { tasksPerIteration: 3, groupSize: 2, maxTurns: 4, maxResponseTokens: 12 },
    eval: { every: 1, tasks: 4, finalTasks: 4, k: 0 },
    ...over,
  });

test('train from init: the summary names the weights it loaded by SHA-256, and a run resumed before its first checkpoint starts from them too', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seeupo-init-'));
  const source = fixtureTaskSource();
  const sft = join(dir, 'sft');
  await train({ config: config({ rl: { iterations: 0 } }), out: sft, source });
  const init = join(sft, 'checkpoints', 'sft-best');
  const sha = createHash('sha256').update(readFileSync(join(init, 'model.safetensors'))).digest('hex');

  const rlConfig = config({ init, sft: { steps: 0, demonstrations: 12 } });
  const whole = join(dir, 'whole');
  const w = await train({ config: rlConfig, out: whole, source });
  assert.deepEqual(w.summary!.init, { dir: init, sha256: sha });
  // Iteration tasks: B new training tasks per iteration, after the demonstrations' indices.
  const tasks = metricsWithoutTime(whole).filter((m) => (m as { kind: string }).kind === 'rl').map((m) => (m as { tasks: string[] }).tasks);
  assert.deepEqual(tasks, [['fixture_train_12', 'fixture_train_13', 'fixture_train_14'], ['fixture_train_15', 'fixture_train_16', 'fixture_train_17']]);

  // Killed after its directory was made, before any checkpoint: --resume starts over, from init, not from random weights.
  const early = join(dir, 'early');
  RunDir.create(early, rlConfig);
  const e = await train({ config: rlConfig, out: early, source, resume: true });
  assert.deepEqual(e.summary!.init, { dir: init, sha256: sha });
  assert.deepEqual(metricsWithoutTime(early), metricsWithoutTime(whole));
  const weights = (d: string) => readFileSync(join(d, 'checkpoints', 'final', 'model.safetensors'));
  assert.ok(weights(early).equals(weights(whole)));
});
