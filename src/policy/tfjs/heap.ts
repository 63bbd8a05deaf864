/**
 * Zero-copy access to tensors of TensorFlow.js's wasm backend, so that our SIMD kernels (simd.wat) run on tensor
 * memory in place instead of copying every operand out of the backend and every result back in (the copies cost
 * more than the kernels). This uses internals of @tensorflow/tfjs-backend-wasm 4.x (its Emscripten module's
 * memory and allocator, `dataIdMap`, `makeOutput`) — the same ones its own kernels use; `wasmInternals` checks that
 * they are there and fails with a clear message otherwise.
 */
import { tf } from './backend.js';

export interface WasmMemoryLike {
  buffer: ArrayBuffer;
}

interface WasmBackendInternals {
  wasm: { asm: { memory: WasmMemoryLike }; _malloc(bytes: number): number; _free(ptr: number): void };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

export function wasmInternals(): WasmBackendInternals {
  const be = tf.backend() as unknown as Partial<WasmBackendInternals>;
  if (typeof be.makeOutput !== 'function' || !be.dataIdMap || !be.wasm?.asm?.memory || typeof be.wasm._malloc !== 'function') {
    throw new Error(`the active TensorFlow.js backend is ${tf.getBackend()}, or a @tensorflow/tfjs-backend-wasm without the 4.x internals seeupo's kernels use`);
  }
  return be as WasmBackendInternals;
}

/** Byte offset of a float32 tensor's data in the backend's memory. */
export function offsetOf(t: tf.Tensor): number {
  const entry = wasmInternals().dataIdMap.get(t.dataId);
  if (entry === undefined) throw new Error('tensor is not on the wasm backend');
  return entry.memoryOffset;
}

/** A new float32 tensor on the wasm backend (contents undefined until written). */
export function allocTensor(shape: number[]): tf.Tensor {
  return tf.engine().makeTensorFromTensorInfo(wasmInternals().makeOutput(shape, 'float32'));
}

/** A view of the backend's whole memory; take it after the last allocation of a call (memory may grow). */
export function heapF32(): Float32Array {
  return new Float32Array(wasmInternals().wasm.asm.memory.buffer);
}

/** Runs `f` with `floats` float32 values of scratch memory (byte offset), freed afterwards. */
export function withScratch<T>(floats: number, f: (ptr: number) => T): T {
  const scratch = allocScratch(floats);
  try {
    return f(scratch.at);
  } finally {
    scratch.free();
  }
}

/** `floats` float32 values of backend memory, 16-byte aligned, until `free()` is called. */
export function allocScratch(floats: number): { at: number; free(): void } {
  const { wasm } = wasmInternals();
  const ptr = wasm._malloc(Math.max(4, floats * 4) + 16) >>> 0;
  return { at: (ptr + 15) & ~15, free: () => wasm._free(ptr) };
}
