import type { PolicyPort } from '../../src/algos/port.js';
import type { TurnBatch } from '../../src/core/turn-batch.js';

/**
 * A tiny softmax policy for tests: independent logits for every (turn index, token position), over `vocab`
 * tokens; SGD with a fixed learning rate. Records every call so tests can check what reached it.
 */
export class TinyPort implements PolicyPort {
  readonly theta: Float64Array;
  private readonly gradAcc: Float64Array;
  readonly calls: { kind: 'logprobs' | 'forwardBackward' | 'step'; keys: string[]; grad?: Float64Array; logp?: Float64Array }[] = [];
  /** When set, the log-prob of this token index in every forward comes back as NaN. */
  poisonToken: number | null = null;

  constructor(
    readonly vocab: number,
    readonly maxTurns: number,
    readonly maxLen: number,
    readonly lr: number,
    init?: (i: number) => number,
  ) {
    this.theta = Float64Array.from({ length: maxTurns * maxLen * vocab }, (_, i) => (init ? init(i) : 0));
    this.gradAcc = new Float64Array(this.theta.length);
  }

  private base(turn: number, pos: number): number {
    return (turn * this.maxLen + pos) * this.vocab;
  }

  private compute(batch: TurnBatch): Float64Array {
    const out = new Float64Array(batch.tokenCount());
    let o = 0;
    for (const s of batch.samples) {
      s.turn.responseTokens.forEach((tok, pos) => {
        const b = this.base(s.turnIndex, pos);
        let m = -Infinity;
        for (let v = 0; v < this.vocab; v++) m = Math.max(m, this.theta[b + v]!);
        let z = 0;
        for (let v = 0; v < this.vocab; v++) z += Math.exp(this.theta[b + v]! - m);
        out[o] = this.theta[b + tok]! - m - Math.log(z);
        if (this.poisonToken === o) out[o] = Number.NaN;
        o++;
      });
    }
    return out;
  }

  private keys(batch: TurnBatch): string[] {
    return batch.samples.map((s) => `${s.trajectoryId}#${s.turnIndex}`);
  }

  async logprobs(batch: TurnBatch): Promise<Float64Array> {
    const lp = this.compute(batch);
    this.calls.push({ kind: 'logprobs', keys: this.keys(batch), logp: lp });
    return lp;
  }

  async forwardBackward(batch: TurnBatch, gradOf: (logp: Float64Array) => Float64Array | null): Promise<Float64Array> {
    const lp = this.compute(batch);
    const g = gradOf(lp);
    this.calls.push({ kind: 'forwardBackward', keys: this.keys(batch), logp: lp, ...(g ? { grad: g } : {}) });
    if (!g) return lp;
    // ∂logp(tok)/∂θ_v = [v = tok] − p_v
    let o = 0;
    for (const s of batch.samples) {
      s.turn.responseTokens.forEach((tok, pos) => {
        const b = this.base(s.turnIndex, pos);
        let z = 0;
        for (let v = 0; v < this.vocab; v++) z += Math.exp(this.theta[b + v]!);
        for (let v = 0; v < this.vocab; v++) {
          const p = Math.exp(this.theta[b + v]!) / z;
          this.gradAcc[b + v]! += g[o]! * ((v === tok ? 1 : 0) - p);
        }
        o++;
      });
    }
    return lp;
  }

  async step(): Promise<{ skipped: boolean; gradNorm: number }> {
    let n = 0;
    for (let i = 0; i < this.theta.length; i++) {
      n += this.gradAcc[i]! ** 2;
      this.theta[i]! -= this.lr * this.gradAcc[i]!;
    }
    this.gradAcc.fill(0);
    this.calls.push({ kind: 'step', keys: [] });
    return { skipped: false, gradNorm: Math.sqrt(n) };
  }
}

/** TinyPort plus a critic with one value parameter per turn index (SGD, same learning rate). */
export class TinyCriticPort extends TinyPort {
  readonly v: Float64Array;
  private readonly vGrad: Float64Array;

  constructor(vocab: number, maxTurns: number, maxLen: number, lr: number, init?: (i: number) => number) {
    super(vocab, maxTurns, maxLen, lr, init);
    this.v = Float64Array.from({ length: maxTurns }, (_, t) => 0.1 * t);
    this.vGrad = new Float64Array(maxTurns);
  }

  async values(batch: TurnBatch): Promise<Float64Array> {
    return Float64Array.from(batch.samples, (s) => this.v[s.turnIndex]!);
  }

  async valuesForwardBackward(batch: TurnBatch, gradOf: (values: Float64Array) => Float64Array | null): Promise<Float64Array> {
    const vals = await this.values(batch);
    const g = gradOf(vals);
    if (g) batch.samples.forEach((s, i) => (this.vGrad[s.turnIndex]! += g[i]!));
    return vals;
  }

  override async step(): Promise<{ skipped: boolean; gradNorm: number }> {
    for (let t = 0; t < this.v.length; t++) this.v[t]! -= this.lr * this.vGrad[t]!;
    this.vGrad.fill(0);
    return super.step();
  }
}

/** TinyPort with a frozen reference policy (the initial logits), for KL terms. */
export class TinyRefPort extends TinyPort {
  private readonly frozen: TinyPort;

  constructor(vocab: number, maxTurns: number, maxLen: number, lr: number, init?: (i: number) => number) {
    super(vocab, maxTurns, maxLen, lr, init);
    this.frozen = new TinyPort(vocab, maxTurns, maxLen, 0, init);
  }

  referenceLogprobs(batch: TurnBatch): Promise<Float64Array> {
    return this.frozen.logprobs(batch);
  }
}
