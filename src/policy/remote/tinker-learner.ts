/**
 * `TinkerLearner`: a `Learner` and `RolloutPolicy` on a Tinker-protocol training service (hosted Tinker, SkyRL's
 * open-source server, or `seeupo learner serve`). The model lives on the server as a LoRA adapter of `baseModel`;
 * this object holds a session (kept alive by heartbeats), the model id and the request numbering.
 *
 * Custom losses the Tinker way: the algorithm core computes ∂L/∂logp from log-probs of a `forward` pass, and a
 * `forward_backward` with a loss whose gradient is that vector applies it. How the server reduces the per-token
 * loss decides which loss that is (`normalisation`):
 *  - 'sum' (hosted Tinker): the loss is the sum over tokens and sequences, so `cross_entropy` with
 *    weights = −∂L/∂logp has exactly the gradient Σ ∂L/∂logp · ∇logp.
 *  - 'mean' (SkyRL's JAX back end): each sequence's loss is divided by the sum of its weights and the
 *    accumulated gradient by the number of sequences at `optim_step`. Signed weights cannot survive the first
 *    division (their sum can be 0 or negative), so the weights stay a 0/1 mask and the gradient rides on
 *    `importance_sampling`'s advantages: with `logprobs` equal to the forward pass's own log-probs the ratio is
 *    exp(0) = 1 and the gradient is −mask·advantage; advantages = −∂L/∂logp · (scored tokens) · (sequences in the
 *    step) undo both divisions. The number of sequences is known only at `optimStep`, so in this mode
 *    `forwardBackward` runs the forward pass and keeps the data; `optimStep` sends it, then steps.
 * On a server that computes log-probs differently in `forward` and `forward_backward` (batching, bf16), the ratio
 * is 1 only up to that difference; `seeupo learner serve` computes them identically, so there it is exact.
 */
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import type { RolloutPolicy, RolloutRequest } from '../../rollout/policy.js';
import { resolveOptimOptions } from '../adamw.js';
import type { Learner, ModelConfig, OptimStepOptions, OptimStepResult, SampleOutput, SampleParams, ScoredSequence } from '../learner.js';
import { parseModelConfig } from '../weights.js';
import type { BuiltinLoss } from './builtin-loss.js';
import { TinkerError, TinkerHttp, type RetryOptions } from './tinker-http.js';
import { parseTinkerPath, scoredLogprobs, tensorValues, toDatum, type AdamParams, type Datum, type GeneratedSequence } from './tinker-wire.js';

export type LossNormalisation = 'sum' | 'mean';

export interface TinkerLearnerOptions {
  /** The service, e.g. http://127.0.0.1:8000 for `seeupo learner serve` or a SkyRL server. */
  baseUrl: string;
  /** The server's name of the base model (e.g. "Qwen/Qwen3-8B"; `seeupo learner serve` prints its own). */
  baseModel: string;
  /** LoRA rank of the adapter the server trains. */
  loraRank: number;
  /** Seed of the adapter's initialisation (the server picks one when absent). */
  loraSeed?: number;
  /**
   * The model's shape as the trainer sees it: token ids must be below vocabSize and sequences at most
   * contextLength long (checked here, before anything is sent); the other fields are informational.
   */
  config: ModelConfig;
  /** How the server reduces the loss (see the module comment). Default 'sum' (hosted Tinker). */
  normalisation?: LossNormalisation;
  /** Default: the TINKER_API_KEY environment variable; sent as X-API-Key, never logged. */
  apiKey?: string;
  retry?: RetryOptions;
  /** Per HTTP request, long polls included (default 120 s). */
  requestTimeoutMs?: number;
  /** Longest wait for one result (default 1 h). */
  futureTimeoutMs?: number;
  /**
   * Resend a training request when its connection failed after the request may have reached the server (default
   * true). Safe where the server deduplicates `seq_id` (`seeupo learner serve`; the Tinker SDK resends the same way).
   * SkyRL's server ignores `seq_id`: set false there, and such a failure of a forward_backward, optim_step or
   * load_weights stops the run with a clear error instead of risking a gradient or a step applied twice (forward
   * passes and saves are still resent: twice is harmless).
   */
  resendUnconfirmed?: boolean;
  /** Session heartbeat period (default 10 s, as the Tinker SDK); 0 turns heartbeats off. */
  heartbeatMs?: number;
  /** Called with a line when heartbeats have failed for longer than 2 minutes (default: stderr). */
  warn?: (line: string) => void;
}

