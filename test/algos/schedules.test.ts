import { test } from 'node:test';
import assert from 'node:assert/strict';
import { minibatches, turnVisitOrder } from '../../src/algos/schedules.js';
import { Rng } from '../../src/core/rng.js';
import { TurnBatch } from '../../src/core/turn-batch.js';
import { UserError } from '../../src/core/errors.js';
import { makeTrajectory } from './helpers.js';

test('reverse/forward visit only the turn indices that occur', () => {
  const rng = new Rng(1);
  assert.deepEqual(turnVisitOrder([0, 1, 2, 1, 0], 'reverse', rng), [2, 1, 0]);
  assert.deepEqual(turnVisitOrder([2, 0, 1], 'forward', rng), [0, 1, 2]);
  // A batch whose longest trajectory has 3 turns never visits index 9..3 (mistake 4).
  const batch = TurnBatch.fromTrajectories([makeTrajectory('a', 'g', 1, [1, 1, 1]), makeTrajectory('b', 'g', 0, [1])]);
  assert.deepEqual(turnVisitOrder(batch.turnIndices(), 'reverse', rng), [2, 1, 0]);
});

test('random order is a seeded permutation', () => {
  const idx = [0, 1, 2, 3, 4, 5];
  const a = turnVisitOrder(idx, 'random', new Rng(7));
  assert.deepEqual([...a].sort(), idx);
  assert.deepEqual(a, turnVisitOrder(idx, 'random', new Rng(7)));
  assert.notDeepEqual([0, 1, 2, 3, 4, 5].map((s) => turnVisitOrder(idx, 'random', new Rng(s)).join()).filter((x, i, xs) => xs.indexOf(x) === i).length, 1);
});

test('custom order: must cover the occurring indices once; non-occurring ones are skipped', () => {
  const rng = new Rng(1);
  assert.deepEqual(turnVisitOrder([0, 1, 2], [1, 9, 2, 0], rng), [1, 2, 0]);
  assert.throws(() => turnVisitOrder([0, 1, 2], [1, 0], rng), (e) => e instanceof UserError && /misses turn 2/.test(e.message));
  assert.throws(() => turnVisitOrder([0, 1], [1, 1, 0], rng), /twice/);
});

test('minibatches: E epochs × M parts covering every sample once per epoch', () => {
  const batch = TurnBatch.fromTrajectories(['a', 'b', 'c', 'd', 'e'].map((id) => makeTrajectory(id, 'g', 0, [1])));
  const mbs = minibatches(batch, 2, 2, new Rng(3));
  assert.deepEqual(mbs.map((m) => m.size), [3, 2, 3, 2]);
  for (const epoch of [mbs.slice(0, 2), mbs.slice(2)]) {
    assert.deepEqual(epoch.flatMap((m) => m.samples.map((s) => s.trajectoryId)).sort(), ['a', 'b', 'c', 'd', 'e']);
  }
  // One minibatch keeps the row order; more parts than samples drop empty parts.
  assert.deepEqual(minibatches(batch, 1, 1, new Rng(3))[0]!.samples.map((s) => s.trajectoryId), ['a', 'b', 'c', 'd', 'e']);
  assert.equal(minibatches(batch, 1, 8, new Rng(3)).length, 5);
});
