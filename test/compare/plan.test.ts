import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/core/errors.js';
import { expandAlgos, parseSeeds, planCompare } from '../../src/compare/plan.js';
import { ALGORITHM_GROUPS, COMPARE_JOINT_MINIBATCHES, COMPARE_PRESET } from '../../src/compare/preset.js';
import { resolveTrainAlgorithm } from '../../src/train/config.js';
import { trainConfigFromFlags } from '../../src/cli/train.js';

test('expandAlgos: groups expand, names keep their order once, and an unknown name is a one-line error', () => {
  assert.deepEqual(expandAlgos(['seeupo,grpo', 'seeupo@4', 'grpo']), ['seeupo', 'grpo', 'seeupo@4']);
  assert.deepEqual(expandAlgos(['baselines']), [...ALGORITHM_GROUPS.baselines!]);
  assert.ok(expandAlgos(['ablations']).includes('seeupo-no-ratio'));
  assert.throws(() => expandAlgos(['seeupo,grpo2']), (e: unknown) => e instanceof UserError && /unknown algorithm 'grpo2'/.test(e.message));
  assert.throws(() => expandAlgos(['seeupo-no-ratio@0']), UserError);
  assert.throws(() => expandAlgos([',']), UserError);
});

test('parseSeeds: a count or a comma list', () => {
  assert.deepEqual(parseSeeds('3'), [0, 1, 2]);
  assert.deepEqual(parseSeeds('4,9'), [4, 9]);
  for (const bad of ['0', 'a', '1,1', '1,-2']) assert.throws(() => parseSeeds(bad), UserError, bad);
});

test('the trainer takes the named variants and NAME@EPOCHS as algorithm.name', () => {
  const c = trainConfigFromFlags({ set: ['algorithm.name=seeupo-no-ratio@4'] });
  const a = resolveTrainAlgorithm(c);
  assert.equal(a.name, 'seeupo-no-ratio@4');
  assert.equal(a.schedule.kind, 'sequential');
  assert.ok(a.schedule.kind === 'sequential' && a.schedule.ratioCorrection === null && a.schedule.epochs === 4);
  const joint = resolveTrainAlgorithm(trainConfigFromFlags({ set: ['algorithm.name=seeupo-joint', 'algorithm.overrides.schedule.epochs=2'] }));
  assert.equal(joint.schedule.kind, 'joint');
  assert.equal(joint.schedule.epochs, 2);
  assert.throws(() => trainConfigFromFlags({ set: ['algorithm.name=seeupo-nope'] }), (e: unknown) => e instanceof UserError && /algorithm\.name/.test(e.message));
});

test('planCompare: one SFT run per seed, every RL run the family config but for seed, algorithm, init and sft.steps', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seeupo-plan-'));
  const file = join(dir, 'c.yaml');
  writeFileSync(file, 'rl: { iterations: 5 }\nrollout: { groupSize: 4 }\n');
  const plan = planCompare({ algos: ['seeupo', 'grpo@2'], seeds: [0, 3], families: ['default'], config: file, sets: ['eval.every=5'], out: join(dir, 'out') });
  assert.deepEqual(plan.runs.map((r) => r.id), ['default/sft-seed0', 'default/seeupo-seed0', 'default/grpo@2-seed0', 'default/sft-seed3', 'default/seeupo-seed3', 'default/grpo@2-seed3']);
  const family = plan.families.default!;
  // The preset lies under the file and the sets: the file's rl.iterations and groupSize win, the preset's B stays.
  assert.equal(family.rl.iterations, 5);
  assert.equal(family.rollout.groupSize, 4);
  assert.equal(family.rollout.tasksPerIteration, COMPARE_PRESET.rollout.tasksPerIteration);
  assert.equal(family.eval.every, 5);
  for (const run of plan.runs) {
    const { seed, algorithm, init, sft, rl, ...rest } = run.config;
    const { seed: _s, algorithm: _a, init: _i, sft: fsft, rl: frl, ...familyRest } = family;
    assert.deepEqual(rest, familyRest, run.id);
    assert.equal(seed, run.seed);
    if (run.kind === 'sft') {
      assert.deepEqual(sft, fsft);
      assert.equal(rl.iterations, 0);
      assert.equal(init, null);
    } else {
      assert.deepEqual(rl, frl);
      assert.deepEqual({ ...sft, steps: fsft.steps }, fsft);
      assert.equal(sft.steps, 0);
      assert.equal(init, join(dir, 'out', 'runs', 'default', `sft-seed${run.seed}`, 'checkpoints', 'sft-best'));
      assert.equal(algorithm.name, run.algorithm);
      assert.deepEqual(run.after, [`default/sft-seed${run.seed}`]);
    }
  }
});

