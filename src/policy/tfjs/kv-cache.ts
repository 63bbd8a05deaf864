/**
 * Keys and values of every layer for sampling, [B, H, capacity, dh] per layer in the wasm backend's memory,
 * growing by one column per decoding step (no tensor concatenation), with single-query attention on the SIMD
 * kernel `attendRow` (simd.wat).
 *
 * Rows are right-padded prompts: row b's prompt fills columns [0, promptLens[b]) of the P prefill columns, and
 * its generated tokens fill the shared columns P, P+1, ...; columns [promptLens[b], P) are masked for row b.
 * Call `dispose()` when done: the buffers live outside the garbage-collected heap.
 */
import type { tf } from './backend.js';
import { allocScratch, allocTensor, heapF32, offsetOf, withScratch } from './heap.js';
import { simdKernels } from './simd.js';

export class KvCache {
  private readonly k: Array<{ at: number; free(): void }> = [];
  private readonly v: Array<{ at: number; free(): void }> = [];
  private readonly dh: number;
  /** Filled columns. */
  private len = 0;

  constructor(
    private readonly B: number,
    private readonly H: number,
    private readonly d: number,
    nLayers: number,
    private readonly capacity: number,
    private readonly promptLens: readonly number[],
    private readonly P: number,
  ) {
    this.dh = d / H;
    const size = B * H * capacity * this.dh;
    try {
      for (let i = 0; i < nLayers; i++) {
        this.k.push(allocScratch(size));
        this.v.push(allocScratch(size));
      }
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** Copies keys and values of `cols` consecutive columns from qkv rows [B·cols, 3d] into columns len, len+1, .... */
  private store(layer: number, qkv: tf.Tensor, cols: number): void {
    const { B, H, d, dh, capacity } = this;
    const mem = heapF32();
    const src0 = offsetOf(qkv) / 4;
    const k = this.k[layer]!.at / 4;
    const v = this.v[layer]!.at / 4;
    for (let b = 0; b < B; b++) {
      for (let c = 0; c < cols; c++) {
        const src = src0 + (b * cols + c) * 3 * d;
        for (let h = 0; h < H; h++) {
          const dst = ((b * H + h) * capacity + this.len + c) * dh;
          mem.copyWithin(k + dst, src + d + h * dh, src + d + (h + 1) * dh);
          mem.copyWithin(v + dst, src + 2 * d + h * dh, src + 2 * d + (h + 1) * dh);
        }
      }
    }
  }

  /** Prefill: keys and values of the P prompt columns of one layer, from its qkv [B·P, 3d]. */
  prefill(layer: number, qkv: tf.Tensor): void {
    this.store(layer, qkv, this.P);
  }

  /** Marks the prefill columns filled. */
  endPrefill(): void {
    this.len = this.P;
  }

  /**
   * One decoding step of one layer: appends this step's keys and values (from qkv [B, 3d]) and returns the
   * attention output [B, d] of each row's query over its visible columns (its prompt and the generated ones).
   */
  attend(layer: number, qkv: tf.Tensor): tf.Tensor {
    const { B, H, d, dh, capacity, P } = this;
    if (this.len >= capacity) throw new Error('KV cache is full');
    this.store(layer, qkv, 1);
    const L = this.len + 1;
    const out = allocTensor([B, d]);
    const kernels = simdKernels();
    const scale = 1 / Math.sqrt(dh);
    withScratch(L, (s) => {
      const q0 = offsetOf(qkv);
      const o0 = offsetOf(out);
      for (let b = 0; b < B; b++) {
        for (let h = 0; h < H; h++) {
          const block = (b * H + h) * capacity * dh * 4;
          kernels.attendRow(q0 + (b * 3 * d + h * dh) * 4, this.k[layer]!.at + block, this.v[layer]!.at + block, o0 + (b * d + h * dh) * 4, dh, this.promptLens[b]!, P, L, scale, s);
        }
      }
    });
    return out;
  }

  /** Marks this step's column filled (after every layer attended). */
  advance(): void {
    this.len += 1;
  }

  dispose(): void {
    for (const buf of [...this.k, ...this.v]) buf.free();
    this.k.length = 0;
    this.v.length = 0;
  }
}
