/**
 * The GPT-2-style pre-LayerNorm decoder (../weights.ts has the layout) as TensorFlow.js computations on a list
 * of parameter tensors in flat-layout order (matrices [in, out], see layout.ts):
 *   x = wte[tok] + wpe[pos]; per layer x += attn(ln_1(x)); x += mlp(ln_2(x)); logits = ln_f(x) · wteᵀ.
 */
import type { ModelConfig } from '../learner.js';
import { tf } from './backend.js';
import type { FlatLayout } from './layout.js';
import { allocTensor, heapF32, offsetOf } from './heap.js';
import { attendTokens, type RowKv } from './kv-cache.js';
import { causalAttention, gatherRows, gelu, layerNorm, linear as linearOp, matmul, targetLogprobs, transpose } from './ops.js';

type Tensor = tf.Tensor;

/** Parameter tensors by weight name, backed by a list in layout order (the list is what gradients flow to). */
export class ParamView {
  private readonly index: Map<string, number>;
  constructor(layout: FlatLayout, readonly tensors: readonly Tensor[]) {
    this.index = new Map(layout.segments.map((s, i) => [s.spec.name, i]));
  }
  get(name: string): Tensor {
    const i = this.index.get(name);
    if (i === undefined) throw new Error(`no parameter ${name}`);
    return this.tensors[i]!;
  }
}

/** Uploads the flat vector as one tensor per parameter. The caller owns (and disposes) them. */
export function uploadParams(layout: FlatLayout, flat: Float32Array): Tensor[] {
  return layout.segments.map((s) => tf.tensor(flat.subarray(s.offset, s.offset + s.size), s.kernelShape, 'float32'));
}

function linear(p: ParamView, name: string, x: Tensor): Tensor {
  return linearOp(x, p.get(`${name}.weight`), p.get(`${name}.bias`));
}

function mlp(p: ParamView, i: number, x: Tensor): Tensor {
  return linear(p, `h.${i}.mlp.c_proj`, gelu(linear(p, `h.${i}.mlp.c_fc`, x)));
}

/**
 * Hidden states after ln_f, [B·T, d], for right-padded token rows [B, T] (padding only affects padded rows'
 * own later positions, as attention is causal).
 */
export function transformer(config: ModelConfig, p: ParamView, tokens: Int32Array, B: number, T: number): Tensor {
  const { nLayers, nHeads: H, dModel: d } = config;
  const pos = tf.slice(p.get('wpe.weight'), [0, 0], [T, d]);
  let x: Tensor = tf.reshape(tf.add(tf.reshape(gatherRows(p.get('wte.weight'), tokens), [B, T, d]), pos), [B * T, d]);
  for (let i = 0; i < nLayers; i++) {
    const h = layerNorm(x, p.get(`h.${i}.ln_1.weight`), p.get(`h.${i}.ln_1.bias`));
    const qkv = linear(p, `h.${i}.attn.c_attn`, h);
    x = tf.add(x, linear(p, `h.${i}.attn.c_proj`, causalAttention(qkv, B, T, H)));
    x = tf.add(x, mlp(p, i, layerNorm(x, p.get(`h.${i}.ln_2.weight`), p.get(`h.${i}.ln_2.bias`))));
  }
  return layerNorm(x, p.get('ln_f.weight'), p.get('ln_f.bias'));
}

/** Log-probs of `targets` at hidden-state rows `rows` (only those rows go through the output head). */
export function scoredLogprobs(p: ParamView, hidden: Tensor, rows: Int32Array, targets: Int32Array): tf.Tensor1D {
  return targetLogprobs(outputLogits(p, gatherRows(hidden, rows)), targets);
}

/** Tied output head: hidden [n, d] · wteᵀ → logits [n, V]. */
export function outputLogits(p: ParamView, hidden: Tensor): tf.Tensor2D {
  return matmul(hidden, transpose(p.get('wte.weight')));
}

/**
 * Runs new tokens through the model against sampling KV caches: token j is `tokens[j]` of `rows[rowOf[j]]` at
 * position `positions[j]` (a row's tokens consecutive, in order). Their keys and values go into the rows. Returns
 * the logits after the tokens `last` (indices into the N tokens), [last.length, V]: only where a token is sampled.
 * The prefill (a chunk of prompts) and a decoding step (one token per row) are both this call.
 */
export function extendStep(config: ModelConfig, p: ParamView, rows: readonly RowKv[], tokens: Int32Array, positions: Int32Array, rowOf: Int32Array, last: Int32Array): tf.Tensor2D {
  const { nLayers, nHeads: H } = config;
  let x: Tensor = embed(p.get('wte.weight'), tokens, p.get('wpe.weight'), positions);
  for (let i = 0; i < nLayers; i++) {
    const h = layerNorm(x, p.get(`h.${i}.ln_1.weight`), p.get(`h.${i}.ln_1.bias`));
    const qkv = linear(p, `h.${i}.attn.c_attn`, h);
    x = tf.add(x, linear(p, `h.${i}.attn.c_proj`, attendTokens(i, qkv, rows, rowOf, positions, H)));
    x = tf.add(x, mlp(p, i, layerNorm(x, p.get(`h.${i}.ln_2.weight`), p.get(`h.${i}.ln_2.bias`))));
  }
  const at = last.length === tokens.length ? x : takeRows(x, last);
  return outputLogits(p, layerNorm(at, p.get('ln_f.weight'), p.get('ln_f.bias')));
}

/**
 * wte[tokens[j]] + wpe[positions[j]] for each j, [N, d], written in place in the backend's memory (sampling only,
 * no gradient): the wasm backend's Gather kernel goes element by element and cost more than the prefill's attention.
 */
function embed(wte: Tensor, tokens: Int32Array, wpe: Tensor, positions: Int32Array): Tensor {
  const d = wte.shape[1]!;
  const out = allocTensor([tokens.length, d]);
  const mem = heapF32();
  const [o, te, pe] = [offsetOf(out) / 4, offsetOf(wte) / 4, offsetOf(wpe) / 4];
  for (let j = 0; j < tokens.length; j++) {
    const a = te + tokens[j]! * d;
    const b = pe + positions[j]! * d;
    const c = o + j * d;
    for (let k = 0; k < d; k++) mem[c + k] = mem[a + k]! + mem[b + k]!;
  }
  return out;
}

/** Rows `rows` of x [n, d] (no gradient), copied in the backend's memory. */
function takeRows(x: Tensor, rows: Int32Array): Tensor {
  const d = x.shape[1]!;
  const out = allocTensor([rows.length, d]);
  const mem = heapF32();
  const [o, src] = [offsetOf(out) / 4, offsetOf(x) / 4];
  rows.forEach((r, j) => mem.copyWithin(o + j * d, src + r * d, src + (r + 1) * d));
  return out;
}
