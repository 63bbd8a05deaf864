/**
 * The WebAssembly SIMD kernels of simd.wat, instantiated once per thread, with a scratch area in their memory
 * that callers copy operands into (`scratch` grows the memory on demand and returns a fresh view of it), and
 * array-in, array-out wrappers for the elementwise and row-wise kernels. Sizes that the kernels process four at a
 * time must be multiples of 4 (d and the GELU width are; rows of V logits get slack instead).
 */
import { SIMD_WASM_BASE64 } from './simd-wasm.js';

// The project compiles without the DOM lib, which is where TypeScript declares WebAssembly; Node has it.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
};

/** Exports of simd.wat: every pointer is a byte offset into `memory`. */
export interface SimdKernels {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  scores(a: number, lda: number, b: number, ldb: number, s: number, T: number, dh: number, ld: number, scale: number): void;
  softmaxRows(s: number, T: number, ld: number, stats: number): void;
  softmaxGradRows(s: number, dp: number, T: number, ld: number, lse: number, scale: number): void;
  mix(w: number, b: number, ldb: number, c: number, ldc: number, T: number, dh: number, ld: number): void;
  mixT(w: number, a: number, lda: number, c: number, ldc: number, T: number, dh: number, ld: number): void;
  geluForward(x: number, y: number, th: number, n: number): void;
  geluBackward(x: number, th: number, dy: number, dx: number, n: number): void;
  layerNormForward(x: number, g: number, b: number, y: number, xhat: number, rstd: number, rows: number, d: number): void;
  layerNormBackward(dy: number, xhat: number, rstd: number, g: number, dx: number, dg: number, db: number, rows: number, d: number): void;
  rowLogSumExp(l: number, rows: number, V: number, stats: number): void;
  scaledSoftmax(l: number, out: number, rows: number, V: number, lse: number, coef: number): void;
}

let instance: SimdKernels | null = null;

export function simdKernels(): SimdKernels {
  instance ??= new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(SIMD_WASM_BASE64, 'base64'))).exports as unknown as SimdKernels;
  return instance;
}

/** Ensures the kernel memory holds at least `floats` float32 values; returns the kernels and a view of it. */
export function scratch(floats: number): { k: SimdKernels; mem: Float32Array } {
  const k = simdKernels();
  const have = k.memory.buffer.byteLength;
  if (floats * 4 > have) k.memory.grow(Math.ceil((floats * 4 - have) / 65536));
  return { k, mem: new Float32Array(k.memory.buffer) };
}

/** GELU (tanh approximation) of x; also returns the tanh values the backward pass needs. */
export function geluForward(x: Float32Array): { y: Float32Array; th: Float32Array } {
  const n = x.length;
  if (n % 4 !== 0) throw new Error(`geluForward needs a multiple of 4 values, got ${n}`);
  const { k, mem } = scratch(3 * n);
  mem.set(x, 0);
  k.geluForward(0, 4 * n, 8 * n, n);
  return { y: mem.slice(n, 2 * n), th: mem.slice(2 * n, 3 * n) };
}

export function geluBackward(x: Float32Array, th: Float32Array, dy: Float32Array): Float32Array {
  const n = x.length;
  const { k, mem } = scratch(4 * n);
  mem.set(x, 0);
  mem.set(th, n);
  mem.set(dy, 2 * n);
  k.geluBackward(0, 4 * n, 8 * n, 12 * n, n);
  return mem.slice(3 * n, 4 * n);
}

/** LayerNorm of rows of d values (d a multiple of 4): y, and x̂ and 1/σ per row for the backward pass. */
export function layerNormForward(x: Float32Array, g: Float32Array, b: Float32Array, d: number): { y: Float32Array; xhat: Float32Array; rstd: Float32Array } {
  const n = x.length;
  const rows = n / d;
  const { k, mem } = scratch(3 * n + 2 * d + rows);
  mem.set(x, 0);
  mem.set(g, 3 * n);
  mem.set(b, 3 * n + d);
  k.layerNormForward(0, 12 * n, 4 * (3 * n + d), 4 * n, 8 * n, 4 * (3 * n + 2 * d), rows, d);
  return { y: mem.slice(n, 2 * n), xhat: mem.slice(2 * n, 3 * n), rstd: mem.slice(3 * n + 2 * d, 3 * n + 2 * d + rows) };
}

export function layerNormBackward(dy: Float32Array, xhat: Float32Array, rstd: Float32Array, g: Float32Array, d: number): { dx: Float32Array; dg: Float32Array; db: Float32Array } {
  const n = dy.length;
  const rows = n / d;
  // dy, x̂, dx (n each), then g, dg, db (d each), then 1/σ (rows)
  const { k, mem } = scratch(3 * n + 3 * d + rows);
  mem.set(dy, 0);
  mem.set(xhat, n);
  mem.set(g, 3 * n);
  mem.set(rstd, 3 * n + 3 * d);
  k.layerNormBackward(0, 4 * n, 4 * (3 * n + 3 * d), 12 * n, 8 * n, 4 * (3 * n + d), 4 * (3 * n + 2 * d), rows, d);
  return { dx: mem.slice(2 * n, 3 * n), dg: mem.slice(3 * n + d, 3 * n + 2 * d), db: mem.slice(3 * n + 2 * d, 3 * n + 3 * d) };
}

/** log Σ_j exp(l[r][j]) for each of the rows of V logits. */
export function rowLogSumExp(l: Float32Array, V: number): Float32Array {
  const rows = l.length / V;
  const at = l.length + 4; // 3 floats of slack after the logits
  const { k, mem } = scratch(at + 2 * rows);
  mem.set(l, 0);
  k.rowLogSumExp(0, rows, V, 4 * at);
  return Float32Array.from({ length: rows }, (_, r) => mem[at + 2 * r]! + Math.log(mem[at + 2 * r + 1]!));
}

/** coef[r] · softmax(l[r]) for each row of V logits, given each row's log-sum-exp. */
export function scaledSoftmax(l: Float32Array, V: number, lse: Float32Array, coef: Float32Array): Float32Array {
  const n = l.length;
  const rows = n / V;
  const out = n + 4;
  const at = 2 * n + 8;
  const { k, mem } = scratch(at + 2 * rows);
  mem.set(l, 0);
  mem.set(lse, at);
  mem.set(coef, at + rows);
  k.scaledSoftmax(0, 4 * out, rows, V, 4 * at, 4 * (at + rows));
  return mem.slice(out, out + n);
}
