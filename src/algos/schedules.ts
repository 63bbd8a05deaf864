import type { Rng } from '../core/rng.js';
import type { TurnBatch } from '../core/turn-batch.js';
import { UserError } from '../core/errors.js';

/**
 * Update schedules (seeupo.md §4).
 * - joint: all turn samples of the iteration together, E epochs × M minibatches (all baselines);
 * - sequential: one update phase per turn index that actually occurs, in an order (SeeUPO). Each phase runs
 *   E epochs × M minibatches on that turn's samples only.
 */
export type TurnOrder = 'reverse' | 'forward' | 'random' | readonly number[];

/**
 * The turn indices to visit, in order. Only indices that occur in the batch are visited (seeupo.md §6,
 * mistake 4): `reverse` is last-turn-first (backward induction), `random` a seeded permutation, and a custom
 * order must list every occurring index exactly once (indices that do not occur are skipped).
 */
export function turnVisitOrder(occurring: readonly number[], order: TurnOrder, rng: Rng): number[] {
  const asc = [...new Set(occurring)].sort((a, b) => a - b);
  if (order === 'forward') return asc;
  if (order === 'reverse') return asc.reverse();
  if (order === 'random') return rng.shuffled(asc);
  const seen = new Set<number>();
  for (const t of order) {
    if (seen.has(t)) throw new UserError(`custom turn order lists turn ${t} twice`);
    seen.add(t);
  }
  const missing = asc.filter((t) => !seen.has(t));
  if (missing.length > 0) throw new UserError(`custom turn order [${order.join(', ')}] misses turn ${missing.join(', ')} of this batch`);
  return order.filter((t) => asc.includes(t));
}

/**
 * Minibatches for E epochs × M minibatches: each epoch visits every sample once, in a seeded random row order,
 * split into M nearly equal parts (the first `size % M` parts get one more sample). Empty parts are dropped.
 */
export function minibatches(batch: TurnBatch, epochs: number, count: number, rng: Rng): TurnBatch[] {
  const out: TurnBatch[] = [];
  for (let e = 0; e < epochs; e++) {
    const order = count === 1 ? batch.samples.map((_, i) => i) : rng.shuffled(batch.samples.map((_, i) => i));
    const shuffled = batch.reordered(order);
    const base = Math.floor(batch.size / count);
    const extra = batch.size % count;
    let start = 0;
    for (let m = 0; m < count; m++) {
      const len = base + (m < extra ? 1 : 0);
      if (len > 0) out.push(shuffled.slice(start, start + len));
      start += len;
    }
  }
  return out;
}
