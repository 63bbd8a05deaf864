/**
 * The WebAssembly SIMD kernels of simd.wat, instantiated once per thread on the memory of TensorFlow.js's wasm
 * backend, and differentiable-op building blocks that run them on tensors in place (heap.ts): inputs are read
 * where the backend keeps them and results are written into freshly allocated tensors. Sizes the kernels process
 * four at a time must be multiples of 4 (the model width d and the GELU width 4d are; the learner checks).
 */
import { tf } from './backend.js';
import { allocTensor, heapF32, offsetOf, wasmInternals, withScratch, type WasmMemoryLike } from './heap.js';
import { SIMD_WASM_BASE64 } from './simd-wasm.js';

// The project compiles without the DOM lib, which is where TypeScript declares WebAssembly; Node has it.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};

/** Exports of simd.wat: every pointer is a byte offset into the backend's memory. */
export interface SimdKernels {
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
  transpose(src: number, dst: number, R: number, C: number): void;
  attendRow(q: number, k: number, v: number, out: number, dh: number, L: number, scale: number, s: number): void;
}

let instance: { memory: WasmMemoryLike; kernels: SimdKernels } | null = null;

/** The kernels, bound to the current wasm backend's memory. */
export function simdKernels(): SimdKernels {
  const memory = wasmInternals().wasm.asm.memory;
  if (instance === null || instance.memory !== memory) {
    const module = new WebAssembly.Module(Buffer.from(SIMD_WASM_BASE64, 'base64'));
    instance = { memory, kernels: new WebAssembly.Instance(module, { env: { memory } }).exports as SimdKernels };
  }
  return instance.kernels;
}

/** The transpose of a matrix [R, C] (the wasm backend's own Transpose kernel is ~15× slower here). */
export function transpose2d(x: tf.Tensor): tf.Tensor2D {
  const [R, C] = x.shape as [number, number];
  const y = allocTensor([C, R]);
  simdKernels().transpose(offsetOf(x), offsetOf(y), R, C);
  return y as tf.Tensor2D;
}

/** GELU (tanh approximation) of x; also returns the tanh values the backward pass needs. */
export function geluForward(x: tf.Tensor): { y: tf.Tensor; th: tf.Tensor } {
  if (x.size % 4 !== 0) throw new Error(`geluForward needs a multiple of 4 values, got ${x.size}`);
  const y = allocTensor(x.shape);
  const th = allocTensor(x.shape);
  simdKernels().geluForward(offsetOf(x), offsetOf(y), offsetOf(th), x.size);
  return { y, th };
}

export function geluBackward(x: tf.Tensor, th: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  const dx = allocTensor(x.shape);
  simdKernels().geluBackward(offsetOf(x), offsetOf(th), offsetOf(dy), offsetOf(dx), x.size);
  return dx;
}

/** LayerNorm over the last axis (length d, a multiple of 4): y, and x̂ and 1/σ per row for the backward pass. */
export function layerNormForward(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): { y: tf.Tensor; xhat: tf.Tensor; rstd: tf.Tensor } {
  const d = x.shape[x.rank - 1]!;
  const rows = x.size / d;
  const y = allocTensor(x.shape);
  const xhat = allocTensor(x.shape);
  const rstd = allocTensor([rows]);
  simdKernels().layerNormForward(offsetOf(x), offsetOf(g), offsetOf(b), offsetOf(y), offsetOf(xhat), offsetOf(rstd), rows, d);
  return { y, xhat, rstd };
}

export function layerNormBackward(dy: tf.Tensor, xhat: tf.Tensor, rstd: tf.Tensor, g: tf.Tensor): { dx: tf.Tensor; dg: tf.Tensor; db: tf.Tensor } {
  const d = dy.shape[dy.rank - 1]!;
  const dx = allocTensor(dy.shape);
  const dg = allocTensor([d]);
  const db = allocTensor([d]);
  simdKernels().layerNormBackward(offsetOf(dy), offsetOf(xhat), offsetOf(rstd), offsetOf(g), offsetOf(dx), offsetOf(dg), offsetOf(db), dy.size / d, d);
  return { dx, dg, db };
}

/**
 * log Σ_j exp(l[r][j]) for each row of V logits. The kernels treat rows four values at a time, so the logits are
 * copied into scratch with 3 values of slack (V need not be a multiple of 4).
 */
export function rowLogSumExp(l: Float32Array, V: number): Float32Array {
  const rows = l.length / V;
  const at = l.length + 4;
  return withScratch(at + 2 * rows, (ptr) => {
    heapF32().set(l, ptr / 4);
    simdKernels().rowLogSumExp(ptr, rows, V, ptr + 4 * at);
    const mem = heapF32();
    const s = ptr / 4 + at;
    return Float32Array.from({ length: rows }, (_, r) => mem[s + 2 * r]! + Math.log(mem[s + 2 * r + 1]!));
  });
}

/** coef[r] · softmax(l[r]) for each row of V logits, given each row's log-sum-exp. */
export function scaledSoftmax(l: Float32Array, V: number, lse: Float32Array, coef: Float32Array): Float32Array {
  const n = l.length;
  const rows = n / V;
  const out = n + 4;
  const at = 2 * n + 8;
  return withScratch(at + 2 * rows, (ptr) => {
    const base = ptr / 4;
    const mem = heapF32();
    mem.set(l, base);
    mem.set(lse, base + at);
    mem.set(coef, base + at + rows);
    simdKernels().scaledSoftmax(ptr, ptr + 4 * out, rows, V, ptr + 4 * at, ptr + 4 * (at + rows));
    return heapF32().slice(base + out, base + out + n);
  });
}
