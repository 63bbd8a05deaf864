import type { Instance } from './instance.js';

/**
 * The decision nodes of an instance: one per (turn t, history h = actions of turns 0..t−1, token prefix within
 * turn t). Node ids are dense integers so that the policies below are flat arrays:
 *   prefixIndex(prefix of k tokens) = Σ_{i<k} V^i + value(prefix)     (0 = the empty prefix)
 *   node(t, h, p) = base_t + h · prefixCount_t + p
 * where h = Σ_{s<t} a_s · Π_{s<r<t} n_r enumerates the histories of turn t.
 */
export class DecisionTree {
  /** Number of histories of turn t: Π_{s<t} n_s. */
  readonly historyCount: readonly number[];
  /** Number of token prefixes of turn t: Σ_{k<L} V^k. */
  readonly prefixCount: readonly number[];
  readonly base: readonly number[];
  readonly nodeCount: number;
  /** Turn of each node. */
  readonly nodeTurn: Int32Array;
  /** Prefix index of each node within its turn. */
  readonly nodePrefix: Int32Array;
  /** Offset of each node's distribution in flat per-(node, token value) arrays; the last entry is the total. */
  readonly valueOffset: Int32Array;

  constructor(readonly inst: Instance) {
    const T = inst.turnCount;
    const hc: number[] = [];
    const pc: number[] = [];
    const base: number[] = [];
    let h = 1;
    let total = 0;
    for (let t = 0; t < T; t++) {
      hc.push(h);
      let p = 0;
      for (let k = 0; k < inst.length[t]!; k++) p += inst.vocab[t]! ** k;
      pc.push(p);
      base.push(total);
      total += h * p;
      h *= inst.actions[t]!;
    }
    this.historyCount = hc;
    this.prefixCount = pc;
    this.base = base;
    this.nodeCount = total;
    this.nodeTurn = new Int32Array(total);
    this.nodePrefix = new Int32Array(total);
    this.valueOffset = new Int32Array(total + 1);
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < hc[t]! * pc[t]!; i++) {
        const n = base[t]! + i;
        this.nodeTurn[n] = t;
        this.nodePrefix[n] = i % pc[t]!;
        this.valueOffset[n + 1] = this.valueOffset[n]! + inst.vocab[t]!;
      }
    }
  }

  node(t: number, history: number, prefixIndex: number): number {
    return this.base[t]! + history * this.prefixCount[t]! + prefixIndex;
  }

  /** The nodes visited while writing `tokens` at turn t after history h, one per token. */
  nodesOf(t: number, history: number, tokens: readonly number[]): number[] {
    const v = this.inst.vocab[t]!;
    const out: number[] = [];
    let levelStart = 0; // Σ_{i<k} V^i
    let value = 0;
    let levelSize = 1;
    for (let k = 0; k < tokens.length; k++) {
      out.push(this.node(t, history, levelStart + value));
      levelStart += levelSize;
      levelSize *= v;
      value = value * v + tokens[k]!;
    }
    return out;
  }

  /** The history index of turn t from the actions of turns 0..t−1. */
  historyOf(actions: readonly number[], t: number): number {
    let h = 0;
    for (let s = 0; s < t; s++) h = h * this.inst.actions[s]! + actions[s]!;
    return h;
  }

  /**
   * Decodes a turn sample's context tokens (the earlier turns' action tokens, concatenated) into the history
   * index of turn t; throws on a context that no history of this instance produces.
   */
  historyFromContext(t: number, context: readonly number[]): number {
    let expected = 0;
    for (let s = 0; s < t; s++) expected += this.inst.length[s]!;
    if (context.length !== expected) throw new Error(`turn ${t} context has ${context.length} tokens, expected ${expected}`);
    let h = 0;
    let o = 0;
    for (let s = 0; s < t; s++) {
      let a = 0;
      for (let k = 0; k < this.inst.length[s]!; k++) {
        const d = context[o++]!;
        if (!(d >= 0 && d < this.inst.vocab[s]!)) throw new Error(`turn ${t} context token ${d} is not a value of turn ${s}`);
        a = a * this.inst.vocab[s]! + d;
      }
      h = h * this.inst.actions[s]! + a;
    }
    return h;
  }
}
