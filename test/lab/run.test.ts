import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../src/core/errors.js';
import { LAB_ALGORITHM_NAMES, labAlgorithm } from '../../src/lab/algorithms.js';
import { loadInstance } from '../../src/lab/instance.js';
import { randomInstance } from '../../src/lab/random-instance.js';
import { countViolations, LAB_DEFAULTS, runLab } from '../../src/lab/run.js';

const base = { policy: 'tabular', exact: true, iters: 5, lr: 0.1, optimizer: 'adam' as const, group: 4, seed: 3 };

test('every lab algorithm resolves through the core registry with its overrides', () => {
  for (const name of LAB_ALGORITHM_NAMES) assert.equal(labAlgorithm(name).name, name);
  const fwd = labAlgorithm('seeupo-forward').schedule;
  assert.ok(fwd.kind === 'sequential' && fwd.order === 'forward' && fwd.ratioCorrection?.delta === 0.2);
  const noRatio = labAlgorithm('seeupo-no-ratio').schedule;
  assert.ok(noRatio.kind === 'sequential' && noRatio.ratioCorrection === null && noRatio.order === 'reverse');
  const noClamp = labAlgorithm('seeupo-no-clamp').advantage;
  assert.ok(noClamp.kind === 'grae' && noClamp.batchStandardise?.clamp === null);
  assert.equal(labAlgorithm('seeupo-joint').schedule.kind, 'joint');
  assert.equal(labAlgorithm('grpo', 4).schedule.epochs, 4);
  assert.equal(labAlgorithm('seeupo-random', 3).schedule.kind, 'sequential');
  assert.throws(() => labAlgorithm('ppo'), (e: unknown) => e instanceof UserError && /unknown lab algorithm 'ppo' \(the lab's PPO is 'ppo-oracle'/.test(e.message));
});

test('violations count drops larger than 1e-9', () => {
  assert.equal(countViolations([0.1, 0.2, 0.2 - 1e-10, 0.15, 0.3, 0.29]), 2);
});

test('runs are deterministic for a seed, in exact and sampled mode, and the seed matters where it should', async () => {
  const inst = loadInstance('lab/instances/two-token-turns.json');
  for (const [policy, exact, algo] of [['linear:4', true, 'seeupo-random'], ['tabular', false, 'grpo'], ['per-turn', false, 'ppo-oracle']] as const) {
    const o = { ...base, policy, exact, algo };
    const a = await runLab(inst, o);
    const b = await runLab(inst, o);
    assert.deepEqual(a.J, b.J, `${algo} ${policy}`);
    const c = await runLab(inst, { ...o, seed: 4 });
    assert.notDeepEqual(a.J, c.J, `${algo} ${policy}: another seed, other features or rollouts`);
  }
  // Exact mode with tabular logits draws nothing: the seed does not matter.
  const e1 = await runLab(inst, { ...base, algo: 'seeupo' });
  const e2 = await runLab(inst, { ...base, algo: 'seeupo', seed: 99 });
  assert.deepEqual(e1.J, e2.J);
});

test('J[0] is the initial policy, J has iters + 1 entries, the summary agrees with J', async () => {
  const inst = loadInstance('lab/instances/coordination-2x2.json');
  const r = await runLab(inst, { ...base, algo: 'gspo', iters: 7 });
  const p0 = Math.exp(1.5) / (1 + Math.exp(1.5));
  assert.equal(r.J.length, 8);
  assert.ok(Math.abs(r.J[0]! - (0.6 * p0 * p0 + (1 - p0) ** 2)) < 1e-12);
  assert.deepEqual(r.summary, { algo: 'gspo', instance: 'coordination-2x2', J: r.J[7], optimum: 1, gap: 1 - r.J[7]!, violations: countViolations(r.J) });
});

test('--epochs reaches the schedule: more epochs per phase give another trajectory', async () => {
  const inst = loadInstance('lab/instances/three-turn-trap.json');
  const one = await runLab(inst, { ...base, algo: 'grpo' });
  const four = await runLab(inst, { ...base, algo: 'grpo', epochs: 4 });
  assert.notDeepEqual(one.J, four.J);
});

test('bad run options are UserErrors naming the option', async () => {
  const inst = loadInstance('lab/instances/coordination-2x2.json');
  for (const [over, re] of [
    [{ iters: -1 }, /--iters/],
    [{ lr: 0 }, /--lr/],
    [{ epochs: 0 }, /--epochs/],
    [{ group: 0 }, /--group/],
    [{ seed: 1.5 }, /--seed/],
    [{ policy: 'mlp' }, /unknown --policy 'mlp'/],
  ] as const) {
    await assert.rejects(runLab(inst, { ...base, algo: 'seeupo', ...over }), (e: unknown) => e instanceof UserError && re.test((e as Error).message));
  }
});

// The "must show": the lab's defaults for seeupo reach the optimum monotonically on every shipped
// instance and on seeded random instances of the same size. (Asserts the defaults work, not a scientific claim.)
test('seeupo with the lab defaults (exact): gap < 0.01 and no violations on every shipped instance and 4 random ones', async () => {
  const shipped = readdirSync('lab/instances').filter((f) => f.endsWith('.json')).map((f) => loadInstance(join('lab/instances', f)));
  for (const inst of [...shipped, ...[101, 102, 103, 104].map(randomInstance)]) {
    const r = await runLab(inst, { ...LAB_DEFAULTS, algo: 'seeupo', exact: true });
    assert.ok(r.summary.gap < 0.01, `${inst.name}: gap ${r.summary.gap}`);
    assert.equal(r.summary.violations, 0, `${inst.name}: violations`);
  }
});

function cli(args: string[]) {
  return spawnSync(process.execPath, ['bin/seeupo.js', 'lab', ...args], { encoding: 'utf8' });
}

test('CLI `lab run --json`: one line per iteration, then the summary', () => {
  const r = cli(['run', '--instance', 'lab/instances/coordination-2x2.json', '--algo', 'reinforce', '--exact', '--iters', '3', '--optimizer', 'sgd', '--lr', '1', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 5);
  assert.deepEqual(lines.slice(0, 4).map((l) => l.iter), [0, 1, 2, 3]);
  assert.deepEqual(Object.keys(lines[4].summary), ['algo', 'instance', 'J', 'optimum', 'gap', 'violations']);
  assert.equal(lines[4].summary.J, lines[3].J);
});

test('CLI `lab run` without --json prints a table and the summary; bad input exits 2 with a message', () => {
  const r = cli(['run', '--instance', 'lab/instances/coordination-2x2.json', '--algo', 'seeupo', '--exact', '--iters', '4']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /iter\s+J\s+gap/);
  assert.match(r.stdout, /seeupo on coordination-2x2: J = /);
  const bad = cli(['run', '--instance', 'lab/instances/coordination-2x2.json', '--algo', 'seeupo', '--optimizer', 'rmsprop']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--optimizer must be one of sgd, adam/);
  const missing = cli(['run', '--instance', 'nope.json', '--algo', 'seeupo']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /cannot read instance file nope\.json/);
  assert.doesNotMatch(missing.stderr, /at .*\.js:\d+/, 'no stack trace');
});
