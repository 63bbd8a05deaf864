/**
 * Test helpers for the native back end: random weights large enough that outputs are far from uniform, and the
 * skip reason when the addon is not built. The float64 oracle of the spec is `reference-gpt.ts`, shared with the
 * TF.js tests.
 */
import { loadNativeAddon, type NativeBinding } from '../../src/policy/native/addon.js';
import type { ModelConfig } from '../../src/policy/learner.js';
import type { Rng } from '../../src/core/rng.js';
import { numel, weightLayout, type Weights } from '../../src/policy/weights.js';

const addon = loadNativeAddon();

/** `false` where the addon loaded, else the reason to skip (node:test prints it). */
export const nativeSkip: false | string = addon.available ? false : `native addon unavailable: ${addon.reason}`;

export function nativeBinding(): NativeBinding {
  if (!addon.available) throw new Error(addon.reason);
  return addon.binding;
}

/** Weights with std `scale` (LayerNorm weights 1 ± scale/2), so logits vary by several nats. */
export function randomWeights(config: ModelConfig, rng: Rng, scale = 0.5): Weights {
  const out: Weights = new Map();
  for (const spec of weightLayout(config)) {
    const data = new Float32Array(numel(spec.shape));
    const isLnWeight = spec.kind === 'layernorm' && spec.name.endsWith('.weight');
    for (let i = 0; i < data.length; i++) data[i] = (isLnWeight ? 1 : 0) + rng.normal() * (isLnWeight ? scale / 2 : scale);
    out.set(spec.name, data);
  }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
