import type { Rng } from '../core/rng.js';
import type { Trajectory, Turn } from '../core/types.js';
import { actionTokens, jointToActions } from './instance.js';
import type { SoftmaxPolicy } from './policy.js';

/** The trajectory of joint action `actions`: turn t's context is the earlier turns' action tokens. */
function trajectoryOf(policy: SoftmaxPolicy, id: string, actions: readonly number[], reward: number, weight?: number): Trajectory {
  const inst = policy.inst;
  const turns: Turn[] = [];
  const context: number[] = [];
  let h = 0;
  for (let t = 0; t < inst.turnCount; t++) {
    const tokens = actionTokens(inst, t, actions[t]!);
    turns.push({
      index: t,
      contextTokens: context.slice(),
      responseTokens: tokens,
      behaviourLogprobs: policy.tokenLogProbs(t, h, tokens),
      lossMask: tokens.map(() => 1),
    });
    context.push(...tokens);
    h = h * inst.actions[t]! + actions[t]!;
  }
  const tr: Trajectory = { id, taskId: inst.name, groupId: inst.name, turns, reward, status: 'ok' };
  return weight === undefined ? tr : { ...tr, weight };
}

/**
 * Exact mode: one trajectory per joint action, weighted by its probability under `policy` (the weights sum to 1;
 * all in one group), with the expected reward, so every mean the algorithm core takes is an exact expectation.
 */
export function exactBatch(policy: SoftmaxPolicy): Trajectory[] {
  const inst = policy.inst;
  const p = policy.jointProbabilities();
  const out: Trajectory[] = [];
  for (let j = 0; j < inst.jointCount; j++) out.push(trajectoryOf(policy, `j${j}`, jointToActions(inst, j), inst.reward[j]!, p[j]!));
  return out;
}

/**
 * Sampled mode: G rollouts of the instance's one task from `policy`, token by token; with bernoulli noise the
 * reward is a coin with the joint action's success probability. Ids name the iteration, so they never repeat.
 */
export function sampledBatch(policy: SoftmaxPolicy, group: number, rng: Rng, iteration: number): Trajectory[] {
  const inst = policy.inst;
  const tree = policy.tree;
  const out: Trajectory[] = [];
  for (let g = 0; g < group; g++) {
    const actions: number[] = [];
    let h = 0;
    for (let t = 0; t < inst.turnCount; t++) {
      let a = 0;
      let levelStart = 0;
      let levelSize = 1;
      for (let k = 0; k < inst.length[t]!; k++) {
        const node = tree.node(t, h, levelStart + a);
        const o = tree.valueOffset[node]!;
        const d = rng.categorical(policy.probs.subarray(o, o + inst.vocab[t]!));
        levelStart += levelSize;
        levelSize *= inst.vocab[t]!;
        a = a * inst.vocab[t]! + d;
      }
      actions.push(a);
      h = h * inst.actions[t]! + a;
    }
    const p = inst.reward[h]!;
    const reward = inst.bernoulli ? (rng.next() < p ? 1 : 0) : p;
    out.push(trajectoryOf(policy, `i${iteration}-g${g}`, actions, reward));
  }
  return out;
}
