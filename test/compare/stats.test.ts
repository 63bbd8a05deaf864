import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { bootstrapMean, drops, klSpikes, median, normalisedArea } from '../../src/compare/stats.js';

/** The exact bootstrap distribution of the mean: every one of the n^n equally likely resamples. */
function exactBootstrapMeans(values: readonly number[]): number[] {
  const n = values.length;
  const out: number[] = [];
  const idx = new Array<number>(n).fill(0);
  for (;;) {
    out.push(idx.reduce((a, i) => a + values[i]!, 0) / n);
    let k = 0;
    while (k < n && ++idx[k]! === n) idx[k++] = 0;
    if (k === n) break;
  }
  return out.sort((a, b) => a - b);
}

const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

test('bootstrapMean: hand values — one seed has no spread; two seeds span exactly from the lower to the higher', () => {
  assert.deepEqual(bootstrapMean([0.4], new Rng(1)), { mean: 0.4, lo: 0.4, hi: 0.4, n: 1 });
  // Resampling [0.2, 0.6] gives 0.2 and 0.6 a quarter of the time each: both beyond the 2.5% tails.
  const two = bootstrapMean([0.2, 0.6], new Rng(1));
  assert.equal(two.mean, 0.4);
  assert.equal(two.lo, 0.2);
  assert.equal(two.hi, 0.6);
  assert.deepEqual(bootstrapMean([0.3, 0.3, 0.3], new Rng(2)), { mean: 0.3, lo: 0.3, hi: 0.3, n: 3 });
  assert.throws(() => bootstrapMean([], new Rng(1)), RangeError);
});

test('bootstrapMean: its bounds are the 2.5% and 97.5% quantiles of the exact bootstrap distribution (5 seeds, all 3125 resamples)', () => {
  const values = [0.42, 0.47, 0.45, 0.55, 0.38];
  const exact = exactBootstrapMeans(values);
  assert.equal(exact.length, 3125);
  const ci = bootstrapMean(values, new Rng(7), 0.95, 20000);
  // 20,000 Monte-Carlo resamples put each bound within the exact 2%–3% (97%–98%) quantiles.
  assert.ok(ci.lo >= quantile(exact, 0.02) - 1e-12 && ci.lo <= quantile(exact, 0.03) + 1e-12, `lo ${ci.lo}`);
  assert.ok(ci.hi >= quantile(exact, 0.97) - 1e-12 && ci.hi <= quantile(exact, 0.98) + 1e-12, `hi ${ci.hi}`);
  assert.ok(Math.abs(ci.mean - 0.454) < 1e-12);
  // Seeded: the same stream gives the same interval; another stream may not.
  assert.deepEqual(bootstrapMean(values, new Rng(3)), bootstrapMean(values, new Rng(3)));
});

test('normalisedArea: trapezoids over the x range, divided by it (the average height of the curve)', () => {
  assert.equal(normalisedArea([{ x: 0, y: 0 }, { x: 2, y: 1 }]), 0.5);
  assert.ok(Math.abs(normalisedArea([{ x: 3, y: 0.4 }, { x: 0, y: 0.2 }, { x: 1, y: 0.4 }]) - 1.1 / 3) < 1e-12);
  assert.equal(normalisedArea([{ x: 5, y: 0.7 }]), 0.7);
});

test('drops: strict falls between consecutive evaluations, out of how many pairs, and the largest fall', () => {
  const d = drops([0.5, 0.4, 0.4, 0.6, 0.3]);
  assert.equal(d.drops, 2);
  assert.equal(d.pairs, 4);
  assert.ok(Math.abs(d.largest - 0.3) < 1e-12);
  assert.deepEqual(drops([0.2]), { drops: 0, pairs: 0, largest: 0 });
});

test('klSpikes: iterations above 3× the run\'s median KL, missing values left out', () => {
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(klSpikes([1, 1, 1, 10, null, undefined]), 1);
  assert.equal(klSpikes([1, 2, 3, 4, 100]), 1); // median 3: only 100 > 9
  assert.equal(klSpikes([1, 2, 3, 4, 100], 1), 2); // > 3: 4 and 100
  assert.equal(klSpikes([]), 0);
});
