import type { Rng } from '../core/rng.js';
import { UserError } from '../core/errors.js';
import type { DecisionTree } from './tree.js';

/**
 * How a parameter vector θ gives the logits of every decision node (turn, history, token prefix). Each is
 * linear in θ (plus a fixed offset), so back-propagation is one Jacobian-transpose product per node.
 */
export interface Parameterisation {
  /** The `--policy` spelling, e.g. `linear:8`. */
  readonly name: string;
  /** |θ|. */
  readonly size: number;
  /** θ at iteration 0: the instance's initial logits. */
  initial(): Float64Array;
  /** Writes the logits of `node` (one per token value of its turn) into `out`. */
  logits(theta: Float64Array, node: number, out: Float64Array): void;
  /** grad += (∂logits(node)/∂θ)ᵀ · dLogits. */
  backprop(node: number, dLogits: Float64Array, grad: Float64Array): void;
}

/**
 * A table of logit vectors addressed by a slot per node: `tabular` gives every node its own slot; `per-turn`
 * one slot per (turn, prefix), shared by every history of that turn.
 */
class TableParameterisation implements Parameterisation {
  readonly size: number;
  private readonly slotOffset: Int32Array;

  constructor(
    readonly name: string,
    private readonly tree: DecisionTree,
    shared: boolean,
  ) {
    const inst = tree.inst;
    this.slotOffset = new Int32Array(tree.nodeCount);
    const turnSlotBase: number[] = [];
    let size = 0;
    if (shared) {
      for (let t = 0; t < inst.turnCount; t++) {
        turnSlotBase.push(size);
        size += tree.prefixCount[t]! * inst.vocab[t]!;
      }
      for (let n = 0; n < tree.nodeCount; n++) {
        const t = tree.nodeTurn[n]!;
        this.slotOffset[n] = turnSlotBase[t]! + tree.nodePrefix[n]! * inst.vocab[t]!;
      }
    } else {
      for (let n = 0; n < tree.nodeCount; n++) this.slotOffset[n] = tree.valueOffset[n]!;
      size = tree.valueOffset[tree.nodeCount]!;
    }
    this.size = size;
  }

  initial(): Float64Array {
    const theta = new Float64Array(this.size);
    for (let n = 0; n < this.tree.nodeCount; n++) theta.set(this.tree.inst.initLogits[this.tree.nodeTurn[n]!]!, this.slotOffset[n]!);
    return theta;
  }

  logits(theta: Float64Array, node: number, out: Float64Array): void {
    const o = this.slotOffset[node]!;
    for (let v = 0; v < out.length; v++) out[v] = theta[o + v]!;
  }

  backprop(node: number, dLogits: Float64Array, grad: Float64Array): void {
    const o = this.slotOffset[node]!;
    for (let v = 0; v < dLogits.length; v++) grad[o + v]! += dLogits[v]!;
  }
}

/**
 * Log-linear: logits(node)[v] = b_t[v] + Σ_k W[v, k]·φ(node)[k], with fixed seeded Gaussian features φ of size d
 * (N(0, 1/d), drawn once per node) and one W (max vocab × d) shared by every turn, as in an LLM where updating
 * one turn moves the others. b_t is the instance's fixed initial logit bias; W starts at 0, so iteration 0 is
 * the instance's initial policy under every parameterisation.
 */
class LinearParameterisation implements Parameterisation {
  readonly size: number;
  readonly name: string;
  private readonly features: Float64Array;

  constructor(
    private readonly tree: DecisionTree,
    private readonly d: number,
    rng: Rng,
  ) {
    this.name = `linear:${d}`;
    const maxVocab = Math.max(...tree.inst.vocab);
    this.size = maxVocab * d;
    this.features = new Float64Array(tree.nodeCount * d);
    const scale = 1 / Math.sqrt(d);
    for (let i = 0; i < this.features.length; i++) this.features[i] = scale * rng.normal();
  }

  initial(): Float64Array {
    return new Float64Array(this.size);
  }

  logits(theta: Float64Array, node: number, out: Float64Array): void {
    const bias = this.tree.inst.initLogits[this.tree.nodeTurn[node]!]!;
    const f = node * this.d;
    for (let v = 0; v < out.length; v++) {
      let s = bias[v]!;
      const w = v * this.d;
      for (let k = 0; k < this.d; k++) s += theta[w + k]! * this.features[f + k]!;
      out[v] = s;
    }
  }

  backprop(node: number, dLogits: Float64Array, grad: Float64Array): void {
    const f = node * this.d;
    for (let v = 0; v < dLogits.length; v++) {
      const g = dLogits[v]!;
      if (g === 0) continue;
      const w = v * this.d;
      for (let k = 0; k < this.d; k++) grad[w + k]! += g * this.features[f + k]!;
    }
  }
}

export const DEFAULT_LINEAR_DIM = 8;
export interface PolicySpec {
  kind: 'tabular' | 'per-turn' | 'linear';
  /** Feature size of `linear`. */
  d: number;
}

/** Parses `--policy`: `tabular`, `per-turn` or `linear[:d]` (d defaults to 8). */
export function parsePolicySpec(spec: string): PolicySpec {
  if (spec === 'tabular' || spec === 'per-turn') return { kind: spec, d: 0 };
  const m = /^linear(?::(\d+))?$/.exec(spec);
  if (!m) throw new UserError(`unknown --policy '${spec}'; expected tabular, per-turn or linear[:d] (e.g. linear:8)`);
  const d = m[1] === undefined ? DEFAULT_LINEAR_DIM : Number(m[1]);
  if (!(d >= 1 && d <= 4096)) throw new UserError(`--policy ${spec}: the feature size d must be an integer in [1, 4096]`);
  return { kind: 'linear', d };
}

/** Builds the parameterisation named by `--policy`; the linear features are drawn from `featureRng`. */
export function makeParameterisation(spec: string, tree: DecisionTree, featureRng: Rng): Parameterisation {
  const p = parsePolicySpec(spec);
  if (p.kind === 'linear') return new LinearParameterisation(tree, p.d, featureRng);
  return new TableParameterisation(p.kind, tree, p.kind === 'per-turn');
}
