/**
 * Causal multi-head self-attention, forward and backward, on the WebAssembly SIMD kernels of simd.wat. Each
 * (sequence, head) block is copied into the kernels' memory as contiguous [T, dh] rows; the products (q·kᵀ,
 * p·v and the transposed ones) and the row-wise softmax work run in wasm over the lower triangle only. The
 * backward pass recomputes the probabilities from each row's log-sum-exp instead of storing T×T matrices.
 */
import { scratch } from './simd.js';

/** Float offsets of the per-block buffers in kernel memory; T×T matrices use row stride ld = T rounded up to 4. */
function layout(T: number, dh: number) {
  const row = T * dh;
  const ld = (T + 3) & ~3;
  const o = { q: 0, k: row, v: 2 * row, o: 3 * row, dq: 4 * row, dk: 5 * row, dv: 6 * row, stats: 7 * row, s: 7 * row + 2 * T + 4, dp: 0, end: 0 };
  o.s = (o.s + 3) & ~3;
  o.dp = o.s + T * ld;
  o.end = o.dp + T * ld;
  return { o, ld };
}

/**
 * `qkv` is [B·T, 3d] (q, k, v blocks of d; head h is columns h·dh..(h+1)·dh of each block). Writes `out`
 * [B·T, d] (heads merged) and each query row's log-sum-exp `lse` [B·H·T] for the backward pass.
 */
export function attentionForward(qkv: Float32Array, B: number, T: number, H: number, d: number, out: Float32Array, lse: Float32Array): void {
  const dh = d / H;
  if (dh % 4 !== 0) throw new Error(`attention kernels need a head size divisible by 4, got ${dh}`);
  const scale = 1 / Math.sqrt(dh);
  const { o, ld } = layout(T, dh);
  const { k, mem } = scratch(o.end);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      gather(qkv, b, T, 3 * d, h * dh, dh, mem, o.q, scale);
      gather(qkv, b, T, 3 * d, d + h * dh, dh, mem, o.k, 1);
      gather(qkv, b, T, 3 * d, 2 * d + h * dh, dh, mem, o.v, 1);
      k.scores(o.q * 4, o.k * 4, o.s * 4, T, dh, ld);
      k.softmaxRows(o.s * 4, T, ld, o.stats * 4);
      k.mix(o.s * 4, o.v * 4, o.o * 4, T, dh, ld); // unnormalised: row t is divided by its sum below
      for (let t = 0; t < T; t++) {
        const z = mem[o.stats + 2 * t + 1]!;
        lse[(b * H + h) * T + t] = mem[o.stats + 2 * t]! + Math.log(z);
        const src = o.o + t * dh;
        const dst = (b * T + t) * d + h * dh;
        const inv = 1 / z;
        for (let j = 0; j < dh; j++) out[dst + j] = mem[src + j]! * inv;
      }
    }
  }
}

/** Backward of attentionForward: writes ∂L/∂qkv [B·T, 3d] (overwritten) from ∂L/∂out [B·T, d]. */
export function attentionBackward(qkv: Float32Array, lse: Float32Array, dOut: Float32Array, B: number, T: number, H: number, d: number, dQkv: Float32Array): void {
  const dh = d / H;
  const scale = 1 / Math.sqrt(dh);
  const { o, ld } = layout(T, dh);
  const { k, mem } = scratch(o.end);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      gather(qkv, b, T, 3 * d, h * dh, dh, mem, o.q, scale);
      gather(qkv, b, T, 3 * d, d + h * dh, dh, mem, o.k, 1);
      gather(qkv, b, T, 3 * d, 2 * d + h * dh, dh, mem, o.v, 1);
      gather(dOut, b, T, d, h * dh, dh, mem, o.o, 1);
      mem.set(lse.subarray((b * H + h) * T, (b * H + h + 1) * T), o.stats);
      k.scores(o.q * 4, o.k * 4, o.s * 4, T, dh, ld); // scaled scores
      k.scores(o.o * 4, o.v * 4, o.dp * 4, T, dh, ld); // ∂L/∂p = dO · vᵀ
      k.softmaxGradRows(o.s * 4, o.dp * 4, T, ld, o.stats * 4); // s ← p, dp ← ∂L/∂scores
      k.mix(o.dp * 4, o.k * 4, o.dq * 4, T, dh, ld); // ∂L/∂(scaled q) = dS · k
      mem.fill(0, o.dk, o.dv + T * dh);
      k.mixT(o.dp * 4, o.q * 4, o.dk * 4, T, dh, ld); // ∂L/∂k = dSᵀ · (scaled q)
      k.mixT(o.s * 4, o.o * 4, o.dv * 4, T, dh, ld); // ∂L/∂v = pᵀ · dO
      scatter(mem, o.dq, dQkv, b, T, 3 * d, h * dh, dh, scale);
      scatter(mem, o.dk, dQkv, b, T, 3 * d, d + h * dh, dh, 1);
      scatter(mem, o.dv, dQkv, b, T, 3 * d, 2 * d + h * dh, dh, 1);
    }
  }
}

/** Copies columns [col, col+dh) of rows b·T..b·T+T of `src` (row length `ld`) into mem at `at`, times `scale`. */
function gather(src: Float32Array, b: number, T: number, ld: number, col: number, dh: number, mem: Float32Array, at: number, scale: number): void {
  for (let t = 0; t < T; t++) {
    const s = (b * T + t) * ld + col;
    const m = at + t * dh;
    for (let j = 0; j < dh; j++) mem[m + j] = src[s + j]! * scale;
  }
}

/** The inverse of gather: mem rows (times `scale`) into columns of `dst`. */
function scatter(mem: Float32Array, at: number, dst: Float32Array, b: number, T: number, ld: number, col: number, dh: number, scale: number): void {
  for (let t = 0; t < T; t++) {
    const s = (b * T + t) * ld + col;
    const m = at + t * dh;
    for (let j = 0; j < dh; j++) dst[s + j] = mem[m + j]! * scale;
  }
}
