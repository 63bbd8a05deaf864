/**
 * Causal multi-head self-attention, forward and backward, on the WebAssembly SIMD kernels of simd.wat. The
 * whole qkv buffer is copied into the kernels' memory once; the kernels read each (sequence, head) block's q, k
 * and v rows in place through row strides, and write outputs and gradients in place the same way, so nothing is
 * repacked in JavaScript. Per block, the products (q·kᵀ, p·v and the transposed ones) and the row-wise softmax
 * work run over the lower triangle only. The backward pass recomputes the probabilities from each row's
 * log-sum-exp instead of storing T×T matrices.
 */
import { scratch } from './simd.js';

const align4 = (n: number) => (n + 3) & ~3;

/**
 * `qkv` is [B·T, 3d] (q, k, v blocks of d; head h is columns h·dh..(h+1)·dh of each block). Writes `out`
 * [B·T, d] (heads merged) and each query row's log-sum-exp `lse` [B·H·T] for the backward pass.
 */
export function attentionForward(qkv: Float32Array, B: number, T: number, H: number, d: number, out: Float32Array, lse: Float32Array): void {
  const dh = d / H;
  if (dh % 4 !== 0) throw new Error(`attention kernels need a head size divisible by 4, got ${dh}`);
  const ld = align4(T);
  const n3 = B * T * 3 * d;
  const at = { qkv: 0, out: n3, stats: n3 + B * T * d, s: align4(n3 + B * T * d + 2 * T) };
  const { k, mem } = scratch(at.s + T * ld);
  mem.set(qkv, at.qkv);
  const scale = 1 / Math.sqrt(dh);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const q = at.qkv + b * T * 3 * d + h * dh;
      const o = at.out + b * T * d + h * dh;
      k.scores(4 * q, 3 * d, 4 * (q + d), 3 * d, 4 * at.s, T, dh, ld, scale);
      k.softmaxRows(4 * at.s, T, ld, 4 * at.stats);
      k.mix(4 * at.s, 4 * (q + 2 * d), 3 * d, 4 * o, d, T, dh, ld); // unnormalised: row t is divided by its sum below
      for (let t = 0; t < T; t++) {
        const z = mem[at.stats + 2 * t + 1]!;
        lse[(b * H + h) * T + t] = mem[at.stats + 2 * t]! + Math.log(z);
        const inv = 1 / z;
        const r = o + t * d;
        for (let j = 0; j < dh; j++) mem[r + j] = mem[r + j]! * inv;
      }
    }
  }
  out.set(mem.subarray(at.out, at.out + B * T * d));
}

/** Backward of attentionForward: writes ∂L/∂qkv [B·T, 3d] (overwritten) from ∂L/∂out [B·T, d]. */
export function attentionBackward(qkv: Float32Array, lse: Float32Array, dOut: Float32Array, B: number, T: number, H: number, d: number, dQkv: Float32Array): void {
  const dh = d / H;
  const ld = align4(T);
  const n3 = B * T * 3 * d;
  const at = { qkv: 0, dOut: n3, dQkv: n3 + B * T * d, lse: 2 * n3 + B * T * d, s: align4(2 * n3 + B * T * d + T), dp: 0 };
  at.dp = at.s + T * ld;
  const { k, mem } = scratch(at.dp + T * ld);
  mem.set(qkv, at.qkv);
  mem.set(dOut, at.dOut);
  mem.fill(0, at.dQkv, at.dQkv + n3);
  const scale = 1 / Math.sqrt(dh);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const blk = b * T * 3 * d + h * dh; // q of this block; k at +d, v at +2d (same for the gradients)
      const q = at.qkv + blk;
      const dq = at.dQkv + blk;
      const dO = at.dOut + b * T * d + h * dh;
      mem.set(lse.subarray((b * H + h) * T, (b * H + h + 1) * T), at.lse);
      k.scores(4 * q, 3 * d, 4 * (q + d), 3 * d, 4 * at.s, T, dh, ld, scale); // scaled scores
      k.scores(4 * dO, d, 4 * (q + 2 * d), 3 * d, 4 * at.dp, T, dh, ld, 1); // ∂L/∂p = dO · vᵀ
      k.softmaxGradRows(4 * at.s, 4 * at.dp, T, ld, 4 * at.lse, scale); // s ← p, dp ← scale · ∂L/∂scores
      k.mix(4 * at.dp, 4 * (q + d), 3 * d, 4 * dq, 3 * d, T, dh, ld); // ∂L/∂q = scale · dS · k
      k.mixT(4 * at.dp, 4 * q, 3 * d, 4 * (dq + d), 3 * d, T, dh, ld); // ∂L/∂k = scale · dSᵀ · q
      k.mixT(4 * at.s, 4 * dO, d, 4 * (dq + 2 * d), 3 * d, T, dh, ld); // ∂L/∂v = pᵀ · dO
    }
  }
  dQkv.set(mem.subarray(at.dQkv, at.dQkv + n3));
}
