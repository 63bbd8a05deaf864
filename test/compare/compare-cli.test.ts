import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(process.cwd(), 'bin', 'seeupo.js');
const TINY = `
model: { dModel: 32, nLayers: 1, nHeads: 2, contextLength: 256 }
sft: { steps: 20, demonstrations: 12, batchSize: 4, lr: 0.01, evalEvery: 10, patience: 5, validationTasks: 4 }
rl: { iterations: 3 }
rollout: { tasksPerIteration: 3, groupSize: 2, maxTurns: 6, maxResponseTokens: 12 }
eval: { every: 2, tasks: 4, finalTasks: 4, k: 0 }
`;

function tinyConfig(): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'seeupo-compare-'));
  const config = join(dir, 'tiny.yaml');
  writeFileSync(config, TINY);
  return { dir, config };
}

function compare(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'compare', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

type Json = Record<string, any>;
const json = (file: string): Json => JSON.parse(readFileSync(file, 'utf8'));
const metrics = (dir: string): Json[] => readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

test('compare gives every algorithm identical tasks, SFT weights and budgets (and the same evaluation)', () => {
  const { dir, config } = tinyConfig();
  const out = join(dir, 'cmp');
  const algos = ['seeupo', 'grpo', 'seeupo-no-ratio'];
  const r = compare(['--algos', algos.join(','), '--seeds', '2', '--config', config, '--out', out]);
  assert.equal(r.code, 0, r.err);
  const data = json(join(out, 'compare.json'));
  for (const seed of [0, 1]) {
    const sftDir = join(out, 'runs', 'default', `sft-seed${seed}`);
    const sftWeights = sha256(join(sftDir, 'checkpoints', 'sft-best', 'model.safetensors'));
    const runs = algos.map((a) => join(out, 'runs', 'default', `${a}-seed${seed}`));
    const configs = runs.map((d) => json(join(d, 'config.json')));
    const rl = runs.map((d) => metrics(d).filter((m) => m.kind === 'rl'));
    const evals = runs.map((d) => metrics(d).filter((m) => m.kind === 'eval').map((m) => `${m.phase}/${m.step}/${m.split}/${m.n}/${m.k}`));
    runs.forEach((run, i) => {
      // SFT weights: each run says what it loaded, and it is the SFT run's best checkpoint, byte for byte.
      const summary = json(join(run, 'summary.json'));
      assert.equal(summary.init.sha256, sftWeights, run);
      assert.equal(summary.init.dir, join(sftDir, 'checkpoints', 'sft-best'));
      assert.equal(summary.algorithm, algos[i]);
      // Budgets: the same config but for the algorithm (tasks, rollout and token caps, evaluation, optimizer, model).
      assert.deepEqual({ ...configs[i], algorithm: null }, { ...configs[0], algorithm: null }, run);
      assert.equal(configs[i]!.algorithm.name, algos[i]);
      // Tasks: the same task ids in the same order, every iteration; the same episodes played.
      assert.deepEqual(rl[i]!.map((m) => m.tasks), rl[0]!.map((m) => m.tasks), run);
      assert.equal(rl[i]!.reduce((a, m) => a + m.episodes, 0), 3 * 3 * 2);
      // Evaluation: the same evaluations (phase, iteration, split, task count, samples per task).
      assert.deepEqual(evals[i], evals[0]);
      const rec = data.runs.find((x: Json) => x.id === `default/${algos[i]}-seed${seed}`);
      assert.equal(rec.status, 'finished');
      assert.equal(rec.init.sha256, sftWeights);
      assert.deepEqual(rec.budget, { iterations: 3, tasksPerIteration: 3, groupSize: 2, episodes: 18, maxTurns: 6, maxResponseTokens: 12, contextLength: 256, evalEvery: 2, evalTasks: 4, finalTasks: 4, evalK: 0 });
    });
    assert.deepEqual(rl[0]!.map((m) => m.tasks.length), [3, 3, 3]);
    assert.equal(new Set(rl[0]!.flatMap((m) => m.tasks)).size, 9, 'every iteration draws new tasks');
    assert.ok(rl[0]!.every((m) => m.tasks.every((t: string) => t.startsWith(`tasks_train_${seed}_`))), 'the seed decides the tasks');
  }
  // Another seed: other SFT weights, other tasks.
  const other = (s: number) => json(join(out, 'runs', 'default', `seeupo-seed${s}`, 'summary.json')).init.sha256;
  assert.notEqual(other(0), other(1));
  // What the lead reads: the table on stdout, the report, compare.json with every command.
  assert.match(r.out, /^\| seeupo-no-ratio \| 2 \| /m);
  assert.match(r.out, /^\| start \(after SFT\) \| 2 \| /m);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.match(html, /<svg/);
  assert.doesNotMatch(html, /<script|src="http/);
  for (const a of algos) assert.match(html, new RegExp(`data-series="${a} \\(2\\)"`));
  assert.equal(data.runs.length, 8);
  assert.ok(data.runs.every((x: Json) => x.command.startsWith('seeupo train --config ')));
});

test('compare: a killed compare resumes, reusing finished runs and continuing unfinished ones', async () => {
  const { dir, config } = tinyConfig();
  const out = join(dir, 'cmp');
  // ppo: its config is completed with the critic's settings by the trainer; a rerun must still see the same config.
  const args = ['--algos', 'seeupo,ppo', '--seeds', '1', '--config', config, '--out', out, '--parallel', '1'];
  // Kill the whole process group (compare and its runs) with SIGKILL once the SFT run has finished.
  const child = spawn(process.execPath, [BIN, 'compare', ...args], { stdio: 'ignore', detached: true });
  const sftSummary = join(out, 'runs', 'default', 'sft-seed0', 'summary.json');
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  for (let t = 0; t < 600 && !existsSync(sftSummary); t++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(existsSync(sftSummary), 'the SFT run finished');
  await new Promise((r) => setTimeout(r, 300));
  process.kill(-child.pid!, 'SIGKILL');
  await exited;
  assert.ok(existsSync(join(out, 'compare.lock')), 'a compare killed outright leaves its lock, which the next one takes over');
  const sftTime = statSync(sftSummary).mtimeMs;
  const firstRl = join(out, 'runs', 'default', 'seeupo-seed0');
  const startedRl = existsSync(join(firstRl, 'config.json'));

  // SIGTERM stops a compare: no new run starts, the running one is asked to stop (it saves a checkpoint), exit 130.
  const term = spawn(process.execPath, [BIN, 'compare', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let termErr = '';
  const termCode = await new Promise<number | null>((resolve) => {
    term.stderr!.on('data', (d: Buffer) => {
      termErr += d.toString();
      if (/(start|resume) default\/seeupo-seed0/.test(termErr) && !term.killed) term.kill('SIGTERM');
    });
    term.on('close', (code) => resolve(code));
  });
  assert.equal(termCode, 130, termErr);
  assert.match(termErr, /1 finished before, (1 to resume, 1 to start|0 to resume, 2 to start)/);
  assert.match(termErr, /compare: stopping/);
  assert.doesNotMatch(termErr, /ppo-seed0/, 'no run starts after the stop');
  if (startedRl) assert.match(termErr, /resume default\/seeupo-seed0/);

  const r = compare(args);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /3 runs in .*: 1 finished before/);
  assert.equal(statSync(sftSummary).mtimeMs, sftTime, 'the finished SFT run was reused, not run again');
  for (const a of ['seeupo', 'ppo']) assert.ok(existsSync(join(out, 'runs', 'default', `${a}-seed0`, 'summary.json')), a);
  const data = json(join(out, 'compare.json'));
  assert.equal(data.invocations.length, 3);
  assert.ok(data.runs.every((x: Json) => x.status === 'finished'));

  // Run again: nothing to do, and a changed config for the same directory is refused before anything runs.
  const again = compare(args);
  assert.equal(again.code, 0, again.err);
  assert.match(again.err, /3 finished before, 0 to resume, 0 to start/);
  // The directory is locked while a compare runs in it (this test process stands in for one).
  writeFileSync(join(out, 'compare.lock'), `${process.pid}\n`);
  const locked = compare(args);
  assert.equal(locked.code, 2);
  assert.match(locked.err, new RegExp(`another compare \\(process ${process.pid}\\) is running`));
  rmSync(join(out, 'compare.lock'));
  const changed = compare([...args, '--set', 'rollout.groupSize=3']);
  assert.equal(changed.code, 2);
  assert.match(changed.err, /another config \(first difference at 'rollout\.groupSize'\)/);
});

test('compare --print-config: the preset under --config and --set, per family; nothing runs', () => {
  const { dir, config } = tinyConfig();
  const out = join(dir, 'cmp');
  const r = compare(['--algos', 'seeupo', '--config', config, '--set', 'rl.iterations=7', '--family', 'default', '--print-config', '--out', out]);
  assert.equal(r.code, 0, r.err);
  const families = JSON.parse(r.out);
  assert.deepEqual(Object.keys(families), ['default']);
  assert.equal(families.default.rl.iterations, 7); // --set over the file over the preset
  assert.equal(families.default.rollout.tasksPerIteration, 3); // the file over the preset
  assert.equal(families.default.eval.finalTasks, 4);
  assert.equal(families.default.threads, 1); // the preset
  assert.ok(!existsSync(out));
});

test('compare: an unknown algorithm is a one-line error before anything runs', () => {
  const { dir, config } = tinyConfig();
  const out = join(dir, 'cmp');
  const r = compare(['--algos', 'seeupo,grpo,dpo', '--seeds', '2', '--config', config, '--out', out]);
  assert.equal(r.code, 2);
  assert.match(r.err, /^seeupo: unknown algorithm 'dpo'; known: seeupo, /);
  assert.equal(r.err.trim().split('\n').length, 1);
  assert.ok(!existsSync(out), 'nothing was written');
});
