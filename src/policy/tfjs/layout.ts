/**
 * The flat parameter vector the TensorFlow.js back end works on: every weight of `weightLayout` concatenated in
 * layout order, with `matrix` weights stored transposed ([in, out]) so that forward products are transpose-free
 * (`x · W` instead of `x · Wᵀ`). Checkpoints keep PyTorch's [out, in]; conversion happens only at save/load.
 * AdamW is elementwise, so optimizer moments live in the same flat layout.
 */
import type { ModelConfig } from '../learner.js';
import { numel, weightLayout, type WeightSpec, type Weights } from '../weights.js';

export interface FlatSegment {
  spec: WeightSpec;
  offset: number;
  size: number;
  /** Shape as stored in the flat vector (matrices transposed). */
  kernelShape: number[];
}

export interface FlatLayout {
  segments: FlatSegment[];
  total: number;
}

export function flatLayout(config: ModelConfig): FlatLayout {
  let offset = 0;
  const segments = weightLayout(config).map((spec) => {
    const size = numel(spec.shape);
    const kernelShape = spec.kind === 'matrix' ? [spec.shape[1]!, spec.shape[0]!] : [...spec.shape];
    const seg = { spec, offset, size, kernelShape };
    offset += size;
    return seg;
  });
  return { segments, total: offset };
}

function transposeInto(src: Float32Array, rows: number, cols: number, dst: Float32Array, dstOffset: number): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[dstOffset + c * rows + r] = src[r * cols + c]!;
}

/** PyTorch-layout weights → flat kernel-layout vector (into `out` when given, e.g. a shared buffer). */
export function toFlat(layout: FlatLayout, weights: ReadonlyMap<string, Float32Array>, out: Float32Array = new Float32Array(layout.total)): Float32Array {
  for (const seg of layout.segments) {
    const w = weights.get(seg.spec.name)!;
    if (seg.spec.kind === 'matrix') transposeInto(w, seg.spec.shape[0]!, seg.spec.shape[1]!, out, seg.offset);
    else out.set(w, seg.offset);
  }
  return out;
}

/** Flat kernel-layout vector → PyTorch-layout weights (fresh arrays). */
export function fromFlat(layout: FlatLayout, flat: Float32Array): Weights {
  const weights: Weights = new Map();
  for (const seg of layout.segments) {
    const view = flat.subarray(seg.offset, seg.offset + seg.size);
    if (seg.spec.kind === 'matrix') {
      const w = new Float32Array(seg.size);
      transposeInto(view, seg.kernelShape[0]!, seg.kernelShape[1]!, w, 0);
      weights.set(seg.spec.name, w);
    } else weights.set(seg.spec.name, view.slice());
  }
  return weights;
}
