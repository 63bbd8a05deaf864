/**
 * One TensorFlow.js model instance on one thread. It reads weights from a flat vector it shares with the
 * learner (re-uploading them when the learner's weights version changes) and accumulates gradients into its own
 * flat vector, which the learner sums over engines at optimStep. The learner runs one engine on its own thread
 * and one per worker thread (worker.ts).
 */
import { Rng } from '../../core/rng.js';
import type { ModelConfig, SampleOutput, SampleParams, ScoredSequence } from '../learner.js';
import { tf } from './backend.js';
import { flatLayout, type FlatLayout } from './layout.js';
import { KvCache } from './kv-cache.js';
import { decodeStep, outputLogits, ParamView, scoredLogprobs, transformer, uploadParams } from './model.js';
import { chooseToken } from './sampling.js';

/** Sequences are processed in chunks of at most this many padded tokens, which bounds activation memory. */
const MAX_CHUNK_TOKENS = 8192;

/**
 * Right-padded token rows [B, T] of a chunk, and the scored positions: `rows` are indices into the B·T positions
 * whose next token is scored (sequence by sequence, in order), `targets` those next tokens. Only these rows go
 * through the output head, so unscored context costs no logits.
 */
interface PackedChunk {
  tokens: Int32Array;
  B: number;
  T: number;
  rows: Int32Array;
  targets: Int32Array;
}

function pack(seqs: readonly ScoredSequence[]): PackedChunk {
  const B = seqs.length;
  const T = Math.max(...seqs.map((s) => s.tokens.length));
  const tokens = new Int32Array(B * T);
  const n = seqs.reduce((a, s) => a + s.tokens.length - s.responseStart, 0);
  const rows = new Int32Array(n);
  const targets = new Int32Array(n);
  let k = 0;
  seqs.forEach((s, b) => {
    tokens.set(s.tokens, b * T);
    for (let t = s.responseStart; t < s.tokens.length; t++, k++) {
      rows[k] = b * T + t - 1;
      targets[k] = s.tokens[t]!;
    }
  });
  return { tokens, B, T, rows, targets };
}

/** Splits the scored values of a chunk (sequence by sequence) back into one array per sequence. */
function unpack(seqs: readonly ScoredSequence[], values: Float32Array): Float32Array[] {
  let k = 0;
  return seqs.map((s) => values.slice(k, (k += s.tokens.length - s.responseStart)));
}

/** Splits sequences into consecutive chunks of at most MAX_CHUNK_TOKENS padded tokens. */
function chunks(n: number, lengthOf: (i: number) => number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = 0;
  let maxLen = 0;
  for (let i = 0; i < n; i++) {
    const len = Math.max(maxLen, lengthOf(i));
    if (i > start && len * (i - start + 1) > MAX_CHUNK_TOKENS) {
      out.push([start, i]);
      start = i;
      maxLen = lengthOf(i);
    } else maxLen = len;
  }
  if (n > start) out.push([start, n]);
  return out;
}

export class TfjsEngine {
  private readonly layout: FlatLayout;
  private params: tf.Tensor[] | null = null;
  private uploadedVersion = -1;

  constructor(
    readonly config: ModelConfig,
    private readonly weights: Float32Array,
    readonly grads: Float32Array,
  ) {
    this.layout = flatLayout(config);
  }

  private paramsAt(version: number): tf.Tensor[] {
    if (this.params === null || version !== this.uploadedVersion) {
      this.params?.forEach((t) => t.dispose());
      this.params = uploadParams(this.layout, this.weights);
      this.uploadedVersion = version;
    }
    return this.params;
  }

  logprobs(batch: readonly ScoredSequence[], version: number): Float32Array[] {
    const params = this.paramsAt(version);
    const out: Float32Array[] = [];
    for (const [a, b] of chunks(batch.length, (i) => batch[i]!.tokens.length)) {
      const seqs = batch.slice(a, b);
      const { tokens, B, T, rows, targets } = pack(seqs);
      const values = new Float32Array(rows.length);
      if (rows.length === 0) {
        out.push(...unpack(seqs, values)); // nothing scored (the products below do not accept empty operands)
        continue;
      }
      tf.tidy(() => {
        const p = new ParamView(this.layout, params);
        values.set(scoredLogprobs(p, transformer(this.config, p, tokens, B, T), rows, targets).dataSync());
      });
      out.push(...unpack(seqs, values));
    }
    return out;
  }

