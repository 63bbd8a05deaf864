import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/core/errors.js';
import { actionTokens, jointToActions, loadInstance, parseInstance } from '../../src/lab/instance.js';
import { hardInstanceSpec, randomInstance, randomInstanceSpec } from '../../src/lab/random-instance.js';
import { makeInstance } from '../../src/lab/instance.js';

const dir = mkdtempSync(join(tmpdir(), 'seeupo-lab-'));
function writeInstance(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, body);
  return p;
}

const good = { name: 'g', turns: [{ vocab: 2, length: 1 }, { vocab: 3, length: 1 }], reward: [0, 0.1, 0.2, 0.3, 0.4, 0.5], init: { kind: 'uniform' } };

function rejects(value: unknown, pattern: RegExp): void {
  assert.throws(
    () => parseInstance(value, 'instance x.json'),
    (e: unknown) => e instanceof UserError && pattern.test(e.message),
  );
}

test('every shipped instance loads and has the documented shape', () => {
  const files = readdirSync('lab/instances').filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 6, `only ${files.length} shipped instances`);
  for (const f of files) {
    const inst = loadInstance(join('lab/instances', f));
    assert.equal(inst.name, f.replace(/\.json$/, ''), `${f}: name matches the file name`);
    assert.equal(inst.reward.length, inst.jointCount);
  }
  const two = loadInstance('lab/instances/two-token-turns.json');
  assert.deepEqual(two.actions, [9, 9]);
  assert.equal(two.optimum, 1);
});

test('joint actions decode with turn 0 most significant, action tokens most significant digit first', () => {
  const inst = parseInstance(good, 'g');
  assert.deepEqual(jointToActions(inst, 5), [1, 2]);
  assert.deepEqual(jointToActions(inst, 2), [0, 2]);
  const two = loadInstance('lab/instances/two-token-turns.json');
  assert.deepEqual(jointToActions(two, 52), [5, 7]);
  assert.deepEqual(actionTokens(two, 0, 5), [1, 2]);
  assert.deepEqual(actionTokens(two, 1, 7), [2, 1]);
});

test('invalid instances are UserErrors naming the problem', () => {
  rejects({ ...good, reward: [0, 1] }, /reward has 2 entries.*6 joint actions/);
  rejects({ ...good, extra: 1 }, /unknown key 'extra'/);
  rejects({ ...good, turns: [{ vocab: 1, length: 1 }] }, /turns\.0\.vocab/);
  rejects({ ...good, init: { logitBias: [[0, 0]] } }, /init\.logitBias has 1 rows for 2 turns/);
  rejects({ ...good, init: { logitBias: [[0, 0], [0, 0]] } }, /init\.logitBias\[1\] has 2 values, turn 1 has vocab 3/);
  rejects({ ...good, noise: 'bernoulli', reward: [0, 0.1, 0.2, 0.3, 0.4, 1.5] }, /reward\[5\] = 1\.5 is not a probability/);
  rejects({ ...good, noise: 'gaussian' }, /noise/);
  rejects({ ...good, reward: 'x' }, /reward/);
  rejects({ ...good, turns: Array.from({ length: 8 }, () => ({ vocab: 16, length: 4 })), reward: [] }, /joint actions; the lab enumerates at most/);
});

test('instance files: unreadable and non-JSON files are UserErrors naming the file', () => {
  assert.throws(() => loadInstance(join(dir, 'missing.json')), (e: unknown) => e instanceof UserError && /cannot read instance file .*missing\.json/.test(e.message));
  const bad = writeInstance('bad.json', '{"name": ');
  assert.throws(() => loadInstance(bad), (e: unknown) => e instanceof UserError && /bad\.json is not valid JSON/.test(e.message));
  const wrong = writeInstance('wrong.json', JSON.stringify({ ...good, reward: [1] }));
  assert.throws(() => loadInstance(wrong), (e: unknown) => e instanceof UserError && /instance file .*wrong\.json: reward has 1 entries/.test(e.message));
});

test('random instances are seeded, valid and of the shipped size', () => {
  assert.deepEqual(randomInstanceSpec(3), randomInstanceSpec(3));
  assert.notDeepEqual(randomInstanceSpec(3).reward, randomInstanceSpec(4).reward);
  for (let s = 0; s < 20; s++) {
    const inst = randomInstance(s);
    assert.ok(inst.jointCount <= 81 && inst.turnCount >= 2 && inst.turnCount <= 3);
    assert.equal(inst.optimum, 1);
    assert.equal(inst.reward.filter((r) => r === 1).length, 1);
  }
});

test('hard random instances are seeded, valid, at most 100 joint actions with a biased start', () => {
  assert.deepEqual(hardInstanceSpec(7), hardInstanceSpec(7));
  for (let s = 0; s < 20; s++) {
    const inst = makeInstance(hardInstanceSpec(s));
    assert.ok(inst.jointCount <= 100 && inst.turnCount >= 2 && inst.turnCount <= 4, inst.name);
    assert.equal(inst.optimum, 1);
    assert.ok(inst.reward.every((r) => r === 1 || (r >= 0 && r < 0.8)));
    assert.ok('logitBias' in hardInstanceSpec(s).init);
  }
});
