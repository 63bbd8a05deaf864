import { Rng } from '../core/rng.js';
import type { Instance, InstanceSpec } from './instance.js';
import { makeInstance } from './instance.js';

/** Joint action spaces of random instances stay at the shipped instances' size (at most 81). */
const MAX_RANDOM_JOINT = 81;

/**
 * A seeded random instance of the shipped instances' size: 2–3 turns, vocab 2–3, one or two tokens per turn, at
 * most 81 joint actions; rewards uniform in [0, 0.7) (3 decimals) except one joint action paying 1; half of them
 * start uniform, half from a random logit bias (N(0, 1), 2 decimals), which can favour a bad action.
 */
export function randomInstanceSpec(seed: number): InstanceSpec {
  const rng = new Rng(seed).fork('random-instance');
  const T = 2 + rng.int(2);
  for (;;) {
    const turns = Array.from({ length: T }, () => ({ vocab: 2 + rng.int(2), length: rng.int(3) === 0 ? 2 : 1 }));
    const joint = turns.reduce((p, t) => p * t.vocab ** t.length, 1);
    if (joint > MAX_RANDOM_JOINT) continue;
    const reward = Array.from({ length: joint }, () => Math.round(rng.next() * 700) / 1000);
    reward[rng.int(joint)] = 1;
    const init =
      rng.next() < 0.5
        ? { kind: 'uniform' as const }
        : { logitBias: turns.map((t) => Array.from({ length: t.vocab }, () => Math.round(rng.normal() * 100) / 100)) };
    return {
      name: `random-${seed}`,
      description: `Seeded random instance (seed ${seed}): ${T} turns, ${joint} joint actions, one pays 1, the rest less than 0.7.`,
      turns,
      reward,
      init,
    };
  }
}

export function randomInstance(seed: number): Instance {
  return makeInstance(randomInstanceSpec(seed));
}

/** Joint action spaces of the hard family stay at most 100. */
const MAX_HARD_JOINT = 100;

/**
 * A seeded random instance of the harder family (`lab suite --hard N`): 2–4 turns, vocab 2–4, one or two tokens
 * per turn, at most 100 joint actions; rewards uniform in [0, 0.8) (3 decimals) except one joint action paying 1,
 * so decoys come closer to the optimum; a random initial logit bias N(0, σ²) with σ = 1 or 2.5 (2 decimals), so
 * the start can strongly favour bad actions.
 */
export function hardInstanceSpec(seed: number): InstanceSpec {
  const rng = new Rng(seed).fork('hard-instance');
  const T = 2 + rng.int(3);
  const sigma = rng.next() < 0.5 ? 1 : 2.5;
  for (;;) {
    const turns = Array.from({ length: T }, () => ({ vocab: 2 + rng.int(3), length: rng.int(3) === 0 ? 2 : 1 }));
    const joint = turns.reduce((p, t) => p * t.vocab ** t.length, 1);
    if (joint > MAX_HARD_JOINT) continue;
    const reward = Array.from({ length: joint }, () => Math.round(rng.next() * 800) / 1000);
    reward[rng.int(joint)] = 1;
    const logitBias = turns.map((t) => Array.from({ length: t.vocab }, () => Math.round(rng.normal() * sigma * 100) / 100));
    return {
      name: `hard-${seed}`,
      description: `Seeded hard random instance (seed ${seed}): ${T} turns, ${joint} joint actions, one pays 1, the rest less than 0.8; initial logit bias σ = ${sigma}.`,
      turns,
      reward,
      init: { logitBias },
    };
  }
}