  forwardBackward(batch: readonly ScoredSequence[], dLdLogp: readonly Float32Array[], version: number): Float32Array[] {
    const params = this.paramsAt(version);
    const out: Float32Array[] = [];
    for (const [a, b] of chunks(batch.length, (i) => batch[i]!.tokens.length)) {
      const seqs = batch.slice(a, b);
      const { tokens, B, T, rows, targets } = pack(seqs);
      const dy = new Float32Array(rows.length);
      for (let j = a, k = 0; j < b; k += dLdLogp[j]!.length, j++) dy.set(dLdLogp[j]!, k);
      const values = new Float32Array(rows.length);
      if (rows.length === 0) {
        out.push(...unpack(seqs, values)); // nothing scored: no log-probs, zero gradient
        continue;
      }
      tf.tidy(() => {
        const f = (...ps: tf.Tensor[]) => {
          const p = new ParamView(this.layout, ps);
          return scoredLogprobs(p, transformer(this.config, p, tokens, B, T), rows, targets);
        };
        const { value, grads } = tf.valueAndGrads(f)(params, tf.tensor1d(dy));
        this.layout.segments.forEach((seg, i) => {
          const g = grads[i]!.dataSync() as Float32Array;
          const acc = this.grads.subarray(seg.offset, seg.offset + seg.size);
          for (let k = 0; k < g.length; k++) acc[k] += g[k]!;
        });
        values.set(value.dataSync());
      });
      out.push(...unpack(seqs, values));
    }
    return out;
  }

  /**
   * Samples a continuation of each prompt with a KV cache, all prompts as one batch. Row i draws from its own
   * stream `Rng(seed).fork("sample:" + (firstIndex + i))`, so results do not depend on how prompts are split over
   * engines. Prompts are right-padded for the prefill; the KV cache masks each row's padding columns.
   */
  sample(prompts: readonly Int32Array[], params: SampleParams, firstIndex: number, version: number): SampleOutput[] {
    const weights = this.paramsAt(version);
    const { contextLength: C, nHeads: H } = this.config;
    const temperature = params.temperature ?? 1;
    const topP = params.topP ?? 1;
    const stop = new Set(params.stopTokens ?? []);
    const base = new Rng(params.seed);
    const B = prompts.length;
    const rngs = prompts.map((_, i) => base.fork(`sample:${firstIndex + i}`));
    const lens = prompts.map((p) => p.length);
    const P = Math.max(...lens);
    const generated: number[][] = prompts.map(() => []);
    const logprobs: number[][] = prompts.map(() => []);
    const finish: Array<'stop' | 'length' | null> = prompts.map(() => null);
    const p = new ParamView(this.layout, weights);

    const V = this.config.vocabSize;
    // Generated tokens share columns P, P+1, ...: a short prompt may run past column C (its positions stay < C).
    const cache = new KvCache(B, H, this.config.dModel, this.config.nLayers, P + params.maxTokens, lens, P);
    try {
      // Prefill: logits at each row's last prompt position; every layer's keys and values go to the cache.
      let logits = tf.tidy(() => {
        const tokens = new Int32Array(B * P);
        prompts.forEach((pr, b) => tokens.set(pr, b * P));
        const qkv: tf.Tensor[] = [];
        const hidden = transformer(this.config, p, tokens, B, P, qkv);
        qkv.forEach((t, i) => cache.prefill(i, t));
        const last = tf.gather(hidden, tf.tensor1d(lens.map((l, b) => b * P + l - 1), 'int32'));
        return outputLogits(p, last);
      });
      cache.endPrefill();
      for (let s = 0; ; s++) {
        const values = logits.dataSync() as Float32Array;
        logits.dispose();
        for (let b = 0; b < B; b++) {
          if (finish[b] !== null) continue;
          const choice = chooseToken(values.subarray(b * V, (b + 1) * V), temperature, topP, rngs[b]!);
          generated[b]!.push(choice.token);
          logprobs[b]!.push(choice.logprob);
          if (stop.has(choice.token)) finish[b] = 'stop';
          else if (s + 1 >= params.maxTokens || lens[b]! + s + 1 >= C) finish[b] = 'length';
        }
        if (finish.every((f) => f !== null)) break;
        // Feed each row's newest token at its own position; finished rows feed a dummy that nobody reads.
        const tokens = Int32Array.from(generated, (g, b) => (finish[b] === null ? g[s]! : 0));
        const positions = Int32Array.from(lens, (l, b) => (finish[b] === null ? l + s : 0));
        logits = tf.tidy(() => decodeStep(this.config, p, cache, tokens, positions));
      }
    } finally {
      cache.dispose();
    }
    return prompts.map((_, b) => ({
      tokens: Int32Array.from(generated[b]!),
      logprobs: Float32Array.from(logprobs[b]!),
      finishReason: finish[b]!,
    }));
  }

  dispose(): void {
    this.params?.forEach((t) => t.dispose());
    this.params = null;
  }
}
