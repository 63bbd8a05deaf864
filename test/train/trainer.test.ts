import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { UserError } from '../../src/core/errors.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/core/config.js';
import { Rng } from '../../src/core/rng.js';
import { metricsWithoutTime } from './run-metrics.js';
import type { Env } from '../../src/envs/env.js';
import type { BfclEntry } from '../../src/envs/bfcl/data.js';
import { trainConfigSchema, type TrainConfig } from '../../src/train/config.js';
import { train, type TrainProgress } from '../../src/train/trainer.js';
import { fixtureTaskSource } from './fixture-tasks.js';

function tinyConfig(over: Record<string, unknown> = {}): TrainConfig {
  return parseConfig(trainConfigSchema, {
    seed: 3,
    model: { dModel: 32, nLayers: 1, nHeads: 2, contextLength: 96 },
    sft: { steps: 20, demonstrations: 12, batchSize: 4, lr: 1e-2, evalEvery: 10, patience: 5, validationTasks: 4 },
    rl: { iterations: 4 },
    rollout: { tasksPerIteration: 3, groupSize: 2, maxTurns: 4, maxResponseTokens: 12 },
    eval: { every: 2, tasks: 4, finalTasks: 4, k: 2 },
    ...over,
  });
}

const tmp = () => mkdtempSync(join(tmpdir(), 'seeupo-train-'));


const finalWeights = (dir: string) => readFileSync(join(dir, 'checkpoints', 'final', 'model.safetensors'));

/**
 * A run made whole, and the same run stopped at its first check and resumed (`between` sees the stopped run's
 * directory before the resume): both directories, and both results of the stopped one.
 */
async function stoppedAndResumed(config: TrainConfig, between: (stopped: string) => void = () => {}) {
  const whole = join(tmp(), 'whole');
  await train({ config, out: whole, source: fixtureTaskSource() });
  const stopped = join(tmp(), 'stopped');
  let checks = 0;
  const first = await train({ config, out: stopped, source: fixtureTaskSource(), shouldStop: () => ++checks >= 1 });
  between(stopped);
  const second = await train({ config, out: stopped, resume: true, source: fixtureTaskSource() });
  return { whole, stopped, first, second };
}

test('train: SFT then RL writes the run directory: config, metrics of every kind, samples, summary, checkpoints', async () => {
  const out = join(tmp(), 'run');
  const r = await train({ config: tinyConfig(), out, source: fixtureTaskSource() });
  assert.equal(r.interrupted, false);
  const s = r.summary!;
  assert.equal(s.algorithm, 'seeupo');
  assert.ok(s.sft && s.rl);
  for (const x of [s.sft.test, s.sft.heldout, s.rl.test, s.rl.heldout]) assert.ok(x >= 0 && x <= 1);
  const kinds = new Set(metricsWithoutTime(out).map((m) => (m as { kind: string }).kind));
  assert.deepEqual([...kinds].sort(), ['eval', 'rl', 'sft']);
  const rl = metricsWithoutTime(out).filter((m) => (m as { kind: string }).kind === 'rl') as Array<Record<string, unknown>>;
  assert.equal(rl.length, 4);
  assert.equal(rl[0]!.episodes, 6);
  assert.ok(rl[0]!.rho !== null, 'SeeUPO reports its ratio correction');
  for (const f of ['config.json', 'summary.json', 'checkpoints/sft-best/model.safetensors', 'checkpoints/final/renderer.json', 'samples/rl-2.json', 'samples/rl-4.json']) {
    assert.ok(existsSync(join(out, f)), f);
  }
});

test('train: a run crashed at random points and resumed ends with the same metrics and weights as an uninterrupted run', async () => {
  const config = tinyConfig({ rl: { iterations: 4, checkpointEvery: 1 } });
  const whole = join(tmp(), 'whole');
  await train({ config, out: whole, source: fixtureTaskSource() });

  const crashed = join(tmp(), 'crashed');
  const rng = new Rng(11);
  let resume = false;
  for (let attempt = 0; attempt < 10; attempt++) {
    let calls = 0;
    const crashAt = 1 + rng.int(6);
    const progress: TrainProgress = {
      start() {},
      update() {
        if (++calls === crashAt && attempt < 3) throw new Error('simulated kill');
      },
      log() {},
      stop() {},
    };
    try {
      const r = await train({ config, out: crashed, resume, source: fixtureTaskSource(), progress });
      assert.equal(r.interrupted, false);
      break;
    } catch (e) {
      assert.equal((e as Error).message, 'simulated kill');
      resume = true;
    }
  }
  assert.deepEqual(metricsWithoutTime(crashed), metricsWithoutTime(whole));
  assert.ok(finalWeights(crashed).equals(finalWeights(whole)), 'final weights identical');
});

