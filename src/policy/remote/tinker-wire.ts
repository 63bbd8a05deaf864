/**
 * The Tinker HTTP API's JSON shapes (hosted Tinker and SkyRL's open-source server speak the same ones), and the
 * mapping between our `ScoredSequence` and a Tinker `Datum`.
 *
 * Inputs are pre-shifted: position i of `model_input` predicts `target_tokens[i]`, the token at i + 1 of the full
 * sequence, and every `loss_fn_inputs` array has one entry per position. A sequence scored from `responseStart`
 * therefore has its scored tokens at positions responseStart − 1 … length − 2. We send the context and the rest
 * as two chunks of `model_input`; every server concatenates chunks, so the boundary changes nothing there, and
 * `seeupo learner serve` reads it back as the response start (its back ends compute logits only for scored rows).
 */
import type { ScoredSequence } from '../learner.js';

export type LossFn = 'cross_entropy' | 'importance_sampling' | 'ppo';
export const LOSS_FNS: readonly LossFn[] = ['cross_entropy', 'importance_sampling', 'ppo'];

export interface TensorData {
  data: number[];
  dtype: 'int64' | 'float32';
  shape?: number[];
}

export interface EncodedTextChunk {
  type: 'encoded_text';
  tokens: number[];
}

export interface ModelInput {
  chunks: EncodedTextChunk[];
}

export interface Datum {
  model_input: ModelInput;
  loss_fn_inputs: Record<string, TensorData>;
}

export interface AdamParams {
  learning_rate: number;
  beta1: number;
  beta2: number;
  eps: number;
  weight_decay: number;
  /** Hosted Tinker clips the global gradient norm to this (0 = off); SkyRL's server ignores the field. */
  grad_clip_norm: number;
}

export interface SamplingParams {
  max_tokens: number;
  seed: number;
  stop: number[];
  temperature: number;
  top_p: number;
  top_k: number;
}

export interface GeneratedSequence {
  stop_reason: 'stop' | 'length';
  tokens: number[];
  logprobs: number[];
}

export function floatTensor(values: ArrayLike<number>): TensorData {
  return { data: Array.from(values), dtype: 'float32', shape: [values.length] };
}

export function intTensor(values: ArrayLike<number>): TensorData {
  return { data: Array.from(values), dtype: 'int64', shape: [values.length] };
}

/** The values of a TensorData as sent by either server (an object with `data`, or a bare array). */
export function tensorValues(value: unknown, what: string): number[] {
  const data = Array.isArray(value) ? value : (value as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || !data.every((x) => typeof x === 'number')) throw new Error(`${what} is not a list of numbers`);
  return data as number[];
}

/** Context and response as two chunks (one when the response is a single token). */
export function sequenceInput(s: ScoredSequence): ModelInput {
  const tokens = Array.from(s.tokens);
  const chunks: EncodedTextChunk[] = [{ type: 'encoded_text', tokens: tokens.slice(0, s.responseStart) }];
  if (tokens.length - 1 > s.responseStart) chunks.push({ type: 'encoded_text', tokens: tokens.slice(s.responseStart, -1) });
  return { chunks };
}

/** One value per scored token, spread over the datum's positions (zero before the response). */
export function perPosition(s: ScoredSequence, scored: ArrayLike<number>): number[] {
  const out = new Array<number>(s.tokens.length - 1).fill(0);
  for (let k = 0; k < scored.length; k++) out[s.responseStart - 1 + k] = scored[k]!;
  return out;
}

/**
 * A datum for `seq` with the given per-scored-token inputs (weights, advantages, logprobs). Each array has one
 * entry per scored token; positions before the response get 0.
 */
export function toDatum(seq: ScoredSequence, inputs: Record<string, ArrayLike<number>>): Datum {
  const loss_fn_inputs: Record<string, TensorData> = { target_tokens: intTensor(seq.tokens.subarray(1)) };
  for (const [k, v] of Object.entries(inputs)) loss_fn_inputs[k] = floatTensor(perPosition(seq, v));
  return { model_input: sequenceInput(seq), loss_fn_inputs };
}

/** The scored tokens' log-probs out of a per-position `logprobs` output. */
export function scoredLogprobs(seq: ScoredSequence, output: unknown, what: string): Float32Array {
  const lp = tensorValues((output as Record<string, unknown> | null)?.logprobs, `${what} logprobs`);
  if (lp.length !== seq.tokens.length - 1) {
    throw new Error(`${what}: expected ${seq.tokens.length - 1} log-probs (one per input position), got ${lp.length}`);
  }
  return Float32Array.from(lp.slice(seq.responseStart - 1));
}

/** Checkpoint names the servers accept (SkyRL: ^[a-zA-Z0-9_-]+$, at most 255 characters). */
export const CHECKPOINT_NAME = /^[a-zA-Z0-9_-]{1,255}$/;

/** `tinker://<model_id>/<kind>/<name>` (kind may be absent: `tinker://<model_id>/<name>`), as SkyRL parses it. */
export function parseTinkerPath(path: string): { modelId: string; kind: string; name: string } | null {
  const m = /^tinker:\/\/([^/]+)\/(?:([^/]+)\/)?([^/]+)$/.exec(path);
  if (!m) return null;
  return { modelId: m[1]!, kind: m[2] ?? '', name: m[3]! };
}
