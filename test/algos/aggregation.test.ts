import { test } from 'node:test';
import { aggregationCoefficients } from '../../src/algos/aggregation.js';
import { assertClose, makeData } from './helpers.js';

// Two samples: [mask 1,0] with weight 1 and [mask 1,1,1] with weight 3.
const data = makeData([[1, 0], [1, 1, 1]], [1, 3], ['a', 'b']);

test('token-mean: weighted mean over counted tokens', () => {
  assertClose(aggregationCoefficients(data, 'token-mean'), [0.1, 0, 0.3, 0.3, 0.3]);
});

test('seq-mean-token-mean: per-sample token mean, weighted mean over samples', () => {
  assertClose(aggregationCoefficients(data, 'seq-mean-token-mean'), [0.25, 0, 0.25, 0.25, 0.25]);
});

test('seq-mean-token-sum: per-sample token sum, weighted mean over samples', () => {
  assertClose(aggregationCoefficients(data, 'seq-mean-token-sum'), [0.25, 0, 0.75, 0.75, 0.75]);
});

test('traj-mean-token-sum counts each trajectory once in the denominator', () => {
  assertClose(aggregationCoefficients(data, 'traj-mean-token-sum'), [0.25, 0, 0.75, 0.75, 0.75]);
  // Two turns of one trajectory (weight 2): the denominator is 2, not 4.
  const sameTraj = makeData([[1, 0], [1, 1, 1]], [2, 2], ['a', 'a']);
  assertClose(aggregationCoefficients(sameTraj, 'traj-mean-token-sum'), [1, 0, 1, 1, 1]);
});

test('a sample with no counted token drops out of seq-mean; an all-masked batch gives zeros', () => {
  const d = makeData([[0, 0], [1, 1]]);
  assertClose(aggregationCoefficients(d, 'seq-mean-token-mean'), [0, 0, 0.5, 0.5]);
  assertClose(aggregationCoefficients(makeData([[0, 0]]), 'token-mean'), [0, 0]);
});
