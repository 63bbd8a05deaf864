import type { TokenData } from '../../src/algos/token-data.js';
import type { Trajectory, Turn } from '../../src/core/types.js';
import { Rng } from '../../src/core/rng.js';

/** TokenData from per-sample masks, weights and trajectory ids. */
export function makeData(masks: number[][], weights?: number[], ids?: string[]): TokenData {
  const offsets = new Int32Array(masks.length + 1);
  masks.forEach((m, i) => (offsets[i + 1] = offsets[i]! + m.length));
  return {
    offsets,
    mask: Float64Array.from(masks.flat()),
    sampleWeights: Float64Array.from(weights ?? masks.map(() => 1)),
    trajectoryIds: ids ?? masks.map((_, i) => `t${i}`),
  };
}

export function assertClose(actual: ArrayLike<number> | number, expected: ArrayLike<number> | number, tol = 1e-9, what = ''): void {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual);
  const e = typeof expected === 'number' ? [expected] : Array.from(expected);
  if (a.length !== e.length) throw new Error(`${what} length ${a.length} != ${e.length}`);
  a.forEach((x, i) => {
    if (!(Math.abs(x - e[i]!) <= tol * Math.max(1, Math.abs(e[i]!)))) {
      throw new Error(`${what}[${i}]: got ${x}, expected ${e[i]} (tol ${tol})\n actual:   ${a.join(', ')}\n expected: ${e.join(', ')}`);
    }
  });
}

/** Central finite differences of f at x, one coordinate at a time. */
export function finiteDifferences(f: (x: Float64Array) => number, x: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const xp = x.slice();
    const xm = x.slice();
    xp[i]! += h;
    xm[i]! -= h;
    g[i] = (f(xp) - f(xm)) / (2 * h);
  }
  return g;
}

export function randomArray(rng: Rng, n: number, scale = 1, shift = 0): Float64Array {
  return Float64Array.from({ length: n }, () => shift + scale * rng.normal());
}

/** A trajectory whose turn k has `lengths[k]` response tokens (all generated), tokens and log-probs made up. */
export function makeTrajectory(id: string, groupId: string, reward: number, lengths: number[], extra: Partial<Trajectory> = {}): Trajectory {
  const turns: Turn[] = lengths.map((n, index) => ({
    index,
    contextTokens: [index],
    responseTokens: Array.from({ length: n }, (_, j) => (index * 7 + j * 3 + id.length) % 5),
    behaviourLogprobs: Array.from({ length: n }, () => -1),
    lossMask: Array.from({ length: n }, () => 1),
  }));
  return { id, taskId: groupId, groupId, turns, reward, status: 'ok', ...extra };
}
