/**
 * The differentiable building blocks of the transformer, written for the wasm backend's strengths:
 * - 2-D matMul is fast only without transpose flags, and the built-in gradient uses them, so `matmul` carries
 *   its own gradient with explicit transposes;
 * - gather has no gradient on wasm, so `embed` scatters its gradient in JavaScript;
 * - batched (3-D) matMul is slow, so `batchMatMul` runs one fast 2-D matMul per batch entry.
 */
import { tf } from './backend.js';

type Tensor = tf.Tensor;
// customGrad wants a variadic (...inputs: Array<Tensor | GradSaveFunc>) signature; our functions are fixed-arity.
type GradFn = (...inputs: Array<Tensor | tf.GradSaveFunc>) => { value: Tensor; gradFunc: (dy: Tensor, saved: Tensor[]) => Tensor | Tensor[] };

/** a [m, k] · b [k, n] with gradients dA = dY·bᵀ and dB = aᵀ·dY, every product transpose-free. */
export const matmul = tf.customGrad(((a: Tensor, b: Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: Tensor, saved: Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy as tf.Tensor2D)];
    },
  };
}) as unknown as GradFn) as (a: Tensor, b: Tensor) => tf.Tensor2D;

/** Per-entry 2-D products of a [n, m, k] and b [n, k, p]. */
function bmmForward(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  const as = tf.unstack(a) as tf.Tensor2D[];
  const bs = tf.unstack(b) as tf.Tensor2D[];
  return tf.stack(as.map((x, i) => tf.matMul(x, bs[i]!))) as tf.Tensor3D;
}

/** Batched a [n, m, k] · b [n, k, p] with a transpose-free gradient. */
export const batchMatMul = tf.customGrad(((a: Tensor, b: Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: bmmForward(a as tf.Tensor3D, b as tf.Tensor3D),
    gradFunc: (dy: Tensor, saved: Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor3D, tf.Tensor3D];
      const d = dy as tf.Tensor3D;
      return [bmmForward(d, tf.transpose(sb, [0, 2, 1])), bmmForward(tf.transpose(sa, [0, 2, 1]), d)];
    },
  };
}) as unknown as GradFn) as (a: Tensor, b: Tensor) => tf.Tensor3D;

/** Rows `ids` of `table` [rows, d]; the gradient is a scatter-add done in JavaScript. */
export function embed(table: Tensor, ids: Int32Array): tf.Tensor2D {
  const [rows, d] = table.shape as [number, number];
  const f = tf.customGrad(((t: Tensor) => ({
    value: tf.gather(t, tf.tensor1d(ids, 'int32')),
    gradFunc: (dy: Tensor) => {
      const g = dy.dataSync() as Float32Array;
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

/** LayerNorm over the last axis (eps 1e-5, biased variance, as PyTorch). */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor): Tensor {
  const mean = tf.mean(x, -1, true);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), -1, true);
  return tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, 1e-5))), gamma), beta);
}

const GELU_C = Math.sqrt(2 / Math.PI);

/** GELU, tanh approximation (GPT-2). */
export function gelu(x: Tensor): Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), GELU_C);
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/**
 * log softmax(logits)[target] per row, for logits [n, V] and int32 targets [n]; gradient dy·(onehot − softmax).
 */
export function targetLogprobs(logits: Tensor, targets: Int32Array): tf.Tensor1D {
  const V = logits.shape[1]!;
  const f = tf.customGrad(((l: Tensor, save: tf.GradSaveFunc) => {
    const onehot = tf.cast(tf.oneHot(tf.tensor1d(targets, 'int32'), V), 'float32');
    const logp = tf.logSoftmax(l as tf.Tensor2D);
    save([logp, onehot]);
    return {
      value: tf.sum(tf.mul(logp, onehot), -1),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [lp, oh] = saved as [Tensor, Tensor];
        return tf.mul(tf.expandDims(dy, -1), tf.sub(oh, tf.exp(lp)));
      },
    };
  }) as unknown as GradFn);
  return f(logits) as tf.Tensor1D;
}
