import type { Instance } from './instance.js';
import { actionTokens } from './instance.js';
import type { Parameterisation } from './parameterisation.js';
import type { DecisionTree } from './tree.js';

/**
 * A softmax policy over an instance's decision tree under one parameter vector: token distributions per node,
 * log-probs, and the exact quantities the lab reports (J, the value of every turn context, the probability of
 * every joint action), all by enumeration.
 */
export class SoftmaxPolicy {
  /** π(v | node), flat at tree.valueOffset. */
  readonly probs: Float64Array;
  /** log π(v | node), flat at tree.valueOffset. */
  readonly logProbs: Float64Array;

  constructor(
    readonly tree: DecisionTree,
    readonly param: Parameterisation,
    readonly theta: Float64Array,
  ) {
    const total = tree.valueOffset[tree.nodeCount]!;
    this.probs = new Float64Array(total);
    this.logProbs = new Float64Array(total);
    const maxVocab = Math.max(...tree.inst.vocab);
    const buf = new Float64Array(maxVocab);
    for (let n = 0; n < tree.nodeCount; n++) {
      const V = tree.inst.vocab[tree.nodeTurn[n]!]!;
      const logits = buf.subarray(0, V);
      param.logits(theta, n, logits);
      let max = -Infinity;
      for (const x of logits) max = Math.max(max, x);
      let sum = 0;
      for (const x of logits) sum += Math.exp(x - max);
      const lse = max + Math.log(sum);
      const o = tree.valueOffset[n]!;
      for (let v = 0; v < V; v++) {
        this.logProbs[o + v] = logits[v]! - lse;
        this.probs[o + v] = Math.exp(logits[v]! - lse);
      }
    }
  }

  get inst(): Instance {
    return this.tree.inst;
  }

  /** log π of each token of action tokens `tokens` at turn t after history h. */
  tokenLogProbs(t: number, history: number, tokens: readonly number[]): number[] {
    return this.tree.nodesOf(t, history, tokens).map((n, k) => this.logProbs[this.tree.valueOffset[n]! + tokens[k]!]!);
  }

  /** π_t(a | h) for every action a of turn t after history h (product over the action's tokens). */
  actionProbs(t: number, history: number): Float64Array {
    const n = this.inst.actions[t]!;
    const out = new Float64Array(n);
    for (let a = 0; a < n; a++) {
      let lp = 0;
      for (const x of this.tokenLogProbs(t, history, actionTokens(this.inst, t, a))) lp += x;
      out[a] = Math.exp(lp);
    }
    return out;
  }

  /**
   * Exact values by backward induction over the tree: values[t][h] = E[R | history h at the start of turn t]
   * under this policy; values[T] are the rewards themselves, and values[0][0] = J.
   */
  values(): Float64Array[] {
    const inst = this.inst;
    const out: Float64Array[] = new Array(inst.turnCount + 1);
    out[inst.turnCount] = inst.reward;
    for (let t = inst.turnCount - 1; t >= 0; t--) {
      const next = out[t + 1]!;
      const n = inst.actions[t]!;
      const cur = new Float64Array(this.tree.historyCount[t]!);
      for (let h = 0; h < cur.length; h++) {
        const p = this.actionProbs(t, h);
        let v = 0;
        for (let a = 0; a < n; a++) v += p[a]! * next[h * n + a]!;
        cur[h] = v;
      }
      out[t] = cur;
    }
    return out;
  }

  /** The exact expected reward J(θ) = Σ_j p(j) R_j. */
  expectedReward(): number {
    return this.values()[0]![0]!;
  }

  /** p(j) of every joint action j (turn 0 most significant), as a product of per-turn action probabilities. */
  jointProbabilities(): Float64Array {
    const inst = this.inst;
    let probs = Float64Array.of(1);
    for (let t = 0; t < inst.turnCount; t++) {
      const n = inst.actions[t]!;
      const next = new Float64Array(probs.length * n);
      for (let h = 0; h < probs.length; h++) {
        const p = this.actionProbs(t, h);
        for (let a = 0; a < n; a++) next[h * n + a] = probs[h]! * p[a]!;
      }
      probs = next;
    }
    return probs;
  }
}
