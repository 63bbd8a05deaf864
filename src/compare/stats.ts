/**
 * The statistics of `seeupo compare` (docs/compare.md): a percentile bootstrap interval of a mean over seeds, and
 * the per-run summaries of a success curve (area under it, drops) and of the KL per iteration (spikes).
 */
import type { Rng } from '../core/rng.js';

export interface Interval {
  mean: number;
  lo: number;
  hi: number;
  /** How many values (seeds) it is over. */
  n: number;
}

export const BOOTSTRAP_RESAMPLES = 2000;

/**
 * The mean of `values` and its percentile bootstrap interval at `level`: `resamples` means of n values drawn with
 * replacement (through `rng`), sorted; the bounds are the ⌊R·α/2⌋-th and the ⌈R·(1−α/2)⌉−1-th of them (0-based).
 * One value gives a zero-width interval: with a single seed there is no spread to resample.
 */
export function bootstrapMean(values: readonly number[], rng: Rng, level = 0.95, resamples = BOOTSTRAP_RESAMPLES): Interval {
  const n = values.length;
  if (n === 0) throw new RangeError('bootstrapMean needs at least one value');
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, lo: mean, hi: mean, n };
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[rng.int(n)]!;
    means[r] = sum / n;
  }
  means.sort();
  const alpha = 1 - level;
  const lo = means[Math.floor((resamples * alpha) / 2)]!;
  const hi = means[Math.min(resamples - 1, Math.ceil(resamples * (1 - alpha / 2)) - 1)]!;
  return { mean, lo, hi, n };
}

export interface CurvePoint {
  x: number;
  y: number;
}

/**
 * The area under a success curve over its x range, divided by that range: the curve's average height, in the
 * units of y (trapezoids between the points, which are sorted by x). A single point is its own value.
 */
export function normalisedArea(points: readonly CurvePoint[]): number {
  if (points.length === 0) throw new RangeError('normalisedArea needs at least one point');
  const p = [...points].sort((a, b) => a.x - b.x);
  if (p.length === 1 || p[p.length - 1]!.x === p[0]!.x) return p.reduce((a, q) => a + q.y, 0) / p.length;
  let area = 0;
  for (let i = 1; i < p.length; i++) area += ((p[i]!.y + p[i - 1]!.y) / 2) * (p[i]!.x - p[i - 1]!.x);
  return area / (p[p.length - 1]!.x - p[0]!.x);
}

/** Drops of a curve: how many consecutive pairs fell (strictly), out of how many pairs, and the largest fall. */
export function drops(ys: readonly number[]): { drops: number; pairs: number; largest: number } {
  let count = 0;
  let largest = 0;
  for (let i = 1; i < ys.length; i++) {
    const fall = ys[i - 1]! - ys[i]!;
    if (fall > 0) count++;
    largest = Math.max(largest, fall);
  }
  return { drops: count, pairs: Math.max(0, ys.length - 1), largest };
}

/** A KL spike: an iteration whose KL exceeds this multiple of its run's median KL. */
export const KL_SPIKE_FACTOR = 3;

/** Iterations whose KL is above `factor` × the median of the run's KLs (null and non-finite values are left out). */
export function klSpikes(kls: readonly (number | null | undefined)[], factor = KL_SPIKE_FACTOR): number {
  const xs = kls.filter((k): k is number => typeof k === 'number' && Number.isFinite(k));
  if (xs.length === 0) return 0;
  const m = median(xs);
  return xs.filter((k) => k > factor * m).length;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('median of nothing');
  const s = [...xs].sort((a, b) => a - b);
  const h = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}
