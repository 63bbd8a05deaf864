import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/core/errors.js';
import { parseConfig } from '../../src/core/config.js';
import { applySet, criticConfigOf, loadTrainConfig, resolveTrainAlgorithm, trainConfigSchema } from '../../src/train/config.js';
import { trainConfigFromFlags } from '../../src/cli/train.js';

test('train config: the built-in default is SeeUPO after SFT, with every section filled', () => {
  const c = loadTrainConfig(undefined);
  assert.equal(c.algorithm.name, 'seeupo');
  assert.equal(c.renderer, 'compact');
  assert.ok(c.sft.steps > 0 && c.rl.iterations > 0);
  assert.equal(resolveTrainAlgorithm(c).schedule.kind, 'sequential');
});

test('train config: YAML file, then --set (values read as YAML), then shorthand flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seeupo-cfg-'));
  const file = join(dir, 'c.yaml');
  writeFileSync(file, 'algorithm:\n  name: grpo\nrollout:\n  groupSize: 4\n');
  const c = trainConfigFromFlags({ config: file, set: ['rollout.groupSize=6', 'algorithm.overrides.schedule.epochs=2'], seed: 9, iterations: 3 });
  assert.equal(c.algorithm.name, 'grpo');
  assert.equal(c.rollout.groupSize, 6);
  assert.equal(c.seed, 9);
  assert.equal(c.rl.iterations, 3);
  assert.equal(resolveTrainAlgorithm(c).schedule.epochs, 2);
});

test('train config: unknown keys, wrong types, unknown algorithms and bad override keys are one-line user errors naming the key', () => {
  assert.throws(() => loadTrainConfig(undefined, ['rollout.groupsize=4']), (e: Error) => e instanceof UserError && /rollout\.groupsize/.test(e.message));
  assert.throws(() => loadTrainConfig(undefined, ['sft.lr=fast']), (e: Error) => e instanceof UserError && /sft\.lr/.test(e.message));
  assert.throws(() => loadTrainConfig(undefined, ['algorithm.name=ppo2']), UserError);
  assert.throws(() => loadTrainConfig(undefined, ['algorithm.overrides.loss.clipLo=0.1']), (e: Error) => e instanceof UserError && /clipLo/.test(e.message));
  assert.throws(() => applySet({}, 'novalue'), UserError);
  assert.throws(() => loadTrainConfig('/nonexistent/config.yaml'), UserError);
});

test('train config: ppo runs with the critic defaults or a critic block; a critic with a critic-free algorithm or a bad range is an error', () => {
  const ppo = loadTrainConfig(undefined, ['algorithm.name=ppo']);
  assert.equal(resolveTrainAlgorithm(ppo).advantage.kind, 'gae');
  assert.deepEqual(ppo.critic, criticConfigOf(ppo), 'the resolved config shows the critic it runs with');
  assert.deepEqual(criticConfigOf(parseConfig(trainConfigSchema, { algorithm: { name: 'ppo' } })), { lr: 1e-3, beta1: 0.9, beta2: 0.95, weightDecay: 0, maxGradNorm: 1, warmupIterations: 0, valueRange: [0, 1] });
  const set = loadTrainConfig(undefined, ['algorithm.name=ppo', 'critic.lr=3e-4', 'critic.valueRange=[-1, 1]']);
  assert.deepEqual(criticConfigOf(set), { lr: 3e-4, beta1: 0.9, beta2: 0.95, weightDecay: 0, maxGradNorm: 1, warmupIterations: 0, valueRange: [-1, 1] });
  // No dead config: a critic block where no critic is learned is refused, naming it.
  assert.throws(() => loadTrainConfig(undefined, ['critic.lr=3e-4']), (e: Error) => e instanceof UserError && /^critic: seeupo learns no critic/.test(e.message));
  assert.throws(() => loadTrainConfig(undefined, ['algorithm.name=grpo', 'critic={}']), (e: Error) => e instanceof UserError && /critic: grpo/.test(e.message));
  assert.throws(() => loadTrainConfig(undefined, ['algorithm.name=ppo', 'critic.valueRange=[1, 0]']), (e: Error) => e instanceof UserError && /critic\.valueRange/.test(e.message));
  assert.throws(() => loadTrainConfig(undefined, ['algorithm.name=ppo', 'critic.lrr=1']), (e: Error) => e instanceof UserError && /critic\.lrr/.test(e.message));
});

test('train config: --resume takes the run its own config and refuses config flags beside it', () => {
  assert.throws(() => trainConfigFromFlags({ resume: '/tmp/x', set: ['seed=1'] }), /--resume continues a run with its own config/);
});

test('train config: renderer {kind: hf, dir} renders a real model\'s template and sizes the vocabulary from its tokenizer', async () => {
  const { QWEN3_DIR } = await import('../render/hf-oracle.js');
  const { createRenderer } = await import('../../src/render/index.js');
  const { rendererSpecFor, modelConfigFor } = await import('../../src/train/model-setup.js');
  const { fixtureTaskSource } = await import('./fixture-tasks.js');
  const c = loadTrainConfig(undefined, [`renderer={kind: hf, dir: ${QWEN3_DIR}, templateKwargs: {enable_thinking: false}}`]);
  const spec = rendererSpecFor(c, fixtureTaskSource());
  assert.deepEqual(spec, { kind: 'hf', dir: QWEN3_DIR, templateKwargs: { enable_thinking: false } });
  const renderer = createRenderer(spec);
  assert.equal(renderer.name, 'hf');
  assert.ok(modelConfigFor(c, renderer).vocabSize > 150_000);
  assert.throws(() => loadTrainConfig(undefined, ['renderer=qwen']), UserError);
});
