/**
 * Causal multi-head self-attention, forward and backward, on the WebAssembly SIMD kernels of simd.wat, in place
 * on the wasm backend's tensors (heap.ts): the kernels read each (sequence, head) block's q, k and v rows out of
 * the qkv tensor through row strides and write outputs and gradients into new tensors the same way. Per block, the
 * products (q·kᵀ, p·v and the transposed ones) and the row-wise softmax work run over the lower triangle only.
 * The backward pass recomputes the probabilities from each row's log-sum-exp instead of storing T×T matrices.
 */
import type { tf } from './backend.js';
import { allocTensor, heapF32, offsetOf, withScratch } from './heap.js';
import { simdKernels } from './simd.js';

const align4 = (n: number) => (n + 3) & ~3;

/**
 * `qkv` is [B·T, 3d] (q, k, v blocks of d; head h is columns h·dh..(h+1)·dh of each block). Returns `out`
 * [B·T, d] (heads merged) and each query row's log-sum-exp `lse` [B·H·T] for the backward pass.
 */
export function attentionForward(qkv: tf.Tensor, B: number, T: number, H: number): { out: tf.Tensor; lse: tf.Tensor } {
  const d = qkv.shape[1]! / 3;
  const dh = d / H;
  if (dh % 4 !== 0) throw new Error(`attention kernels need a head size divisible by 4, got ${dh}`);
  const ld = align4(T);
  const out = allocTensor([B * T, d]);
  const lse = allocTensor([B * H * T]);
  const k = simdKernels();
  const scale = 1 / Math.sqrt(dh);
  // scratch: the T×T score matrix, then (max, sum) per row
  withScratch(T * ld + 2 * T, (s) => {
    const stats = s + 4 * T * ld;
    const qkvAt = offsetOf(qkv);
    const outAt = offsetOf(out);
    const lseAt = offsetOf(lse) / 4;
    const mem = heapF32();
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        const q = qkvAt + 4 * (b * T * 3 * d + h * dh);
        const o = outAt + 4 * (b * T * d + h * dh);
        k.scores(q, 3 * d, q + 4 * d, 3 * d, s, T, dh, ld, scale);
        k.softmaxRows(s, T, ld, stats);
        k.mix(s, q + 8 * d, 3 * d, o, d, T, dh, ld); // unnormalised: row t is divided by its sum below
        for (let t = 0; t < T; t++) {
          const z = mem[stats / 4 + 2 * t + 1]!;
          mem[lseAt + (b * H + h) * T + t] = mem[stats / 4 + 2 * t]! + Math.log(z);
          const inv = 1 / z;
          const r = o / 4 + t * d;
          for (let j = 0; j < dh; j++) mem[r + j] = mem[r + j]! * inv;
        }
      }
    }
  });
  return { out, lse };
}

/** Backward of attentionForward: ∂L/∂qkv [B·T, 3d] from ∂L/∂out [B·T, d]. */
export function attentionBackward(qkv: tf.Tensor, lse: tf.Tensor, dOut: tf.Tensor, B: number, T: number, H: number): tf.Tensor {
  const d = qkv.shape[1]! / 3;
  const dh = d / H;
  const ld = align4(T);
  const dQkv = allocTensor([B * T, 3 * d]);
  const k = simdKernels();
  const scale = 1 / Math.sqrt(dh);
  // scratch: scores/probabilities, then ∂L/∂p (then ∂L/∂scores), T×T each
  withScratch(2 * T * ld, (s) => {
    const dp = s + 4 * T * ld;
    const qkvAt = offsetOf(qkv);
    const dqAt = offsetOf(dQkv);
    const dOutAt = offsetOf(dOut);
    const lseAt = offsetOf(lse);
    heapF32().fill(0, dqAt / 4, dqAt / 4 + B * T * 3 * d);
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        const blk = 4 * (b * T * 3 * d + h * dh); // q of this block; k at +d, v at +2d (same for the gradients)
        const q = qkvAt + blk;
        const dq = dqAt + blk;
        const dO = dOutAt + 4 * (b * T * d + h * dh);
        k.scores(q, 3 * d, q + 4 * d, 3 * d, s, T, dh, ld, scale); // scaled scores
        k.scores(dO, d, q + 8 * d, 3 * d, dp, T, dh, ld, 1); // ∂L/∂p = dO · vᵀ
        k.softmaxGradRows(s, dp, T, ld, lseAt + 4 * (b * H + h) * T, scale); // s ← p, dp ← scale · ∂L/∂scores
        k.mix(dp, q + 4 * d, 3 * d, dq, 3 * d, T, dh, ld); // ∂L/∂q = scale · dS · k
        k.mixT(dp, q, 3 * d, dq + 4 * d, 3 * d, T, dh, ld); // ∂L/∂k = scale · dSᵀ · q
        k.mixT(s, dO, d, dq + 8 * d, 3 * d, T, dh, ld); // ∂L/∂v = pᵀ · dO
      }
    }
  });
  return dQkv;
}
