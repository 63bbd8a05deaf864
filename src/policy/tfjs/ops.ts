/**
 * The differentiable building blocks of the transformer, written for the wasm backend's strengths (measured):
 * - 2-D matMul is fast only without transpose flags, and the built-in gradient uses them, so `matmul` and
 *   `linear` carry their own gradients with explicit transposes;
 * - gather has no gradient on wasm, so `gatherRows` scatters its gradient in JavaScript;
 * - batched matMul, slicing and chains of elementwise kernels are slow, so attention, LayerNorm, GELU and the
 *   target log-softmax run on fused WebAssembly SIMD kernels of our own (simd.wat; attention.ts, simd.ts), each
 *   wrapped with tf.customGrad.
 */
import { tf } from './backend.js';
import { attentionBackward, attentionForward } from './attention.js';
import { geluBackward, geluForward, layerNormBackward, layerNormForward, rowLogSumExp, scaledSoftmax, transpose2d } from './simd.js';

type Tensor = tf.Tensor;
// customGrad wants a variadic (...inputs: Array<Tensor | GradSaveFunc>) signature; our functions are fixed-arity.
type GradFn = (...inputs: Array<Tensor | tf.GradSaveFunc>) => { value: Tensor; gradFunc: (dy: Tensor, saved: Tensor[]) => Tensor | Tensor[] };

const f32 = (t: Tensor) => t.dataSync() as Float32Array;

/** a [m, k] · b [k, n] with gradients dA = dY·bᵀ and dB = aᵀ·dY, every product transpose-free. */
export const matmul = tf.customGrad(((a: Tensor, b: Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: Tensor, saved: Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy as tf.Tensor2D, transpose2d(sb)), tf.matMul(transpose2d(sa), dy as tf.Tensor2D)];
    },
  };
}) as unknown as GradFn) as (a: Tensor, b: Tensor) => tf.Tensor2D;

/** x [m, k] · w [k, n] + bias [n] in one fused kernel; the bias gradient is 1ᵀ·dY (a fast 2-D product). */
export const linear = tf.customGrad(((x: Tensor, w: Tensor, bias: Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias }),
    gradFunc: (dy: Tensor, saved: Tensor[]) => {
      const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
      const d = dy as tf.Tensor2D;
      const ones = tf.ones([1, d.shape[0]]) as tf.Tensor2D;
      return [tf.matMul(d, transpose2d(sw)), tf.matMul(transpose2d(sx), d), tf.reshape(tf.matMul(ones, d), [d.shape[1]])];
    },
  };
}) as unknown as GradFn) as (x: Tensor, w: Tensor, bias: Tensor) => tf.Tensor2D;

/** Differentiable matrix transpose on the SIMD kernel (its gradient is the transpose of the incoming one). */
export const transpose = tf.customGrad(((x: Tensor) => ({
  value: transpose2d(x),
  gradFunc: (dy: Tensor) => transpose2d(dy),
})) as unknown as GradFn) as (x: Tensor) => tf.Tensor2D;

/** Rows `ids` of `table` [rows, d] (embeddings, scored positions); the gradient is a scatter-add in JavaScript. */
export function gatherRows(table: Tensor, ids: Int32Array): tf.Tensor2D {
  const [rows, d] = table.shape as [number, number];
  const f = tf.customGrad(((t: Tensor) => ({
    value: tf.gather(t, tf.tensor1d(ids, 'int32')),
    gradFunc: (dy: Tensor) => {
      const g = f32(dy);
      const out = new Float32Array(rows * d);
      for (let i = 0; i < ids.length; i++) {
        const src = i * d;
        const dst = ids[i]! * d;
        for (let j = 0; j < d; j++) out[dst + j] += g[src + j]!;
      }
      return tf.tensor2d(out, [rows, d]);
    },
  })) as unknown as GradFn);
  return f(table) as tf.Tensor2D;
}

/** LayerNorm over the last axis (eps 1e-5, biased variance, as PyTorch), on the SIMD kernels. */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor): Tensor {
  const f = tf.customGrad(((xi: Tensor, gi: Tensor, bi: Tensor, save: tf.GradSaveFunc) => {
    const { y, xhat, rstd } = layerNormForward(xi, gi, bi);
    save([xhat, rstd, gi]);
    return {
      value: y,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [sx, sr, sg] = saved as [Tensor, Tensor, Tensor];
        const { dx, dg, db } = layerNormBackward(dy, sx, sr, sg);
        return [dx, dg, db];
      },
    };
  }) as unknown as GradFn);
  return f(x, gamma, beta);
}

/** GELU, tanh approximation (GPT-2), on the SIMD kernels. */
export function gelu(x: Tensor): Tensor {
  const f = tf.customGrad(((xi: Tensor, save: tf.GradSaveFunc) => {
    const { y, th } = geluForward(xi);
    save([xi, th]);
    return {
      value: y,
      gradFunc: (dy: Tensor, saved: Tensor[]) => geluBackward(saved[0]!, saved[1]!, dy),
    };
  }) as unknown as GradFn);
  return f(x);
}

/** Causal multi-head self-attention of qkv [B·T, 3d] (q, k, v blocks; heads contiguous) → [B·T, d]. */
export function causalAttention(qkv: Tensor, B: number, T: number, H: number): tf.Tensor2D {
  const f = tf.customGrad(((qi: Tensor, save: tf.GradSaveFunc) => {
    const { out, lse } = attentionForward(qi, B, T, H);
    save([qi, lse]);
    return {
      value: out,
      gradFunc: (dy: Tensor, saved: Tensor[]) => attentionBackward(saved[0]!, saved[1]!, dy, B, T, H),
    };
  }) as unknown as GradFn);
  return f(qkv) as tf.Tensor2D;
}

/** log softmax(logits)[target] per row, for logits [n, V] and targets [n]; gradient dy·(onehot − softmax). */
export function targetLogprobs(logits: Tensor, targets: Int32Array): tf.Tensor1D {
  const V = logits.shape[1]!;
  const f = tf.customGrad(((l: Tensor) => {
    const lv = f32(l);
    const lse = rowLogSumExp(lv, V);
    const out = Float32Array.from(lse, (z, r) => lv[r * V + targets[r]!]! - z);
    return {
      value: tf.tensor1d(out),
      gradFunc: (dy: Tensor) => {
        const g = f32(dy);
        const dl = scaledSoftmax(lv, V, lse, g.map((v) => -v));
        for (let r = 0; r < targets.length; r++) dl[r * V + targets[r]!] += g[r]!;
        return tf.tensor2d(dl, [targets.length, V]);
      },
    };
  }) as unknown as GradFn);
  return f(logits) as tf.Tensor1D;
}