test('planCompare: algorithms with a joint update get the compare\'s minibatches per batch, sequential ones keep theirs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seeupo-plan-'));
  const spec = { algos: ['seeupo', 'grpo', 'gspo@2', 'seeupo-joint'], seeds: [0], families: ['default'], sets: [], out: join(dir, 'out') };
  const schedules = (plan: ReturnType<typeof planCompare>) =>
    Object.fromEntries(plan.runs.filter((r) => r.kind === 'rl').map((r) => {
      const a = resolveTrainAlgorithm(r.config);
      return [r.algorithm, [a.schedule.kind, a.schedule.epochs, a.schedule.minibatches]];
    }));
  assert.deepEqual(schedules(planCompare(spec)), {
    seeupo: ['sequential', 1, 1],
    grpo: ['joint', 1, COMPARE_JOINT_MINIBATCHES],
    'gspo@2': ['joint', 2, COMPARE_JOINT_MINIBATCHES],
    'seeupo-joint': ['joint', 1, COMPARE_JOINT_MINIBATCHES],
  });
  assert.deepEqual(schedules(planCompare({ ...spec, jointMinibatches: 1 })).grpo, ['joint', 1, 1]);
  assert.throws(() => planCompare({ ...spec, jointMinibatches: 0 }), (e: unknown) => e instanceof UserError && /joint-minibatches/.test(e.message));
});

test('planCompare: settings a compare owns and configs the trainer refuses are errors before anything runs', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'seeupo-plan-')), 'out');
  const base = { algos: ['seeupo'], seeds: [0], families: ['default'], sets: [] as string[], out };
  assert.throws(() => planCompare({ ...base, sets: ['seed=3'] }), (e: unknown) => e instanceof UserError && /compare sets 'seed'/.test(e.message));
  assert.throws(() => planCompare({ ...base, sets: ['algorithm.name=grpo'] }), (e: unknown) => e instanceof UserError && /compare sets 'algorithm'/.test(e.message));
  assert.throws(() => planCompare({ ...base, sets: ['sft.steps=0'] }), (e: unknown) => e instanceof UserError && /sft\.steps/.test(e.message));
  assert.throws(() => planCompare({ ...base, sets: ['rollout.groupSiz=3'] }), (e: unknown) => e instanceof UserError && /groupSiz/.test(e.message));
  assert.throws(() => planCompare({ ...base, families: ['default', 'default'] }), UserError);
});

test('planCompare: a family sets tasks.family on every run of it, its preset lies under --set, an unknown family is an error', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'seeupo-plan-')), 'out');
  const spec = { algos: ['seeupo'], seeds: [0], families: ['default', 'trap'], sets: [] as string[], out };
  const plan = planCompare(spec);
  for (const run of plan.runs) assert.equal((run.config.tasks as Record<string, unknown>).family, run.family);
  assert.deepEqual(plan.runs.map((r) => r.id), ['default/sft-seed0', 'default/seeupo-seed0', 'trap/sft-seed0', 'trap/seeupo-seed0']);
  // The trap family's SFT validates once, at its end (its greedy validation success is 0 throughout).
  const sft = (id: string, p = plan) => p.runs.find((r) => r.id === id)!.config.sft;
  assert.deepEqual([sft('trap/sft-seed0').steps, sft('trap/sft-seed0').evalEvery], [600, 600]);
  assert.deepEqual([sft('default/sft-seed0').steps, sft('default/sft-seed0').evalEvery], [1500, 100]);
  const userSet = planCompare({ ...spec, sets: ['sft.steps=300'] });
  assert.deepEqual([sft('trap/sft-seed0', userSet).steps, sft('trap/sft-seed0', userSet).evalEvery], [300, 600]);
  assert.throws(() => planCompare({ ...spec, families: ['maze'] }), (e: unknown) => e instanceof UserError && /unknown task family 'maze' \(families: default, trap\)/.test(e.message));
});
