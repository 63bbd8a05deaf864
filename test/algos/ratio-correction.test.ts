import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RatioCorrection } from '../../src/algos/ratio-correction.js';
import { assertClose, makeData } from './helpers.js';

test('ρ: per-turn sequence ratio clipped to [1−δ, 1+δ], cumulative product re-clipped, keyed by trajectory', () => {
  const rc = new RatioCorrection(0.2);
  // Turn 2 samples of trajectories a (2 tokens) and b (1 token, plus a masked token).
  const d2 = makeData([[1, 1], [1, 0]], undefined, ['a', 'b']);
  const r2 = rc.update(d2, Float64Array.of(0, 0, 0, 0), Float64Array.of(0.1, 0.0, -0.05, 5));
  assertClose([r2.get('a')!, r2.get('b')!], [Math.exp(0.05), Math.exp(-0.05)]);
  assertClose([rc.get('a'), rc.get('b'), rc.get('c')], [Math.exp(0.05), Math.exp(-0.05), 1]);
  // Turn 1: a's ratio 1.5 clips to 1.2 and the product re-clips to 1.2; c appears only now.
  const d1 = makeData([[1], [1]], undefined, ['c', 'a']);
  rc.update(d1, Float64Array.of(0, 0), Float64Array.of(Math.log(0.7), Math.log(1.5)));
  assertClose([rc.get('a'), rc.get('b'), rc.get('c')], [1.2, Math.exp(-0.05), 0.8]);
});

test('a trajectory cannot have two samples at one turn', () => {
  const rc = new RatioCorrection(0.2);
  assert.throws(() => rc.update(makeData([[1], [1]], undefined, ['a', 'a']), new Float64Array(2), new Float64Array(2)), /two samples/);
});
