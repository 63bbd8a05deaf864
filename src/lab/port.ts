import type { PolicyPort } from '../algos/port.js';
import type { TurnBatch } from '../core/turn-batch.js';
import type { Turn } from '../core/types.js';
import type { Optimizer } from './optimizer.js';
import type { Parameterisation } from './parameterisation.js';
import { SoftmaxPolicy } from './policy.js';
import type { DecisionTree } from './tree.js';

/**
 * The lab's policy back end for the algorithm core: exact log-probs of a softmax policy, exact back-propagation
 * of ∂L/∂logp into θ (∂logp(v|node)/∂logits = onehot(v) − π(·|node), then the parameterisation's Jacobian), an
 * SGD or Adam step, the initial policy as reference, and an oracle critic: `values` are the exact expected
 * rewards of each turn's context under the current policy, and `valuesForwardBackward` learns nothing.
 */
export class LabPort implements PolicyPort {
  theta: Float64Array;
  private readonly grad: Float64Array;
  private policyCache: SoftmaxPolicy | null = null;
  private readonly reference: SoftmaxPolicy;
  /** Decision node of each response token, per turn object (the core asks for the same turns several times). */
  private readonly nodeCache = new WeakMap<Turn, Int32Array>();

  constructor(
    readonly tree: DecisionTree,
    readonly param: Parameterisation,
    private readonly optimizer: Optimizer,
  ) {
    this.theta = param.initial();
    this.grad = new Float64Array(param.size);
    this.reference = new SoftmaxPolicy(tree, param, this.theta.slice());
  }

  /** The policy under the current θ (recomputed after each step). */
  policy(): SoftmaxPolicy {
    if (!this.policyCache) this.policyCache = new SoftmaxPolicy(this.tree, this.param, this.theta);
    return this.policyCache;
  }

  /** The decision node and token value of every response token of the batch, in row order. */
  private tokenNodes(batch: TurnBatch): { nodes: Int32Array; values: Int32Array } {
    const n = batch.tokenCount();
    const nodes = new Int32Array(n);
    const values = new Int32Array(n);
    let o = 0;
    for (const s of batch.samples) {
      let ns = this.nodeCache.get(s.turn);
      if (!ns) {
        const h = this.tree.historyFromContext(s.turnIndex, s.turn.contextTokens);
        ns = Int32Array.from(this.tree.nodesOf(s.turnIndex, h, s.turn.responseTokens));
        this.nodeCache.set(s.turn, ns);
      }
      for (let k = 0; k < ns.length; k++) {
        nodes[o] = ns[k]!;
        values[o] = s.turn.responseTokens[k]!;
        o++;
      }
    }
    return { nodes, values };
  }

  private logprobsUnder(policy: SoftmaxPolicy, batch: TurnBatch): Float64Array {
    const { nodes, values } = this.tokenNodes(batch);
    return Float64Array.from(nodes, (n, i) => policy.logProbs[this.tree.valueOffset[n]! + values[i]!]!);
  }

  async logprobs(batch: TurnBatch): Promise<Float64Array> {
    return this.logprobsUnder(this.policy(), batch);
  }

  async referenceLogprobs(batch: TurnBatch): Promise<Float64Array> {
    return this.logprobsUnder(this.reference, batch);
  }

  async forwardBackward(batch: TurnBatch, gradOf: (logp: Float64Array) => Float64Array | null): Promise<Float64Array> {
    const policy = this.policy();
    const { nodes, values } = this.tokenNodes(batch);
    const logp = Float64Array.from(nodes, (n, i) => policy.logProbs[this.tree.valueOffset[n]! + values[i]!]!);
    const g = gradOf(logp);
    if (g === null) return logp;
    for (let i = 0; i < nodes.length; i++) {
      if (g[i] === 0) continue;
      const node = nodes[i]!;
      const o = this.tree.valueOffset[node]!;
      const V = this.tree.valueOffset[node + 1]! - o;
      // ∂logp(v)/∂logit_u = 1[u = v] − π(u): the softmax's Jacobian row.
      const dLogits = new Float64Array(V);
      for (let u = 0; u < V; u++) dLogits[u] = -g[i]! * policy.probs[o + u]!;
      dLogits[values[i]!]! += g[i]!;
      this.param.backprop(node, dLogits, this.grad);
    }
    return logp;
  }

  async step(): Promise<{ skipped: boolean; gradNorm: number }> {
    let sq = 0;
    for (const g of this.grad) sq += g * g;
    const gradNorm = Math.sqrt(sq);
    const skipped = !Number.isFinite(gradNorm);
    if (!skipped) {
      this.optimizer.apply(this.theta, this.grad);
      this.policyCache = null;
    }
    this.grad.fill(0);
    return { skipped, gradNorm };
  }

  /** Exact value of each sample's context (its turn's history) under the current policy: the oracle critic. */
  async values(batch: TurnBatch): Promise<Float64Array> {
    const v = this.policy().values();
    return Float64Array.from(batch.samples, (s) => v[s.turnIndex]![this.tree.historyFromContext(s.turnIndex, s.turn.contextTokens)]!);
  }

  /** The oracle is not learned: the value loss is evaluated (for the logs) but nothing is trained. */
  async valuesForwardBackward(batch: TurnBatch, gradOf: (values: Float64Array) => Float64Array | null): Promise<Float64Array> {
    const v = await this.values(batch);
    gradOf(v);
    return v;
  }
}
