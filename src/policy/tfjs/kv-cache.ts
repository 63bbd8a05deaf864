/**
 * Keys and values of every layer for sampling, in plain Float32Arrays [B, H, capacity, dh] that grow by one
 * column per decoding step (no tensor concatenation), with single-query attention done here: per step it is
 * B·H·L·dh multiply-adds, too small to be worth a TensorFlow.js kernel call each.
 *
 * Rows are right-padded prompts: row b's prompt fills columns [0, promptLens[b]) of the P prefill columns, and
 * its generated tokens fill the shared columns P, P+1, ...; columns [promptLens[b], P) are masked for row b.
 */
export class KvCache {
  private readonly k: Float32Array[];
  private readonly v: Float32Array[];
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
    this.k = Array.from({ length: nLayers }, () => new Float32Array(size));
    this.v = Array.from({ length: nLayers }, () => new Float32Array(size));
  }

  /** Stores keys and values of `cols` consecutive columns from qkv rows [B·cols, 3d] (prefill: cols = P). */
  private store(layer: number, qkv: Float32Array, cols: number): void {
    const { B, H, d, dh, capacity } = this;
    for (let b = 0; b < B; b++) {
      for (let c = 0; c < cols; c++) {
        const src = (b * cols + c) * 3 * d;
        for (let h = 0; h < H; h++) {
          const dst = ((b * H + h) * capacity + this.len + c) * dh;
          this.k[layer]!.set(qkv.subarray(src + d + h * dh, src + d + (h + 1) * dh), dst);
          this.v[layer]!.set(qkv.subarray(src + 2 * d + h * dh, src + 2 * d + (h + 1) * dh), dst);
        }
      }
    }
  }

  /** Prefill: keys and values of the P prompt columns of one layer, from its qkv [B·P, 3d]. */
  prefill(layer: number, qkv: Float32Array): void {
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
  attend(layer: number, qkv: Float32Array): Float32Array {
    const { B, H, d, dh, capacity, P } = this;
    if (this.len >= capacity) throw new Error('KV cache is full');
    this.store(layer, qkv, 1);
    const L = this.len + 1;
    const K = this.k[layer]!;
    const V = this.v[layer]!;
    const scale = 1 / Math.sqrt(dh);
    const out = new Float32Array(B * d);
    const s = new Float64Array(L);
    const acc = new Float64Array(dh);
    for (let b = 0; b < B; b++) {
      // Visible columns: the row's prompt [0, promptLen) and the generated ones [P, L).
      const ranges: Array<[number, number]> = [[0, this.promptLens[b]!], [P, L]];
      for (let h = 0; h < H; h++) {
        const q = b * 3 * d + h * dh;
        const base = (b * H + h) * capacity;
        let m = -Infinity;
        for (const [from, to] of ranges) {
          for (let c = from; c < to; c++) {
            const ko = (base + c) * dh;
            let dot = 0;
            for (let j = 0; j < dh; j++) dot += qkv[q + j]! * K[ko + j]!;
            dot *= scale;
            s[c] = dot;
            if (dot > m) m = dot;
          }
        }
        let z = 0;
        acc.fill(0);
        for (const [from, to] of ranges) {
          for (let c = from; c < to; c++) {
            const w = Math.exp(s[c]! - m);
            z += w;
            const vo = (base + c) * dh;
            for (let j = 0; j < dh; j++) acc[j] += w * V[vo + j]!;
          }
        }
        const o = b * d + h * dh;
        for (let j = 0; j < dh; j++) out[o + j] = acc[j]! / z;
      }
    }
    return out;
  }

  /** Marks this step's column filled (after every layer attended). */
  advance(): void {
    this.len += 1;
  }
}
