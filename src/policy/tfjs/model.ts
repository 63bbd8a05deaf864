/**
 * The GPT-2-style pre-LayerNorm decoder (../weights.ts has the layout) as TensorFlow.js computations on a list
 * of parameter tensors in flat-layout order (matrices [in, out], see layout.ts):
 *   x = wte[tok] + wpe[pos]; per layer x += attn(ln_1(x)); x += mlp(ln_2(x)); logits = ln_f(x) · wteᵀ.
 */
import type { ModelConfig } from '../learner.js';
import { tf } from './backend.js';
import type { FlatLayout } from './layout.js';
import { causalAttention, embed, gelu, layerNorm, linear as linearOp, matmul } from './ops.js';

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

/** Key and value of one layer, [B·H, L, dh] each. */
export interface LayerKv {
  k: Tensor;
  v: Tensor;
}

function linear(p: ParamView, name: string, x: Tensor): Tensor {
  return linearOp(x, p.get(`${name}.weight`), p.get(`${name}.bias`));
}

function mlp(p: ParamView, i: number, x: Tensor): Tensor {
  return linear(p, `h.${i}.mlp.c_proj`, gelu(linear(p, `h.${i}.mlp.c_fc`, x)));
}

/** [B·T, d] → [B·H, T, dh]: heads are contiguous slices of d. */
function splitHeads(x: Tensor, B: number, T: number, H: number): tf.Tensor3D {
  const dh = x.shape[1]! / H;
  return tf.reshape(tf.transpose(tf.reshape(x, [B, T, H, dh]), [0, 2, 1, 3]), [B * H, T, dh]);
}

function mergeHeads(x: Tensor, B: number, T: number, H: number): tf.Tensor2D {
  const dh = x.shape[2]!;
  return tf.reshape(tf.transpose(tf.reshape(x, [B, H, T, dh]), [0, 2, 1, 3]), [B * T, H * dh]);
}

/**
 * Hidden states after ln_f, [B·T, d], for right-padded token rows [B, T] (padding only affects padded rows'
 * own later positions, as attention is causal). With `kvOut`, each layer's keys and values are pushed there.
 */
export function transformer(config: ModelConfig, p: ParamView, tokens: Int32Array, B: number, T: number, kvOut?: LayerKv[]): Tensor {
  const { nLayers, nHeads: H, dModel: d } = config;
  const pos = tf.slice(p.get('wpe.weight'), [0, 0], [T, d]);
  let x: Tensor = tf.reshape(tf.add(tf.reshape(embed(p.get('wte.weight'), tokens), [B, T, d]), pos), [B * T, d]);
  for (let i = 0; i < nLayers; i++) {
    const h = layerNorm(x, p.get(`h.${i}.ln_1.weight`), p.get(`h.${i}.ln_1.bias`));
    const qkv = linear(p, `h.${i}.attn.c_attn`, h);
    if (kvOut) {
      const [, k, v] = tf.split(qkv, 3, 1) as [Tensor, Tensor, Tensor];
      kvOut.push({ k: splitHeads(k, B, T, H), v: splitHeads(v, B, T, H) });
    }
    x = tf.add(x, linear(p, `h.${i}.attn.c_proj`, causalAttention(qkv, B, T, H)));
    x = tf.add(x, mlp(p, i, layerNorm(x, p.get(`h.${i}.ln_2.weight`), p.get(`h.${i}.ln_2.bias`))));
  }
  return layerNorm(x, p.get('ln_f.weight'), p.get('ln_f.bias'));
}

/** Tied output head: hidden [n, d] · wteᵀ → logits [n, V]. */
export function outputLogits(p: ParamView, hidden: Tensor): tf.Tensor2D {
  return matmul(hidden, tf.transpose(p.get('wte.weight')));
}

/**
 * One decoding step for B rows with a KV cache: `tokens[b]` at position `positions[b]`; `bias` [B·H, 1, L+1]
 * masks cache columns a row must not see. Returns logits [B, V] and each layer's cache extended by one column.
 */
export function decodeStep(
  config: ModelConfig,
  p: ParamView,
  cache: readonly LayerKv[],
  tokens: Int32Array,
  positions: Int32Array,
  bias: Tensor,
): { logits: tf.Tensor2D; cache: LayerKv[] } {
  const { nLayers, nHeads: H, dModel: d } = config;
  const B = tokens.length;
  const scale = 1 / Math.sqrt(d / H);
  let x: Tensor = tf.add(tf.gather(p.get('wte.weight'), tf.tensor1d(tokens, 'int32')), tf.gather(p.get('wpe.weight'), tf.tensor1d(positions, 'int32')));
  const next: LayerKv[] = [];
  for (let i = 0; i < nLayers; i++) {
    const h = layerNorm(x, p.get(`h.${i}.ln_1.weight`), p.get(`h.${i}.ln_1.bias`));
    const [q, k, v] = tf.split(linear(p, `h.${i}.attn.c_attn`, h), 3, 1) as [Tensor, Tensor, Tensor];
    const kv = { k: tf.concat([cache[i]!.k, splitHeads(k, B, 1, H)], 1), v: tf.concat([cache[i]!.v, splitHeads(v, B, 1, H)], 1) };
    next.push(kv);
    const scores = tf.add(tf.matMul(splitHeads(tf.mul(q, scale), B, 1, H), kv.k, false, true), bias);
    const att = mergeHeads(tf.matMul(tf.softmax(scores), kv.v), B, 1, H);
    x = tf.add(x, linear(p, `h.${i}.attn.c_proj`, att));
    x = tf.add(x, mlp(p, i, layerNorm(x, p.get(`h.${i}.ln_2.weight`), p.get(`h.${i}.ln_2.bias`))));
  }
  const hidden = layerNorm(x, p.get('ln_f.weight'), p.get('ln_f.bias'));
  return { logits: outputLogits(p, hidden), cache: next };
}
