/**
 * Causal multi-head self-attention, forward and backward, on the WebAssembly SIMD kernels of attention.wat.
 * Each (sequence, head) block is copied into the kernels' memory as contiguous [T, dh] rows; the three products
 * (scores q·kᵀ, probabilities·v and its transpose) run in wasm over the lower triangle only, and the row-wise
 * softmax work (exp, sums) runs here. The backward pass recomputes the probabilities from each row's
 * log-sum-exp instead of storing T×T matrices.
 */
import { ATTENTION_WASM_BASE64 } from './attention-wasm.js';

// The project compiles without the DOM lib, which is where TypeScript declares WebAssembly; Node has it.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
};

interface Kernels {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  scores(a: number, b: number, s: number, T: number, dh: number): void;
  mix(w: number, b: number, c: number, T: number, dh: number): void;
  mixT(w: number, a: number, c: number, T: number, dh: number): void;
}

let kernels: Kernels | null = null;

function instance(): Kernels {
  kernels ??= new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(ATTENTION_WASM_BASE64, 'base64'))).exports as unknown as Kernels;
  return kernels;
}

/** Float offsets of the per-block buffers in kernel memory, growing the memory when T or dh need more. */
function workspace(T: number, dh: number) {
  const k = instance();
  const row = T * dh;
  const offsets = { q: 0, k: row, v: 2 * row, o: 3 * row, dq: 4 * row, dk: 5 * row, dv: 6 * row, s: 7 * row, dp: 7 * row + T * T };
  const bytes = (7 * row + 2 * T * T) * 4;
  const have = k.memory.buffer.byteLength;
  if (bytes > have) k.memory.grow(Math.ceil((bytes - have) / 65536));
  return { k, mem: new Float32Array(k.memory.buffer), offsets };
}

/**
 * `qkv` is [B·T, 3d] (q, k, v blocks of d; head h is columns h·dh..(h+1)·dh of each block). Writes `out`
 * [B·T, d] (heads merged) and each query row's log-sum-exp `lse` [B·H·T] for the backward pass.
 */
export function attentionForward(qkv: Float32Array, B: number, T: number, H: number, d: number, out: Float32Array, lse: Float32Array): void {
  const dh = d / H;
  if (dh % 4 !== 0) throw new Error(`attention kernels need a head size divisible by 4, got ${dh}`);
  const scale = 1 / Math.sqrt(dh);
  const { k, mem, offsets: o } = workspace(T, dh);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      gather(qkv, b, T, 3 * d, h * dh, dh, mem, o.q, scale);
      gather(qkv, b, T, 3 * d, d + h * dh, dh, mem, o.k, 1);
      gather(qkv, b, T, 3 * d, 2 * d + h * dh, dh, mem, o.v, 1);
      k.scores(o.q * 4, o.k * 4, o.s * 4, T, dh);
      for (let t = 0; t < T; t++) {
        const r = o.s + t * T;
        let m = -Infinity;
        for (let u = 0; u <= t; u++) if (mem[r + u]! > m) m = mem[r + u]!;
        let z = 0;
        for (let u = 0; u <= t; u++) z += mem[r + u] = Math.exp(mem[r + u]! - m);
        const inv = 1 / z;
        for (let u = 0; u <= t; u++) mem[r + u] = mem[r + u]! * inv;
        lse[(b * H + h) * T + t] = m + Math.log(z);
      }
      k.mix(o.s * 4, o.v * 4, o.o * 4, T, dh);
      scatter(mem, o.o, out, b, T, d, h * dh, dh, 1);
    }
  }
}

/** Backward of attentionForward: writes ∂L/∂qkv [B·T, 3d] (overwritten) from ∂L/∂out [B·T, d]. */
export function attentionBackward(qkv: Float32Array, lse: Float32Array, dOut: Float32Array, B: number, T: number, H: number, d: number, dQkv: Float32Array): void {
  const dh = d / H;
  const scale = 1 / Math.sqrt(dh);
  const { k, mem, offsets: o } = workspace(T, dh);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      gather(qkv, b, T, 3 * d, h * dh, dh, mem, o.q, scale);
      gather(qkv, b, T, 3 * d, d + h * dh, dh, mem, o.k, 1);
      gather(qkv, b, T, 3 * d, 2 * d + h * dh, dh, mem, o.v, 1);
      gather(dOut, b, T, d, h * dh, dh, mem, o.o, 1);
      k.scores(o.q * 4, o.k * 4, o.s * 4, T, dh); // scaled scores
      k.scores(o.o * 4, o.v * 4, o.dp * 4, T, dh); // ∂L/∂p = dO · vᵀ
      for (let t = 0; t < T; t++) {
        const r = o.s + t * T;
        const rp = o.dp + t * T;
        const l = lse[(b * H + h) * T + t]!;
        let D = 0;
        for (let u = 0; u <= t; u++) {
          const p = (mem[r + u] = Math.exp(mem[r + u]! - l));
          D += p * mem[rp + u]!;
        }
        for (let u = 0; u <= t; u++) mem[rp + u] = mem[r + u]! * (mem[rp + u]! - D); // ∂L/∂scores
      }
      k.mix(o.dp * 4, o.k * 4, o.dq * 4, T, dh); // ∂L/∂(scaled q) = dS · k
      mem.fill(0, o.dk, o.dv + T * dh);
      k.mixT(o.dp * 4, o.q * 4, o.dk * 4, T, dh); // ∂L/∂k = dSᵀ · (scaled q)
      k.mixT(o.s * 4, o.o * 4, o.dv * 4, T, dh); // ∂L/∂v = pᵀ · dO
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
