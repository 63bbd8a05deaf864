/**
 * Keys and values for sampling, one `RowKv` per sequence: [H, capacity, dh] per layer in the wasm backend's
 * memory, column c holding position c. A row outlives a `sample` call when it belongs to a session (prefix reuse:
 * the engine keeps it, and the session's next prompt reads only the tokens past what the row holds).
 * `attendTokens` writes new tokens' keys and values and runs single-query attention for each of them on the SIMD
 * kernel `attendRow` (simd.wat), over its own row's columns up to its position: the prefill (many tokens per row)
 * and a decoding step (one token per row) are the same call, on packed rows without padding.
 * Call `dispose()` on rows that are done: the buffers live outside the garbage-collected heap.
 */
import type { tf } from './backend.js';
import { allocScratch, allocTensor, heapF32, offsetOf, withScratch } from './heap.js';
import { simdKernels } from './simd.js';

type Buffer = { at: number; free(): void };

export class RowKv {
  private k: Buffer[] = [];
  private v: Buffer[] = [];
  private capacity = 0;
  /** The tokens whose keys and values fill columns [0, tokens.length). */
  tokens: number[] = [];

  constructor(
    private readonly H: number,
    private readonly dh: number,
    private readonly nLayers: number,
  ) {}

  /** Bytes of backend memory held. */
  get bytes(): number {
    return 2 * this.nLayers * this.H * this.capacity * this.dh * 4;
  }

  /** Makes room for `columns` columns, keeping the filled ones. */
  reserve(columns: number): void {
    if (columns <= this.capacity) return;
    const { H, dh } = this;
    const filled = this.tokens.length;
    const k: Buffer[] = [];
    const v: Buffer[] = [];
    try {
      for (let i = 0; i < this.nLayers; i++) {
        k.push(allocScratch(H * columns * dh));
        v.push(allocScratch(H * columns * dh));
      }
    } catch (e) {
      for (const b of [...k, ...v]) b.free();
      throw e;
    }
    const mem = heapF32();
    for (let i = 0; i < this.nLayers; i++) {
      for (const [from, to] of [
        [this.k[i], k[i]!],
        [this.v[i], v[i]!],
      ] as const) {
        if (from === undefined) continue;
        for (let h = 0; h < H; h++) {
          const src = from.at / 4 + h * this.capacity * dh;
          mem.copyWithin(to.at / 4 + h * columns * dh, src, src + filled * dh);
        }
      }
    }
    this.free();
    this.k = k;
    this.v = v;
    this.capacity = columns;
  }

  /** Byte offset of head h's key (or value) rows in a layer. */
  keysAt(layer: number, h: number): number {
    return this.k[layer]!.at + 4 * h * this.capacity * this.dh;
  }

  valuesAt(layer: number, h: number): number {
    return this.v[layer]!.at + 4 * h * this.capacity * this.dh;
  }

  private free(): void {
    for (const b of [...this.k, ...this.v]) b.free();
    this.k = [];
    this.v = [];
  }

  dispose(): void {
    this.free();
    this.capacity = 0;
    this.tokens = [];
  }
}

/**
 * One layer for N new tokens: token j belongs to rows[rowOf[j]] at position positions[j] (its row must have room
 * for it). Writes the tokens' keys and values (from qkv [N, 3d]) into their rows, then returns the attention output
 * [N, d] of each token's query over its row's columns [0, position].
 */
export function attendTokens(layer: number, qkv: tf.Tensor, rows: readonly RowKv[], rowOf: Int32Array, positions: Int32Array, H: number): tf.Tensor {
  const N = rowOf.length;
  const d = qkv.shape[1]! / 3;
  const dh = d / H;
  const out = allocTensor([N, d]);
  let span = 0;
  for (const p of positions) span = Math.max(span, p + 1);
  const kernels = simdKernels();
  const scale = 1 / Math.sqrt(dh);
  withScratch(span + 4, (s) => {
    const mem = heapF32();
    const q0 = offsetOf(qkv);
    const src0 = q0 / 4;
    for (let j = 0; j < N; j++) {
      const row = rows[rowOf[j]!]!;
      const col = positions[j]! * dh;
      for (let h = 0; h < H; h++) {
        const src = src0 + j * 3 * d + h * dh;
        mem.copyWithin(row.keysAt(layer, h) / 4 + col, src + d, src + d + dh);
        mem.copyWithin(row.valuesAt(layer, h) / 4 + col, src + 2 * d, src + 2 * d + dh);
      }
    }
    const o0 = offsetOf(out);
    for (let j = 0; j < N; j++) {
      const row = rows[rowOf[j]!]!;
      const L = positions[j]! + 1;
      for (let h = 0; h < H; h++) {
        kernels.attendRow(q0 + (j * 3 * d + h * dh) * 4, row.keysAt(layer, h), row.valuesAt(layer, h), o0 + (j * d + h * dh) * 4, dh, L, scale, s);
      }
    }
  });
  return out;
}
