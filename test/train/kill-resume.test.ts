import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { metricsWithoutTime } from './run-metrics.js';

const BIN = join(process.cwd(), 'bin', 'seeupo.js');
const TINY = `
seed: 5
model: { dModel: 32, nLayers: 1, nHeads: 2, contextLength: 256 }
sft: { steps: 30, demonstrations: 12, batchSize: 4, lr: 0.01, evalEvery: 10, patience: 5, validationTasks: 4 }
rl: { iterations: 4 }
rollout: { tasksPerIteration: 3, groupSize: 2, maxTurns: 6, maxResponseTokens: 12 }
eval: { every: 2, tasks: 4, finalTasks: 4, k: 0 }
`;


/** Starts `seeupo train` and kills it with SIGKILL after `ms`; resolves with whether it had finished by then. */
function runAndKill(args: string[], ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'train', ...args], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}

/** The checkpoint `latest.json` names: the run's last resumable state. */
function latestCheckpoint(run: string): string {
  const { dir } = JSON.parse(readFileSync(join(run, 'checkpoints', 'latest.json'), 'utf8')) as { dir: string };
  return join(run, 'checkpoints', dir);
}

/** Runs `yaml` whole, then killed at random moments and resumed; returns both run directories. */
async function wholeAndKilled(yaml: string, seed: number): Promise<{ whole: string; killed: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'seeupo-kill-'));
  const config = join(dir, 'tiny.yaml');
  writeFileSync(config, yaml);
  const whole = join(dir, 'whole');
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [BIN, 'train', '--config', config, '--out', whole], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const duration = Date.now() - t0;

  const killed = join(dir, 'killed');
  const rng = new Rng(seed);
  let finished = await runAndKill(['--config', config, '--out', killed], 300 + rng.int(Math.max(1, duration - 300)));
  for (let attempt = 0; !finished && attempt < 6; attempt++) {
    // A kill before the run directory existed leaves nothing to resume: start it again.
    const args = existsSync(join(killed, 'config.json')) ? ['--resume', killed] : ['--config', config, '--out', killed];
    finished = await runAndKill(args, attempt < 2 ? 300 + rng.int(Math.max(1, duration - 300)) : 10 * duration + 60_000);
  }
  assert.ok(finished, 'the resumed run finished');
  assert.deepEqual(metricsWithoutTime(killed), metricsWithoutTime(whole));
  const weights = (d: string) => readFileSync(join(d, 'checkpoints', 'final', 'model.safetensors'));
  assert.ok(weights(killed).equals(weights(whole)), 'final weights identical');
  assert.ok(existsSync(join(killed, 'report.html')));
  return { whole, killed };
}

test('train CLI: killed with SIGKILL at random moments and resumed, a run ends identical to an uninterrupted one', async () => {
  await wholeAndKilled(TINY, 42);
});

test('train CLI: PPO killed and resumed ends identical too, its critic (weights and optimizer state) included', async () => {
  const { whole, killed } = await wholeAndKilled(`${TINY}algorithm: { name: ppo }\n`, 43);
  for (const file of ['model.safetensors', 'optimizer.safetensors']) {
    const critic = (run: string) => readFileSync(join(latestCheckpoint(run), 'critic', file));
    assert.ok(critic(killed).equals(critic(whole)), `critic ${file} identical`);
  }
  const rl = metricsWithoutTime(whole).filter((m) => (m as { kind: string }).kind === 'rl') as Array<{ valueLoss: number }>;
  assert.ok(rl.length > 0 && rl.every((m) => Number.isFinite(m.valueLoss) && m.valueLoss > 0), 'every RL line reports the value loss');
});
