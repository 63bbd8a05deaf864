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
import { RowKv } from './kv-cache.js';
import { extendStep, ParamView, scoredLogprobs, transformer, uploadParams } from './model.js';
import { chooseToken } from './sampling.js';

/** Sequences are processed in chunks of at most this many padded tokens, which bounds activation memory. */
const MAX_CHUNK_TOKENS = 8192;

/**
 * Sampling prefills prompts in chunks of about this many tokens (a chunk holds at least one prompt): the
 * intermediates of a chunk stay about 1 MB at d128 (a 4d-wide MLP row is 2 KB), instead of growing with the batch.
 */
const PREFILL_CHUNK_TOKENS = 512;

export interface SampleReply {
  outputs: SampleOutput[];
  /** Prompt tokens per prompt taken from its session's cache instead of read again. */
  reused: number[];
}

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
  /** Session KV caches, least recently used first; they belong to the weights of `sessionVersion`. */
  private readonly sessions = new Map<string, RowKv>();
  private sessionBytes = 0;
  private sessionVersion = -1;

  constructor(
    readonly config: ModelConfig,
    private readonly weights: Float32Array,
    readonly grads: Float32Array,
    /** Bytes of session caches this engine keeps; beyond it the least recently used sessions are dropped. */
    private readonly sessionBudget: number,
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
   * One forward pass for a gradient that depends on the log-probs: forward over all chunks, then
   * `exchange(logp)` (called once, synchronously, between forward and backward) gives ∂L/∂logp of this engine's
   * scored tokens, which is back-propagated through the same graph into `grads`; null skips the update. Every
   * chunk's activations stay alive until the backward pass, so callers bound the batch (ONE_PASS_MAX_TOKENS).
   */
  forwardBackwardFn(batch: readonly ScoredSequence[], version: number, exchange: (logp: Float32Array) => Float32Array | null): Float32Array[] {
    const params = this.paramsAt(version);
    const parts = chunks(batch.length, (i) => batch[i]!.tokens.length)
      .map(([a, b]) => pack(batch.slice(a, b)))
      .filter((c) => c.rows.length > 0);
    const n = parts.reduce((k, c) => k + c.rows.length, 0);
    const values = new Float32Array(n);
    if (n === 0) {
      exchange(values);
      return unpack(batch, values);
    }
    let dy: Float32Array | null = null;
    // The identity whose gradient is the first step of the backward pass: that is where the log-probs are
    // handed out and their ∂L/∂logp comes back.
    const handOff = tf.customGrad(((x: tf.Tensor) => ({
      value: tf.clone(x),
      gradFunc: () => {
        dy = exchange(values);
        return dy === null ? tf.zeros([n]) : tf.tensor1d(dy);
      },
    })) as unknown as (...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor) => tf.Tensor });
    tf.tidy(() => {
      const f = (...ps: tf.Tensor[]) => {
        const p = new ParamView(this.layout, ps);
        const each = parts.map(({ tokens, B, T, rows, targets }) => scoredLogprobs(p, transformer(this.config, p, tokens, B, T), rows, targets));
        const logp = each.length === 1 ? each[0]! : tf.concat(each);
        values.set(logp.dataSync() as Float32Array);
        return handOff(logp);
      };
      const { grads } = tf.valueAndGrads(f)(params);
      if (dy === null) return;
      this.layout.segments.forEach((seg, i) => {
        const g = grads[i]!.dataSync() as Float32Array;
        const acc = this.grads.subarray(seg.offset, seg.offset + seg.size);
        for (let k = 0; k < g.length; k++) acc[k] += g[k]!;
      });
    });
    return unpack(batch, values);
  }

  /**
   * Samples a continuation of each prompt with a KV cache. Prompt i draws from its own stream
   * `Rng(seed).fork("sample:" + indices[i])`, so results do not depend on how prompts are split over engines.
   * With `sessions[i]`, the row's cache is the session's: its longest common prefix with the prompt is not read
   * again, and the row is kept for the session's next call (until `endSessions`, eviction beyond the byte budget,
   * or a weights change). Prompts are prefilled in chunks of about PREFILL_CHUNK_TOKENS tokens, then all rows decode
   * together, one token per row per step; logits are computed only where a token is drawn.
   */
  sample(prompts: readonly Int32Array[], params: SampleParams, indices: readonly number[], sessions: readonly string[] | undefined, version: number): SampleReply {
    const weights = this.paramsAt(version);
    if (this.sessionVersion !== version) this.dropSessions(version);
    const { contextLength: C, nHeads: H, dModel: d, nLayers } = this.config;
    const temperature = params.temperature ?? 1;
    const topP = params.topP ?? 1;
    const stop = new Set(params.stopTokens ?? []);
    const base = new Rng(params.seed);
    const B = prompts.length;
    const rngs = indices.map((i) => base.fork(`sample:${i}`));
    const lens = prompts.map((p) => p.length);
    const generated: number[][] = prompts.map(() => []);
    const logprobs: number[][] = prompts.map(() => []);
    const finish: Array<'stop' | 'length' | null> = prompts.map(() => null);
    const p = new ParamView(this.layout, weights);
    const V = this.config.vocabSize;
    const keyOf = (b: number) => sessions?.[b] || undefined;
    // Each row's cache: its session's (taken out of the LRU map while in use), or a new one.
    const rows: RowKv[] = [];
    const reused: number[] = [];
    try {
      prompts.forEach((prompt, b) => {
        const key = keyOf(b);
        const kept = key === undefined ? undefined : this.sessions.get(key);
        if (kept !== undefined) {
          this.sessions.delete(key!);
          this.sessionBytes -= kept.bytes;
        }
        const row = kept ?? new RowKv(H, d / H, nLayers);
        rows.push(row);
        const limit = Math.min(row.tokens.length, prompt.length - 1);
        let m = 0;
        while (m < limit && row.tokens[m] === prompt[m]) m++;
        row.tokens.length = m;
        reused.push(m);
        row.reserve(Math.min(C, prompt.length + params.maxTokens));
      });
      // Prefill in chunks of consecutive rows, only the tokens past each row's reused prefix.
      const logits = new Float32Array(B * V);
      for (let a = 0; a < B; ) {
        let b = a;
        let n = 0;
        while (b < B && (b === a || n + lens[b]! - reused[b]! <= PREFILL_CHUNK_TOKENS)) n += lens[b]! - reused[b++]!;
        const tokens = new Int32Array(n);
        const positions = new Int32Array(n);
        const rowOf = new Int32Array(n);
        const last = new Int32Array(b - a);
        for (let r = a, j = 0; r < b; r++) {
          for (let t = reused[r]!; t < lens[r]!; t++, j++) {
            tokens[j] = prompts[r]![t]!;
            positions[j] = t;
            rowOf[j] = r - a;
          }
          last[r - a] = j - 1;
        }
        const chunkRows = rows.slice(a, b);
        const out = tf.tidy(() => extendStep(this.config, p, chunkRows, tokens, positions, rowOf, last));
        logits.set(out.dataSync() as Float32Array, a * V);
        out.dispose();
        for (let r = a; r < b; r++) rows[r]!.tokens.push(...prompts[r]!.subarray(reused[r]!));
        a = b;
      }
      let live = Array.from({ length: B }, (_, b) => b);
      let values: Float32Array = logits;
      for (let s = 0; ; s++) {
        const next: number[] = [];
        live.forEach((b, r) => {
          const choice = chooseToken(values.subarray(r * V, (r + 1) * V), temperature, topP, rngs[b]!);
          generated[b]!.push(choice.token);
          logprobs[b]!.push(choice.logprob);
          if (stop.has(choice.token)) finish[b] = 'stop';
          else if (s + 1 >= params.maxTokens || lens[b]! + s + 1 >= C) finish[b] = 'length';
          else next.push(b);
        });
        live = next;
        if (live.length === 0) break;
        // Every live row feeds its newest token at its own position.
        const tokens = Int32Array.from(live, (b) => generated[b]![s]!);
        const positions = Int32Array.from(live, (b) => lens[b]! + s);
        const rowOf = Int32Array.from(live, (_, r) => r);
        const liveRows = live.map((b) => rows[b]!);
        const out = tf.tidy(() => extendStep(this.config, p, liveRows, tokens, positions, rowOf, rowOf));
        values = out.dataSync() as Float32Array;
        out.dispose();
        live.forEach((b) => rows[b]!.tokens.push(generated[b]![s]!));
      }
    } catch (e) {
      for (const row of rows) row.dispose();
      throw e;
    }
    // Keep the session rows (each holds every token it was fed: all but its last sampled one), free the rest.
    rows.forEach((row, b) => {
      const key = keyOf(b);
      if (key === undefined) row.dispose();
      else this.keepSession(key, row);
    });
    return {
      outputs: prompts.map((_, b) => ({
        tokens: Int32Array.from(generated[b]!),
        logprobs: Float32Array.from(logprobs[b]!),
        finishReason: finish[b]!,
      })),
      reused,
    };
  }

  private keepSession(key: string, row: RowKv): void {
    this.endSessions([key]);
    this.sessions.set(key, row);
    this.sessionBytes += row.bytes;
    // Least recently used first (a Map iterates in insertion order).
    for (const [oldest, r] of this.sessions) {
      if (this.sessionBytes <= this.sessionBudget) break;
      this.sessions.delete(oldest);
      this.sessionBytes -= r.bytes;
      r.dispose();
    }
  }

  /** Frees the sessions' caches (unknown keys are ignored). */
  endSessions(keys: readonly string[]): void {
    for (const key of keys) {
      const row = this.sessions.get(key);
      if (row === undefined) continue;
      this.sessions.delete(key);
      this.sessionBytes -= row.bytes;
      row.dispose();
    }
  }

  /** Cached sessions and their bytes. */
  sessionCache(): { sessions: number; bytes: number } {
    return { sessions: this.sessions.size, bytes: this.sessionBytes };
  }

  private dropSessions(version: number): void {
    this.endSessions([...this.sessions.keys()]);
    this.sessionVersion = version;
  }

  dispose(): void {
    this.endSessions([...this.sessions.keys()]);
    this.params?.forEach((t) => t.dispose());
    this.params = null;
  }
}
