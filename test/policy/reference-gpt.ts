/**
 * A plain float64 implementation of the policy architecture, straight from the spec (weights in PyTorch
 * [out, in] layout), used as the test oracle for the TensorFlow.js model: logits, log-probs and, through
 * central finite differences, gradients.
 */
import { Rng } from '../../src/core/rng.js';
import type { ModelConfig } from '../../src/policy/learner.js';
import { weightLayout, type Weights } from '../../src/policy/weights.js';

type W = ReadonlyMap<string, Float32Array | Float64Array>;

function layerNorm(x: Float64Array, g: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const d = x.length;
  let mean = 0;
  for (let i = 0; i < d; i++) mean += x[i]!;
  mean /= d;
  let v = 0;
  for (let i = 0; i < d; i++) v += (x[i]! - mean) ** 2;
  const inv = 1 / Math.sqrt(v / d + 1e-5);
  return Float64Array.from(x, (xi, i) => (xi - mean) * inv * g[i]! + b[i]!);
}

/** y = W x + b for W [out, in]. */
function linear(w: ArrayLike<number>, b: ArrayLike<number>, x: Float64Array, out: number): Float64Array {
  const inp = x.length;
  const y = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    let s = b[o]!;
    for (let i = 0; i < inp; i++) s += w[o * inp + i]! * x[i]!;
    y[o] = s;
  }
  return y;
}

const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

/** Logits [T][V] for one sequence. */
export function referenceLogits(config: ModelConfig, w: W, tokens: ArrayLike<number>): Float64Array[] {
  const { dModel: d, nHeads: H, nLayers, vocabSize: V } = config;
  const T = tokens.length;
  const dh = d / H;
  const g = (n: string) => w.get(n)!;
  let xs = Array.from({ length: T }, (_, t) => Float64Array.from({ length: d }, (_, j) => g('wte.weight')[tokens[t]! * d + j]! + g('wpe.weight')[t * d + j]!));
  for (let l = 0; l < nLayers; l++) {
    const p = `h.${l}`;
    const qkv = xs.map((x) => linear(g(`${p}.attn.c_attn.weight`), g(`${p}.attn.c_attn.bias`), layerNorm(x, g(`${p}.ln_1.weight`), g(`${p}.ln_1.bias`)), 3 * d));
    const att = xs.map(() => new Float64Array(d));
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const scores: number[] = [];
        for (let u = 0; u <= t; u++) {
          let s = 0;
          for (let j = 0; j < dh; j++) s += qkv[t]![h * dh + j]! * qkv[u]![d + h * dh + j]!;
          scores.push(s / Math.sqrt(dh));
        }
        const m = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - m));
        const z = e.reduce((a, b) => a + b, 0);
        for (let u = 0; u <= t; u++) for (let j = 0; j < dh; j++) att[t]![h * dh + j] += (e[u]! / z) * qkv[u]![2 * d + h * dh + j]!;
      }
    }
    xs = xs.map((x, t) => {
      const a = linear(g(`${p}.attn.c_proj.weight`), g(`${p}.attn.c_proj.bias`), att[t]!, d);
      const x1 = Float64Array.from(x, (v, j) => v + a[j]!);
      const f = linear(g(`${p}.mlp.c_fc.weight`), g(`${p}.mlp.c_fc.bias`), layerNorm(x1, g(`${p}.ln_2.weight`), g(`${p}.ln_2.bias`)), 4 * d).map(gelu);
      const m = linear(g(`${p}.mlp.c_proj.weight`), g(`${p}.mlp.c_proj.bias`), f, d);
      return Float64Array.from(x1, (v, j) => v + m[j]!);
    });
  }
  return xs.map((x) => linear(g('wte.weight'), new Float64Array(V), layerNorm(x, g('ln_f.weight'), g('ln_f.bias')), V));
}

/** log p(tokens[t] | tokens[<t]) for t in [responseStart, T). */
export function referenceLogprobs(config: ModelConfig, w: W, tokens: ArrayLike<number>, responseStart: number): number[] {
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

/** Weights far from the default init (std 0.3, LayerNorm off 1/0), so every parameter matters to the gradient. */
export function randomWeights(seed: number, config: ModelConfig): Weights {
  const rng = new Rng(seed);
  const w: Weights = new Map();
  for (const s of weightLayout(config)) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    w.set(s.name, Float32Array.from({ length: n }, () => (s.kind === 'layernorm' && s.name.endsWith('weight') ? 1 : 0) + 0.3 * rng.normal()));
  }
  return w;
}

/**
 * Central finite differences of `f` at `w64` (float64 copies of the weights): for every tensor, 4 entries (the
 * first, the middle, the last and one drawn from `rng`), each nudged by ±eps in place and restored.
 */
export function* finiteDifferences(config: ModelConfig, w64: Map<string, Float64Array>, f: (w: Weights) => number, rng: Rng, eps = 1e-5): Generator<{ name: string; idx: number; fd: number }> {
  const asWeights = w64 as unknown as Weights;
  for (const spec of weightLayout(config)) {
    const p = w64.get(spec.name)!;
    for (const idx of [0, Math.floor(p.length / 2), p.length - 1, rng.int(p.length)]) {
      const orig = p[idx]!;
      p[idx] = orig + eps;
      const up = f(asWeights);
      p[idx] = orig - eps;
      const down = f(asWeights);
      p[idx] = orig;
      yield { name: spec.name, idx, fd: (up - down) / (2 * eps) };
    }
  }
}
