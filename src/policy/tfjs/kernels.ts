/**
 * Plain-JavaScript kernels for parts of the transformer where the wasm backend is slow: each of its elementwise
 * kernels costs a full pass and an allocation, so LayerNorm and the log-softmax of the target tokens (chains of
 * 5–20 kernels with their gradients) run here as fused loops over Float32Arrays, one or two passes each. ops.ts
 * wraps them as differentiable TensorFlow.js ops; attention and GELU have SIMD kernels (simd.wat).
 */

/** LayerNorm over rows of length d (eps 1e-5): writes y and keeps x̂ and 1/σ per row for the backward pass. */
export function layerNormForward(x: Float32Array, gamma: Float32Array, beta: Float32Array, d: number, y: Float32Array, xhat: Float32Array, rstd: Float32Array): void {
  const rows = x.length / d;
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let mean = 0;
    for (let j = 0; j < d; j++) mean += x[o + j]!;
    mean /= d;
    let v = 0;
    for (let j = 0; j < d; j++) v += (x[o + j]! - mean) ** 2;
    const rs = 1 / Math.sqrt(v / d + 1e-5);
    rstd[r] = rs;
    for (let j = 0; j < d; j++) {
      const xh = (x[o + j]! - mean) * rs;
      xhat[o + j] = xh;
      y[o + j] = xh * gamma[j]! + beta[j]!;
    }
  }
}

/** Backward of layerNormForward: writes dx, dGamma, dBeta (all overwritten). */
export function layerNormBackward(dy: Float32Array, xhat: Float32Array, rstd: Float32Array, gamma: Float32Array, d: number, dx: Float32Array, dGamma: Float32Array, dBeta: Float32Array): void {
  const rows = dy.length / d;
  dGamma.fill(0);
  dBeta.fill(0);
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let sumG = 0;
    let sumGx = 0;
    for (let j = 0; j < d; j++) {
      const g = dy[o + j]! * gamma[j]!;
      sumG += g;
      sumGx += g * xhat[o + j]!;
      dGamma[j] += dy[o + j]! * xhat[o + j]!;
      dBeta[j] += dy[o + j]!;
    }
    sumG /= d;
    sumGx /= d;
    const rs = rstd[r]!;
    for (let j = 0; j < d; j++) dx[o + j] = rs * (dy[o + j]! * gamma[j]! - sumG - xhat[o + j]! * sumGx);
  }
}

/** log softmax(logits row)[target] for logits [n, V]; also each row's log-sum-exp for the backward pass. */
export function targetLogprobsForward(logits: Float32Array, targets: Int32Array, V: number, out: Float32Array, lse: Float32Array): void {
  for (let r = 0; r < targets.length; r++) {
    const o = r * V;
    let m = -Infinity;
    for (let j = 0; j < V; j++) if (logits[o + j]! > m) m = logits[o + j]!;
    let z = 0;
    for (let j = 0; j < V; j++) z += Math.exp(logits[o + j]! - m);
    const l = m + Math.log(z);
    lse[r] = l;
    out[r] = logits[o + targets[r]!]! - l;
  }
}

/** ∂/∂logits of Σ dy·logprob: dy·(onehot(target) − softmax). Rows with dy = 0 are zero without exp work. */
export function targetLogprobsBackward(logits: Float32Array, targets: Int32Array, lse: Float32Array, dy: Float32Array, V: number, dLogits: Float32Array): void {
  for (let r = 0; r < targets.length; r++) {
    const o = r * V;
    const g = dy[r]!;
    if (g === 0) {
      dLogits.fill(0, o, o + V);
      continue;
    }
    const l = lse[r]!;
    for (let j = 0; j < V; j++) dLogits[o + j] = -g * Math.exp(logits[o + j]! - l);
    dLogits[o + targets[r]!] += g;
  }
}
