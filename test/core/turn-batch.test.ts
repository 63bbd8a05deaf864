import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TurnBatch } from '../../src/core/turn-batch.js';
import type { Trajectory, Turn } from '../../src/core/types.js';

function turn(index: number, n: number): Turn {
  return {
    index,
    contextTokens: [1, 2],
    responseTokens: Array.from({ length: n }, (_, i) => 10 + i),
    behaviourLogprobs: Array.from({ length: n }, (_, i) => -0.1 * (i + 1)),
    lossMask: Array.from({ length: n }, (_, i) => (i === n - 1 ? 0 : 1)),
  };
}

function traj(id: string, turns: number, status: Trajectory['status'] = 'ok'): Trajectory {
  return { id, taskId: 'task', groupId: 'g', turns: Array.from({ length: turns }, (_, i) => turn(i, 2 + i)), reward: 1, status };
}

test('a batch holds only real turns, addressed by (trajectory, turn)', () => {
  const b = TurnBatch.fromTrajectories([traj('a', 3), traj('b', 1), traj('c', 2, 'failed')]);
  assert.equal(b.size, 4);
  assert.deepEqual(b.turnIndices(), [0, 1, 2]);
  assert.deepEqual(b.atTurn(2).samples.map((s) => s.trajectoryId), ['a']);
  assert.equal(b.get({ trajectoryId: 'b', turnIndex: 0 }).turn.responseTokens.length, 2);
  assert.equal(b.has({ trajectoryId: 'b', turnIndex: 1 }), false);
  assert.equal(b.has({ trajectoryId: 'c', turnIndex: 0 }), false, 'failed trajectories are excluded');
  assert.throws(() => b.get({ trajectoryId: 'b', turnIndex: 1 }), /no turn sample b#1/);
});

test('flat per-token arrays follow row order, and offsets delimit samples', () => {
  const b = TurnBatch.fromTrajectories([traj('a', 2)]);
  assert.deepEqual([...b.tokenOffsets()], [0, 2, 5]);
  assert.deepEqual([...b.lossMask()], [1, 0, 1, 1, 0]);
  const r = b.reordered([1, 0]);
  assert.deepEqual([...r.tokenOffsets()], [0, 3, 5]);
  assert.equal(r.get({ trajectoryId: 'a', turnIndex: 1 }), b.get({ trajectoryId: 'a', turnIndex: 1 }));
});

test('malformed turns are rejected', () => {
  const bad: Trajectory = { ...traj('x', 1), turns: [{ ...turn(0, 2), behaviourLogprobs: [-1] }] };
  assert.throws(() => TurnBatch.fromTrajectories([bad]), /1 log-probs for 2 tokens/);
  const gap: Trajectory = { ...traj('y', 1), turns: [turn(1, 2)] };
  assert.throws(() => TurnBatch.fromTrajectories([gap]), /turn index 1 at position 0/);
});
