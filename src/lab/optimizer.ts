/**
 * The lab's optimizers on a flat parameter vector. Both minimise: θ ← θ − step(∂L/∂θ). With the REINFORCE loss
 * (whose gradient is exactly −∇J in exact mode), `sgd` is plain gradient ascent θ ← θ + lr·∇J.
 */
export const OPTIMIZERS = ['sgd', 'adam'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export interface Optimizer {
  /** Applies one update to `theta` in place from gradient `grad`. */
  apply(theta: Float64Array, grad: Float64Array): void;
}

export class Sgd implements Optimizer {
  constructor(private readonly lr: number) {}

  apply(theta: Float64Array, grad: Float64Array): void {
    for (let i = 0; i < theta.length; i++) theta[i]! -= this.lr * grad[i]!;
  }
}

/** Adam (Kingma & Ba 2015) with bias correction; β1 = 0.9, β2 = 0.999, ε = 1e-8. */
export class Adam implements Optimizer {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  constructor(
    private readonly lr: number,
    size: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  apply(theta: Float64Array, grad: Float64Array): void {
    this.t++;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    for (let i = 0; i < theta.length; i++) {
      const g = grad[i]!;
      this.m[i] = this.beta1 * this.m[i]! + (1 - this.beta1) * g;
      this.v[i] = this.beta2 * this.v[i]! + (1 - this.beta2) * g * g;
      theta[i]! -= (this.lr * (this.m[i]! / c1)) / (Math.sqrt(this.v[i]! / c2) + this.eps);
    }
  }
}

export function makeOptimizer(name: OptimizerName, lr: number, size: number): Optimizer {
  return name === 'sgd' ? new Sgd(lr) : new Adam(lr, size);
}