test('train: shouldStop saves a checkpoint and returns; --resume finishes the run identically', async () => {
  const { whole, stopped, first, second } = await stoppedAndResumed(tinyConfig({ sft: { steps: 0 }, rl: { iterations: 3 } }));
  assert.equal(first.interrupted, true);
  assert.equal(second.interrupted, false);
  assert.deepEqual(metricsWithoutTime(stopped), metricsWithoutTime(whole));
  assert.ok(finalWeights(stopped).equals(finalWeights(whole)));
});

/** The run's last resumable checkpoint (the one `latest.json` names). */
function latestCheckpoint(run: string): string {
  const { dir } = JSON.parse(readFileSync(join(run, 'checkpoints', 'latest.json'), 'utf8')) as { dir: string };
  return join(run, 'checkpoints', dir);
}

test('train: ppo learns its critic beside the policy: GAE runs, every rl line has a value loss, the critic starts from the SFT weights', async () => {
  // A critic lr so small that AdamW's steps (about lr each) leave every float32 weight where it was: the critic
  // saved at the end is then exactly the one the run started RL with.
  const config = tinyConfig({ algorithm: { name: 'ppo' }, critic: { lr: 1e-15 }, rl: { iterations: 2 }, eval: { every: 2, tasks: 2, finalTasks: 2, k: 0 } });
  const out = join(tmp(), 'ppo');
  const r = await train({ config, out, source: fixtureTaskSource() });
  assert.equal(r.summary!.algorithm, 'ppo');
  const rl = metricsWithoutTime(out).filter((m) => (m as { kind: string }).kind === 'rl') as Array<Record<string, number>>;
  assert.equal(rl.length, 2);
  for (const m of rl) assert.ok(Number.isFinite(m.valueLoss!) && m.valueLoss! > 0, `valueLoss ${m.valueLoss}`);
  const critic = join(latestCheckpoint(out), 'critic');
  assert.ok(readFileSync(join(critic, 'model.safetensors')).equals(readFileSync(join(out, 'checkpoints', 'sft-best', 'model.safetensors'))), 'critic = SFT-best weights');
  assert.ok(!finalWeights(out).equals(readFileSync(join(out, 'checkpoints', 'sft-best', 'model.safetensors'))), 'the policy did move');
  const grpo = join(tmp(), 'grpo');
  await train({ config: tinyConfig({ algorithm: { name: 'grpo' }, sft: { steps: 0 }, rl: { iterations: 1 }, eval: { every: 2, tasks: 2, finalTasks: 2, k: 0 } }), out: grpo, source: fixtureTaskSource() });
  const line = metricsWithoutTime(grpo).find((m) => (m as { kind: string }).kind === 'rl') as Record<string, unknown>;
  assert.equal(line.valueLoss, null, 'no critic, no value loss');
  assert.ok(!existsSync(join(latestCheckpoint(grpo), 'critic')));
  assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /Critic(&#39;|&#x27;|')s value loss/, 'the report draws the value loss');
  assert.doesNotMatch(readFileSync(join(grpo, 'report.html'), 'utf8'), /value loss/);
});

test('train: ppo with a critic warm-up trains the critic alone in its first iterations: the policy keeps the SFT weights', async () => {
  const config = tinyConfig({ algorithm: { name: 'ppo' }, critic: { warmupIterations: 2 }, rl: { iterations: 2 }, eval: { every: 2, tasks: 2, finalTasks: 2, k: 0 } });
  const out = join(tmp(), 'warmup');
  await train({ config, out, source: fixtureTaskSource() });
  const sftBest = readFileSync(join(out, 'checkpoints', 'sft-best', 'model.safetensors'));
  assert.ok(finalWeights(out).equals(sftBest), 'the policy did not move');
  assert.ok(!readFileSync(join(latestCheckpoint(out), 'critic', 'model.safetensors')).equals(sftBest), 'the critic did');
  const rl = metricsWithoutTime(out).filter((m) => (m as { kind: string }).kind === 'rl') as Array<Record<string, unknown>>;
  assert.deepEqual(rl.map((m) => m.gradNorm), [null, null], 'no policy gradient');
  assert.ok(rl.every((m) => typeof m.valueLoss === 'number' && typeof m.loss === 'number'), 'losses still reported');
});

test('train: ppo stopped mid-RL resumes its critic from the checkpoint and ends identical to an uninterrupted run', async () => {
  const config = tinyConfig({ algorithm: { name: 'ppo' }, sft: { steps: 0 }, rl: { iterations: 3 }, eval: { every: 2, tasks: 2, finalTasks: 2, k: 0 } });
  const { whole, stopped, first } = await stoppedAndResumed(config, (dir) =>
    assert.ok(existsSync(join(latestCheckpoint(dir), 'critic', 'optimizer.safetensors')), 'the checkpoint holds the critic and its optimizer state'),
  );
  assert.equal(first.interrupted, true);
  assert.deepEqual(metricsWithoutTime(stopped), metricsWithoutTime(whole));
  assert.ok(finalWeights(stopped).equals(finalWeights(whole)));
  for (const f of ['model.safetensors', 'optimizer.safetensors']) {
    assert.ok(readFileSync(join(latestCheckpoint(stopped), 'critic', f)).equals(readFileSync(join(latestCheckpoint(whole), 'critic', f))), `critic ${f}`);
  }
});

test('train: episodes whose environment throws or hangs are excluded and counted; the run completes', async () => {
  let n = 0;
  const wrapEnv = (env: Env<BfclEntry>): Env<BfclEntry> => {
    const kind = n++ % 5;
    if (kind === 1) return { ...bind(env), step: () => Promise.reject(new Error('env crashed')) };
    if (kind === 2) return { ...bind(env), step: () => new Promise(() => {}) };
    return env;
  };
  const config = tinyConfig({ sft: { steps: 0 }, rl: { iterations: 2 }, env: { timeoutMs: 100 }, eval: { every: 5, tasks: 2, finalTasks: 2, k: 0 } });
  const out = join(tmp(), 'failing');
  const r = await train({ config, out, source: fixtureTaskSource(), wrapEnv });
  assert.equal(r.interrupted, false);
  const rl = metricsWithoutTime(out).filter((m) => (m as { kind: string }).kind === 'rl') as Array<{ excluded: number; failures: string[] }>;
  const excluded = rl.reduce((a, m) => a + m.excluded, 0);
  assert.ok(excluded >= 2, `excluded ${excluded}`);
  const failures = rl.flatMap((m) => m.failures);
  assert.ok(failures.some((f) => /env crashed/.test(f)));
  assert.ok(failures.some((f) => /took longer than 100 ms/.test(f)));
});

function bind(env: Env<BfclEntry>): Env<BfclEntry> {
  return { reset: env.reset.bind(env), step: env.step.bind(env), evaluate: env.evaluate.bind(env), close: env.close.bind(env) };
}

test('train: SFT from a demonstrations file; init from a saved model; a bad file line or a mismatched model is a user error', async () => {
  const source = fixtureTaskSource();
  const dir = tmp();
  const { BfclEnv } = await import('../../src/envs/bfcl/env.js');
  const lines: string[] = [];
  for (let i = 0; i < 6; i++) {
    const messages = await source.demonstration(source.task('train', i), new BfclEnv({ systemPrompt: null, toolsInSystemPrompt: false }));
    lines.push(JSON.stringify({ messages }));
  }
  const demos = join(dir, 'demos.jsonl');
  writeFileSync(demos, lines.join('\n') + '\n');
  const first = join(dir, 'from-file');
  const r = await train({ config: tinyConfig({ sft: { steps: 10, evalEvery: 5, batchSize: 3, validationTasks: 2, demonstrationsFile: demos }, rl: { iterations: 0 }, eval: { finalTasks: 2, k: 0 } }), out: first, source });
  assert.ok(r.summary!.sft && r.summary!.rl === null);

  // init with no training at all ends with exactly the weights it started from
  const second = join(dir, 'init');
  await train({ config: tinyConfig({ init: join(first, 'checkpoints', 'final'), sft: { steps: 0 }, rl: { iterations: 0 } }), out: second, source });
  assert.ok(finalWeights(second).equals(finalWeights(first)));

  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, lines[0] + '\n{"messages": [{"role": "robot", "content": "x"}]}\n');
  await assert.rejects(train({ config: tinyConfig({ sft: { steps: 5, demonstrationsFile: bad } }), out: join(dir, 'bad'), source }), (e: Error) => e instanceof UserError && /bad\.jsonl:2/.test(e.message));
  await assert.rejects(
    train({ config: tinyConfig({ renderer: 'chatml', init: join(first, 'checkpoints', 'final') }), out: join(dir, 'mismatch'), source }),
    (e: Error) => e instanceof UserError && /another renderer/.test(e.message),
  );
});
