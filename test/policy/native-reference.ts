/**
 * Test helpers for the native back end: a plain float64 TypeScript forward pass of the shared policy spec (written
 * from the spec, independent of both back ends), random weights large enough that outputs are far from uniform,
 * and the skip reason when the addon is not built.
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

type Vec = Float64Array;

function linear(x: Vec[], w: ArrayLike<number>, b: ArrayLike<number>, out: number): Vec[] {
  return x.map((row) => {
    const y = new Float64Array(out);
    for (let o = 0; o < out; o++) {
      let s = b[o]!;
      for (let i = 0; i < row.length; i++) s += w[o * row.length + i]! * row[i]!;
      y[o] = s;
    }
    return y;
  });
}

function layerNorm(x: Vec[], w: ArrayLike<number>, b: ArrayLike<number>): Vec[] {
  return x.map((row) => {
    const n = row.length;
    const mean = row.reduce((a, v) => a + v, 0) / n;
    const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / n;
    return row.map((v, i) => ((v - mean) / Math.sqrt(variance + 1e-5)) * w[i]! + b[i]!);
  });
}

function gelu(v: number): number {
  return 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
}

/** Logits at every position of one sequence (row t predicts token t + 1). */
export function referenceLogits(config: ModelConfig, w: ReadonlyMap<string, ArrayLike<number>>, tokens: Int32Array): Vec[] {
  const { dModel: d, nHeads: H, vocabSize: V } = config;
  const hd = d / H;
  const g = (name: string) => w.get(name)!;
  let x: Vec[] = Array.from(tokens, (tok, t) => {
    const row = new Float64Array(d);
    for (let i = 0; i < d; i++) row[i] = g('wte.weight')[tok * d + i]! + g('wpe.weight')[t * d + i]!;
    return row;
  });
  for (let l = 0; l < config.nLayers; l++) {
    const p = `h.${l}.`;
    const qkv = linear(layerNorm(x, g(`${p}ln_1.weight`), g(`${p}ln_1.bias`)), g(`${p}attn.c_attn.weight`), g(`${p}attn.c_attn.bias`), 3 * d);
    const y = x.map(() => new Float64Array(d));
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < x.length; t++) {
        const scores: number[] = [];
        for (let s = 0; s <= t; s++) {
          let dot = 0;
          for (let i = 0; i < hd; i++) dot += qkv[t]![h * hd + i]! * qkv[s]![d + h * hd + i]!;
          scores.push(dot / Math.sqrt(hd));
        }
        const m = Math.max(...scores);
        const e = scores.map((sc) => Math.exp(sc - m));
        const z = e.reduce((a, v) => a + v, 0);
        for (let s = 0; s <= t; s++) {
          for (let i = 0; i < hd; i++) y[t]![h * hd + i]! += (e[s]! / z) * qkv[s]![2 * d + h * hd + i]!;
        }
      }
    }
    const attn = linear(y, g(`${p}attn.c_proj.weight`), g(`${p}attn.c_proj.bias`), d);
    x = x.map((row, t) => row.map((v, i) => v + attn[t]![i]!));
    const fc = linear(layerNorm(x, g(`${p}ln_2.weight`), g(`${p}ln_2.bias`)), g(`${p}mlp.c_fc.weight`), g(`${p}mlp.c_fc.bias`), 4 * d).map((r) => r.map(gelu));
    const mlp = linear(fc, g(`${p}mlp.c_proj.weight`), g(`${p}mlp.c_proj.bias`), d);
    x = x.map((row, t) => row.map((v, i) => v + mlp[t]![i]!));
  }
  const hidden = layerNorm(x, g('ln_f.weight'), g('ln_f.bias'));
  return linear(hidden, g('wte.weight'), new Float64Array(V), V);
}

/** Log-probs of tokens[responseStart..] under the reference model. */
export function referenceLogprobs(config: ModelConfig, w: ReadonlyMap<string, ArrayLike<number>>, tokens: Int32Array, responseStart: number): number[] {
  const logits = referenceLogits(config, w, tokens);
  const out: number[] = [];
  for (let t = responseStart; t < tokens.length; t++) {
    const row = logits[t - 1]!;
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
    out.push(row[tokens[t]!]! - lse);
  }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