const SDK_VERSION = 'seeupo-0.1.0';

/** Opens a session and creates the model on the server; the returned learner owns both until `dispose`. */
export async function createTinkerLearner(opts: TinkerLearnerOptions): Promise<TinkerLearner> {
  const config = parseModelConfig(opts.config, 'tinker learner config');
  const normalisation = opts.normalisation ?? 'sum';
  if (normalisation !== 'sum' && normalisation !== 'mean') throw new UserError(`tinker learner: normalisation must be 'sum' or 'mean', got '${String(normalisation)}'`);
  if (!Number.isInteger(opts.loraRank) || opts.loraRank < 1) throw new UserError(`tinker learner: loraRank must be an integer >= 1, got ${opts.loraRank}`);
  let url: URL | null = null;
  try {
    url = new URL(opts.baseUrl);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new UserError(`tinker learner: baseUrl must be an http(s) URL, got '${opts.baseUrl}'`);
  const heartbeatMs = opts.heartbeatMs ?? 10_000;
  if (!Number.isFinite(heartbeatMs) || heartbeatMs < 0) throw new UserError(`tinker learner: heartbeatMs must be >= 0, got ${heartbeatMs}`);
  const apiKey = opts.apiKey ?? process.env.TINKER_API_KEY;
  const httpOpts = {
    baseUrl: opts.baseUrl,
    ...(apiKey ? { apiKey } : {}),
    ...(opts.retry ? { retry: opts.retry } : {}),
    ...(opts.requestTimeoutMs !== undefined ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
    ...(opts.futureTimeoutMs !== undefined ? { futureTimeoutMs: opts.futureTimeoutMs } : {}),
  };
  const http = new TinkerHttp(httpOpts);
  const warn = opts.warn ?? defaultWarn;
  let heartbeat: SessionHeartbeat | null = null;
  try {
    const session = (await http.post('api/v1/create_session', { tags: [], user_metadata: {}, sdk_version: SDK_VERSION, type: 'create_session' }, 'create_session')) as {
      session_id?: unknown;
    };
    if (typeof session?.session_id !== 'string') throw new TinkerError('tinker create_session: the server answered without a session_id');
    heartbeat = new SessionHeartbeat(http, session.session_id, heartbeatMs, warn);
    const lora: Record<string, number> = { rank: opts.loraRank };
    if (opts.loraSeed !== undefined) lora.seed = opts.loraSeed;
    const created = (await http.call(
      'api/v1/create_model',
      { session_id: session.session_id, model_seq_id: 0, base_model: opts.baseModel, lora_config: lora, type: 'create_model' },
      `create_model (${opts.baseModel})`,
    )) as { model_id?: unknown };
    if (typeof created?.model_id !== 'string') throw new TinkerError('tinker create_model: the result has no model_id');
    return new TinkerLearner(config, http, heartbeat, session.session_id, created.model_id, opts.baseModel, normalisation, opts.resendUnconfirmed ?? true, warn);
  } catch (e) {
    heartbeat?.stop();
    http.close();
    throw e;
  }
}

/**
 * Session heartbeats, from right after create_session (creating a model can take minutes on a real service).
 * A failed heartbeat is retried at the next period; after 2 minutes of failures one warning is written.
 */
class SessionHeartbeat {
  private readonly timer: NodeJS.Timeout | null;
  private lastOk = Date.now();
  private warned = false;

  constructor(
    private readonly http: TinkerHttp,
    private readonly sessionId: string,
    periodMs: number,
    private readonly warn: (line: string) => void,
  ) {
    this.timer = periodMs > 0 ? setInterval(() => void this.beat(), periodMs) : null;
    this.timer?.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async beat(): Promise<void> {
    try {
      // One attempt per period: the next period is the retry.
      await this.http.post('api/v1/session_heartbeat', { session_id: this.sessionId, type: 'session_heartbeat' }, 'session_heartbeat', true, 1);
      this.lastOk = Date.now();
      this.warned = false;
    } catch (e) {
      if (!this.warned && Date.now() - this.lastOk > 120_000) {
        this.warned = true;
        this.warn(`seeupo: tinker session ${this.sessionId}: heartbeats have failed for over 2 minutes (${(e as Error).message}); the server may end the session`);
      }
    }
  }
}

/** A forward-backward kept for `optimStep` in 'mean' mode: its sequences, ∂L/∂logp and forward log-probs. */
interface PendingGradient {
  batch: readonly ScoredSequence[];
  dLdLogp: readonly Float32Array[];
  logprobs: Float32Array[];
}

/** What `save` writes locally: where the server keeps the weights. */
interface TinkerCheckpointRecord {
  format: 'seeupo-tinker-checkpoint-v1';
  baseModel: string;
  modelId: string;
  path: string;
}

const RECORD_FILE = 'tinker-checkpoint.json';

/** asample requests in flight at once. */
const MAX_SAMPLES_IN_FLIGHT = 64;

/** Requests that change the model when applied twice (a forward pass or a save does not). */
const CHANGES_STATE = new Set(['forward_backward', 'optim_step', 'load_weights']);

export class TinkerLearner implements Learner, RolloutPolicy {
  /** Training requests are numbered 1, 2, … per model; a retried request keeps its number. */
  private seqId = 0;
  /** Training requests run one after another, in `seq_id` order. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Bumped whenever the weights change, so sampling knows when to publish new sampler weights. */
  private weightsVersion = 0;
  private sampler: { version: number; path: string } | null = null;
  private pending: PendingGradient[] = [];
  /** The last forward pass, reused by a 'mean'-mode forwardBackward of the same batch at the same weights. */
  private lastForward: { version: number; batch: readonly ScoredSequence[]; logprobs: Float32Array[] } | null = null;
  private disposed = false;

  constructor(
    readonly config: ModelConfig,
    private readonly http: TinkerHttp,
    private readonly heartbeat: SessionHeartbeat,
    readonly sessionId: string,
    readonly modelId: string,
    readonly baseModel: string,
    readonly normalisation: LossNormalisation,
    private readonly resendUnconfirmed: boolean,
    private readonly warn: (line: string) => void,
  ) {}

  async logprobs(batch: readonly ScoredSequence[]): Promise<Float32Array[]> {
    this.check(batch);
    return this.scoredOnly(batch, [], (b) => this.forward(b));
  }

  async forwardBackward(batch: readonly ScoredSequence[], dLdLogp: readonly Float32Array[]): Promise<Float32Array[]> {
    this.check(batch);
    if (dLdLogp.length !== batch.length) throw new UserError(`forwardBackward: ${batch.length} sequences but ${dLdLogp.length} gradient arrays`);
    batch.forEach((s, i) => {
      const n = s.tokens.length - s.responseStart;
      if (dLdLogp[i]!.length !== n) throw new UserError(`forwardBackward: sequence ${i} scores ${n} tokens but its gradient has ${dLdLogp[i]!.length}`);
    });
    return this.scoredOnly(batch, [dLdLogp], (b, [g]) => this.forwardBackwardScored(b, g!));
  }

  private async forwardBackwardScored(batch: readonly ScoredSequence[], dLdLogp: readonly Float32Array[]): Promise<Float32Array[]> {
    if (this.normalisation === 'mean') {
      // LearnerPort asks for the log-probs of this very batch just before: no need for a second forward pass.
      const last = this.lastForward;
      const logprobs = last && last.version === this.weightsVersion && sameBatch(last.batch, batch) ? last.logprobs.map((a) => a.slice()) : await this.forward(batch);
      this.pending.push({
        batch: batch.map((x) => ({ tokens: x.tokens.slice(), responseStart: x.responseStart })),
        dLdLogp: dLdLogp.map((g) => g.slice()),
        logprobs: logprobs.map((a) => a.slice()),
      });
      return logprobs;
    }
    const data = batch.map((s, i) => toDatum(s, { weights: dLdLogp[i]!.map((g) => -g) }));
    const out = await this.training('forward_backward', (seq_id) => ({
      model_id: this.modelId,
      seq_id,
      forward_backward_input: { data, loss_fn: 'cross_entropy' },
    }));
    return outputsOf(out, batch, 'forward_backward');
  }

  /**
   * Forward-backward with the server's own loss (builtin-loss.ts says when it equals the configured one): one pass
   * instead of the custom route's two. `advantages` per scored token already carry the aggregation coefficients;
   * `logprobs` are the old (sampling) log-probs. Returns the forward log-probs. Needs normalisation 'sum'.
   */
  async forwardBackwardBuiltin(
    batch: readonly ScoredSequence[],
    loss: BuiltinLoss,
    inputs: { advantages: readonly Float32Array[]; logprobs: readonly Float32Array[] },
  ): Promise<Float32Array[]> {
    this.check(batch);
    if (this.normalisation !== 'sum') throw new UserError("tinker learner: built-in losses need normalisation 'sum' (the server's mean would rescale them per sequence)");
    for (const [name, arrays] of [['advantages', inputs.advantages], ['logprobs', inputs.logprobs]] as const) {
      if (arrays.length !== batch.length) throw new UserError(`forwardBackwardBuiltin: ${batch.length} sequences but ${arrays.length} ${name} arrays`);
      batch.forEach((s, i) => {
        if (arrays[i]!.length !== s.tokens.length - s.responseStart) throw new UserError(`forwardBackwardBuiltin: sequence ${i} scores ${s.tokens.length - s.responseStart} tokens but has ${arrays[i]!.length} ${name}`);
      });
    }
    const loss_fn_config = loss.lossFn === 'ppo' ? { clip_low_threshold: loss.clipLowThreshold, clip_high_threshold: loss.clipHighThreshold } : null;
    return this.scoredOnly(batch, [inputs.advantages, inputs.logprobs], async (b, [advantages, logprobs]) => {
      const data = b.map((s, i) => toDatum(s, { weights: new Float32Array(s.tokens.length - s.responseStart).fill(1), advantages: advantages![i]!, logprobs: logprobs![i]! }));
      const out = await this.training('forward_backward', (seq_id) => ({
        model_id: this.modelId,
        seq_id,
        forward_backward_input: { data, loss_fn: loss.lossFn, ...(loss_fn_config ? { loss_fn_config } : {}) },
      }));
      return outputsOf(out, b, 'forward_backward');
    });
  }

  /**
   * Runs `run` on the sequences that score at least one token (a datum needs one position to predict); the others
   * get empty results without a request. `arrays` are per-sequence inputs, filtered alike.
   */
  private async scoredOnly(
    batch: readonly ScoredSequence[],
    arrays: ReadonlyArray<readonly Float32Array[]>,
    run: (batch: readonly ScoredSequence[], arrays: Array<readonly Float32Array[]>) => Promise<Float32Array[]>,
  ): Promise<Float32Array[]> {
    const keep = batch.flatMap((s, i) => (s.tokens.length > s.responseStart ? [i] : []));
    if (keep.length === batch.length) return batch.length === 0 ? [] : run(batch, [...arrays]);
    const out: Float32Array[] = batch.map(() => new Float32Array(0));
    if (keep.length === 0) return out;
    const got = await run(
      keep.map((i) => batch[i]!),
      arrays.map((a) => keep.map((i) => a[i]!)),
    );
    keep.forEach((i, k) => (out[i] = got[k]!));
    return out;
  }

  async optimStep(opts: OptimStepOptions): Promise<OptimStepResult> {
    const h = resolveOptimOptions(opts);
    if (this.pending.length > 0) await this.flushPending();
    const adam_params: AdamParams = {
      learning_rate: h.lr,
      beta1: h.beta1,
      beta2: h.beta2,
      eps: h.eps,
      weight_decay: h.weightDecay,
      grad_clip_norm: h.maxGradNorm ?? 0,
    };
    const out = (await this.training('optim_step', (seq_id) => ({ model_id: this.modelId, seq_id, adam_params }))) as { metrics?: Record<string, unknown> | null };
    this.weightsVersion++;
    const m = out?.metrics ?? {};
    // Hosted Tinker and SkyRL report no gradient norm; `seeupo learner serve` reports its back end's.
    const gradNorm = typeof m.grad_norm === 'number' ? m.grad_norm : NaN;
    return { gradNorm, skipped: m.step_skipped === 1 };
  }

  /**
   * `Learner.sample` (prompts) and `RolloutPolicy.sample` (requests) in one: one `asample` per prompt, from sampler
   * weights published after the last change of the weights. The server keeps no per-episode cache, so a request's
   * `session` is not used.
   */
  async sample(items: readonly Int32Array[] | readonly RolloutRequest[], params: SampleParams): Promise<SampleOutput[]> {
    const prompts = (items as ReadonlyArray<Int32Array | RolloutRequest>).map((x) => (x instanceof Int32Array ? x : x.prompt));
    const { maxTokens, seed } = params;
    if (!Number.isInteger(maxTokens) || maxTokens < 0) throw new UserError(`sample: maxTokens must be an integer >= 0, got ${maxTokens}`);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new UserError(`sample: seed must be an integer in [0, 2^32), got ${seed}`);
    prompts.forEach((p, i) => this.checkTokens(p, `prompt ${i}`, this.config.contextLength));
    if (prompts.length === 0) return [];
    if (maxTokens === 0) return prompts.map(() => ({ tokens: new Int32Array(0), logprobs: new Float32Array(0), finishReason: 'length' as const }));
    const modelPath = await this.samplerPath();
    const base = new Rng(seed);
    // One asample per prompt, up to MAX_SAMPLES_IN_FLIGHT at once; prompt i's seed is fixed by (seed, i), so
    // results do not depend on the order the server runs them in.
    return inBatches(
      prompts.map((prompt, i) => async () => {
        const body = {
          model_path: modelPath,
          prompt: { chunks: [{ type: 'encoded_text', tokens: Array.from(prompt) }] },
          num_samples: 1,
          sampling_params: {
            max_tokens: maxTokens,
            seed: base.fork(`sample:${i}`).nextUint32() >>> 1,
            stop: [...(params.stopTokens ?? [])],
            temperature: params.temperature ?? 1,
            top_p: params.topP ?? 1,
            top_k: -1,
          },
          type: 'sample',
        };
        const out = (await this.http.call('api/v1/asample', body, `asample (prompt ${i})`)) as { sequences?: GeneratedSequence[] };
        const s = out?.sequences?.[0];
        if (!s) throw new TinkerError(`tinker asample (prompt ${i}): the result has no sequence`);
        const tokens = Int32Array.from(tensorValues(s.tokens, 'asample tokens'));
        const logprobs = Float32Array.from(tensorValues(s.logprobs, 'asample logprobs'));
        if (logprobs.length !== tokens.length) throw new TinkerError(`tinker asample (prompt ${i}): ${tokens.length} tokens but ${logprobs.length} log-probs`);
        return { tokens, logprobs, finishReason: s.stop_reason === 'stop' ? ('stop' as const) : ('length' as const) };
      }),
      MAX_SAMPLES_IN_FLIGHT,
    );
  }

  /**
   * Saves weights and optimizer state on the server (`save_weights`) and writes `tinker-checkpoint.json` in `dir`
   * naming them, so `load(dir)` — in this or a later learner on the same server — restores them.
   */
  async save(dir: string): Promise<void> {
    const name = `ckpt-${Date.now().toString(36)}-${this.seqId + 1}`;
    const out = (await this.training('save_weights', (seq_id) => ({ model_id: this.modelId, seq_id, path: name, type: 'save_weights' }))) as { path?: unknown };
    const path = typeof out?.path === 'string' && out.path.startsWith('tinker://') ? out.path : `tinker://${this.modelId}/weights/${name}`;
    const record: TinkerCheckpointRecord = { format: 'seeupo-tinker-checkpoint-v1', baseModel: this.baseModel, modelId: this.modelId, path };
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
  }

  /** Weights and optimizer state of a checkpoint `save` wrote (Tinker's load_state_with_optimizer). */
  async load(dir: string): Promise<void> {
    await this.loadRecord(dir, true);
  }

  /**
   * The weights of a checkpoint `save` wrote, with a fresh optimizer (zero moments, step 0): Tinker's load_state,
   * e.g. to start RL from the best SFT weights without SFT's second moments.
   */
  async loadWeights(dir: string): Promise<void> {
    await this.loadRecord(dir, false);
  }

  private async loadRecord(dir: string, optimizer: boolean): Promise<void> {
    const file = join(dir, RECORD_FILE);
    let record: TinkerCheckpointRecord;
    try {
      record = JSON.parse(await readFile(file, 'utf8')) as TinkerCheckpointRecord;
    } catch (e) {
      throw new UserError(`tinker learner: cannot read ${file}: ${(e as Error).message}`);
    }
    if (record.format !== 'seeupo-tinker-checkpoint-v1' || typeof record.path !== 'string' || !parseTinkerPath(record.path)) {
      throw new UserError(`tinker learner: ${file} is not a Tinker checkpoint record`);
    }
    if (record.baseModel !== this.baseModel) throw new UserError(`tinker learner: ${file} is a checkpoint of '${record.baseModel}', this learner trains '${this.baseModel}'`);
    if (this.pending.length > 0) throw new Error('tinker learner: load with gradients waiting for optimStep (normalisation "mean")');
    await this.training('load_weights', (seq_id) => ({ model_id: this.modelId, seq_id, path: record.path, optimizer, type: 'load_weights' }));
    this.weightsVersion++;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.heartbeat.stop();
    // Best effort: dispose runs in `finally` blocks, where throwing would hide the error that got there.
    await this.queue.catch(() => {});
    await this.http.call('api/v1/unload_model', { model_id: this.modelId, type: 'unload_model' }, 'unload_model').catch((e: unknown) => {
      // A 404: the model is gone already (server restarted, session reaped), nothing to free.
      if (!(e instanceof TinkerError && e.status === 404)) this.warn(`seeupo: ${(e as Error).message}; the server frees the model when the session ends`);
    });
    this.http.close();
  }

  /** Log-probs of each sequence's scored tokens from a `forward` pass (no gradients). */
  private async forward(batch: readonly ScoredSequence[]): Promise<Float32Array[]> {
    const data = batch.map((s) => toDatum(s, { weights: new Float32Array(s.tokens.length - s.responseStart).fill(1) }));
    const version = this.weightsVersion;
    const out = await this.training('forward', (seq_id) => ({ model_id: this.modelId, seq_id, forward_input: { data, loss_fn: 'cross_entropy' } }));
    const logprobs = outputsOf(out, batch, 'forward');
    this.lastForward = {
      version,
      batch: batch.map((x) => ({ tokens: x.tokens.slice(), responseStart: x.responseStart })),
      logprobs: logprobs.map((a) => a.slice()),
    };
    return logprobs;
  }

  /** 'mean' mode: the kept forward-backwards, as importance_sampling data scaled to undo the server's means. */
  private async flushPending(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    const sequences = pending.reduce((a, p) => a + p.batch.length, 0);
    for (const p of pending) {
      const data: Datum[] = p.batch.map((s, i) => {
        const scored = s.tokens.length - s.responseStart;
        // Exact in float64: a float32 times an integer below 2^29 keeps all its bits, and the server's two
        // divisions give the float32 back.
        const advantages = Array.from(p.dLdLogp[i]!, (g) => -g * scored * sequences);
        return toDatum(s, { weights: new Float32Array(scored).fill(1), advantages, logprobs: p.logprobs[i]! });
      });
      await this.training('forward_backward', (seq_id) => ({
        model_id: this.modelId,
        seq_id,
        forward_backward_input: { data, loss_fn: 'importance_sampling' },
      }));
    }
  }

  /** Weights the sampler can read: published (save_weights_for_sampler) once per weights version. */
  private async samplerPath(): Promise<string> {
    const version = this.weightsVersion;
    if (this.sampler?.version === version) return this.sampler.path;
    const name = `sampler-${version}-${this.seqId + 1}`;
    const out = (await this.training('save_weights_for_sampler', (seq_id) => ({
      model_id: this.modelId,
      seq_id,
      path: name,
      type: 'save_weights_for_sampler',
    }))) as { path?: unknown };
    const path = typeof out?.path === 'string' && out.path.startsWith('tinker://') ? out.path : `tinker://${this.modelId}/sampler_weights/${name}`;
    this.sampler = { version, path };
    return path;
  }

  /** One training-client request, numbered and run after the previous ones. */
  private training(op: string, body: (seqId: number) => unknown): Promise<unknown> {
    if (this.disposed) return Promise.reject(new Error(`tinker ${op}: the learner was disposed`));
    const run = async () => {
      const seqId = ++this.seqId;
      const resend = this.resendUnconfirmed || !CHANGES_STATE.has(op);
      return this.http.call(`api/v1/${op}`, body(seqId), `${op} (model ${this.modelId}, seq_id ${seqId})`, resend);
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => {});
    return result;
  }

  private check(batch: readonly ScoredSequence[]): void {
    batch.forEach((s, i) => {
      this.checkTokens(s.tokens, `sequence ${i}`, this.config.contextLength);
      if (!Number.isInteger(s.responseStart) || s.responseStart < 1 || s.responseStart > s.tokens.length) {
        throw new UserError(`sequence ${i}: responseStart ${s.responseStart} must be in [1, ${s.tokens.length}] (token 0 is never predicted)`);
      }
    });
  }

  private checkTokens(tokens: Int32Array, what: string, maxLength: number): void {
    if (tokens.length === 0) throw new UserError(`${what} is empty`);
    if (tokens.length > maxLength) throw new UserError(`${what} has ${tokens.length} tokens, more than the context length ${maxLength}`);
    for (const t of tokens) if (t < 0 || t >= this.config.vocabSize) throw new UserError(`${what}: token ${t} is outside the vocabulary [0, ${this.config.vocabSize})`);
  }
}

function outputsOf(out: unknown, batch: readonly ScoredSequence[], op: string): Float32Array[] {
  const outputs = (out as { loss_fn_outputs?: unknown[] } | null)?.loss_fn_outputs;
  if (!Array.isArray(outputs) || outputs.length !== batch.length) {
    throw new TinkerError(`tinker ${op}: expected ${batch.length} loss_fn_outputs, got ${Array.isArray(outputs) ? outputs.length : 'none'}`);
  }
  return batch.map((s, i) => scoredLogprobs(s, outputs[i], `${op} output ${i}`));
}

/** Runs the tasks with at most `limit` in flight; results in task order. */
async function inBatches<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const out = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return out;
}

function sameBatch(a: readonly ScoredSequence[], b: readonly ScoredSequence[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.responseStart !== y.responseStart || x.tokens.length !== y.tokens.length) return false;
    for (let t = 0; t < x.tokens.length; t++) if (x.tokens[t] !== y.tokens[t]) return false;
  }
  return true;
}

function defaultWarn(line: string): void {
  process.stderr.write(`${line}\n`);
}
