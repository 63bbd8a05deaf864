/**
 * The WebAssembly SIMD kernels of simd.wat, instantiated once per thread, with a scratch area in their memory
 * that callers copy operands into (`scratch` grows the memory on demand and returns a fresh view of it).
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
  scores(a: number, b: number, s: number, T: number, dh: number, ld: number): void;
  softmaxRows(s: number, T: number, ld: number, stats: number): void;
  softmaxGradRows(s: number, dp: number, T: number, ld: number, lse: number): void;
  mix(w: number, b: number, c: number, T: number, dh: number, ld: number): void;
  mixT(w: number, a: number, c: number, T: number, dh: number, ld: number): void;
  geluForward(x: number, y: number, th: number, n: number): void;
  geluBackward(x: number, th: number, dy: number, dx: number, n: number): void;
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
