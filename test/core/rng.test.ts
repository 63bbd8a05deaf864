import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';

test('same seed gives the same stream; different seeds differ', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const c = new Rng(43);
  const xs = Array.from({ length: 20 }, () => a.next());
  assert.deepEqual(xs, Array.from({ length: 20 }, () => b.next()));
  assert.notDeepEqual(xs, Array.from({ length: 20 }, () => c.next()));
  for (const x of xs) assert.ok(x >= 0 && x < 1);
});

test('int is uniform enough and in range', () => {
  const r = new Rng(1);
  const counts = [0, 0, 0];
  for (let i = 0; i < 30000; i++) counts[r.int(3)]!++;
  for (const c of counts) assert.ok(Math.abs(c - 10000) < 400, `count ${c}`);
});

test('normal has mean 0 and variance 1', () => {
  const r = new Rng(7);
  let s = 0;
  let s2 = 0;
  const n = 40000;
  for (let i = 0; i < n; i++) {
    const x = r.normal();
    s += x;
    s2 += x * x;
  }
  assert.ok(Math.abs(s / n) < 0.02);
  assert.ok(Math.abs(s2 / n - 1) < 0.03);
});

test('categorical follows the weights and never picks a zero weight', () => {
  const r = new Rng(3);
  const counts = [0, 0, 0];
  for (let i = 0; i < 20000; i++) counts[r.categorical([1, 0, 3])]!++;
  assert.equal(counts[1], 0);
  assert.ok(Math.abs(counts[0]! / 20000 - 0.25) < 0.015);
  assert.throws(() => r.categorical([0, 0]), /sum to 0/);
  assert.throws(() => r.categorical([1, Number.NaN]), /weight 1/);
});

test('fork gives independent named streams and does not advance the parent', () => {
  const a = new Rng(5);
  const b = new Rng(5);
  const f1 = a.fork('rollout');
  const f2 = a.fork('minibatch');
  assert.equal(a.next(), b.next());
  assert.notEqual(f1.next(), f2.next());
  assert.equal(new Rng(5).fork('rollout').next(), new Rng(5).fork('rollout').next());
});

test('state round-trips, including a cached normal', () => {
  const a = new Rng(9);
  a.normal();
  const st = a.getState();
  const b = Rng.fromState(JSON.parse(JSON.stringify(st)));
  assert.deepEqual(Array.from({ length: 5 }, () => a.normal()), Array.from({ length: 5 }, () => b.normal()));
});

test('shuffled is a permutation and the seed decides it', () => {
  const xs = [0, 1, 2, 3, 4, 5, 6, 7];
  const s = new Rng(11).shuffled(xs);
  assert.deepEqual([...s].sort(), xs);
  assert.deepEqual(s, new Rng(11).shuffled(xs));
  assert.throws(() => new Rng(-1), /seed/);
  assert.throws(() => new Rng(1.5), /seed/);
});
