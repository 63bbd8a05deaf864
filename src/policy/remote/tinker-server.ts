/**
 * A Tinker-protocol server over our local learners (`seeupo learner serve`): the client in tinker-learner.ts is
 * tested end to end against it, and several processes can share one learner through it. It follows SkyRL's
 * server where a client can tell: every training call answers a future (`{request_id}`) that
 * `retrieve_future` long-polls, with 408 when the poll runs out; errors are 4xx with a `detail`; a failed future
 * answers 400. Beyond SkyRL it deduplicates training requests on (model, `seq_id`), so a request retried after a
 * lost answer is applied once, and it ends sessions whose heartbeats stop.
 *
 * What differs from a real service, on purpose:
 *  - "LoRA" is a full fine-tune: each `create_model` gets a fresh local learner initialised like the base model
 *    (the rank is recorded, not applied; the LoRA seed is ignored).
 *  - Scoring starts at the response: a datum's scored region begins at the first chunk boundary of its
 *    `model_input` (the client sends context and response as two chunks), or earlier at the first non-zero
 *    weight; `logprobs` outputs read 0 before it. Our back ends compute logits only for scored rows, so this is
 *    what makes a run through the server bit-identical to the same run on the learner itself.
 *  - `target_tokens` must be the input shifted by one (the learners score a sequence's own tokens).
 * Loss reduction (`normalisation`): 'sum' as hosted Tinker, or 'mean' as SkyRL's JAX back end (per sequence by
 * the sum of its weights, then by the number of sequences accumulated when `optim_step` runs; the gradients are
 * applied then, when that number is known).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Rng } from '../../core/rng.js';
import { emptyOptimizerState, readCheckpoint, writeCheckpoint } from '../checkpoint.js';
import type { Learner, OptimStepOptions, ScoredSequence } from '../learner.js';
import { CHECKPOINT_NAME, floatTensor, LOSS_FNS, parseTinkerPath, type LossFn } from './tinker-wire.js';
import type { LossNormalisation } from './tinker-learner.js';

export interface TinkerServerOptions {
  /** A fresh learner at the base model's weights (one per created model, and one per sampler). */
  createLearner: () => Promise<Learner>;
  /** The name clients pass as `base_model`. */
  baseModel: string;
  /** Where save_weights and save_weights_for_sampler write checkpoints; they survive a restart. */
  checkpointDir: string;
  normalisation: LossNormalisation;
  /** retrieve_future waits this long for a result before answering 408 (SkyRL: 300 s). */
  longPollMs: number;
  /** Sessions without a heartbeat for this long are ended and their models freed; 0 never ends them. */
  sessionTimeoutMs: number;
  /** When set, every request must carry it in X-API-Key (401 otherwise). */
  apiKey?: string;
  /** Test hook: called for each request after its body is read; may drop the connection or answer a status. */
  fault?: (route: string, body: unknown) => FaultAction | undefined;
}

/**
 * drop: close the connection without acting; drop-after: act, then close without answering; status: answer it
 * without acting; hang: never answer (until the client gives up or the server closes).
 */
export type FaultAction = { kind: 'drop' } | { kind: 'drop-after' } | { kind: 'status'; status: number } | { kind: 'hang' };

/** Operations applied to learners so far, by name (what the fault tests count). */
export type AppliedCounts = Record<string, number>;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

interface Future {
  state: 'pending' | 'done' | 'failed';
  result?: unknown;
  error?: string;
  waiters: Array<() => void>;
}

interface PendingGradient {
  seqs: ScoredSequence[];
  /** ∂L/∂logp per scored token, already divided by the sequence's weight sum. */
  grads: Float64Array[];
}

interface ModelState {
  id: string;
  sessionId: string;
  loraConfig: { rank: unknown; seed?: unknown };
  learner: Learner;
  /** Operations on this model run one at a time, in arrival order. */
  chain: Promise<unknown>;
  /** seq_id → (operation, future) of every numbered request, for deduplication. */
  seen: Map<number, { op: string; requestId: string }>;
  pending: PendingGradient[];
  pendingSequences: number;
  sampler: { name: string; learner: Learner } | null;
}

interface ParsedDatum {
  seq: ScoredSequence;
  /** Per input position (length − 1 entries). */
  weights: number[];
  advantages: number[];
  logprobs: number[];
}

export interface TinkerServer {
  readonly url: string;
  readonly port: number;
  /** Operations applied to learners, by name. */
  applied(): AppliedCounts;
  close(): Promise<void>;
}

const JSON_LIMIT = 256 * 1024 * 1024;
const FUTURE_RETENTION_MS = 30 * 60 * 1000;

export async function startTinkerServer(opts: TinkerServerOptions, host = '127.0.0.1', port = 0): Promise<TinkerServer> {
  const app = new TinkerApp(opts);
  await mkdir(opts.checkpointDir, { recursive: true });
  const server = http.createServer((req, res) => void app.handle(req, res));
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shownHost}:${addr.port}`,
    port: addr.port,
    applied: () => ({ ...app.appliedCounts }),
    close: async () => {
      app.stop();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
      await app.disposeAll();
    },
  };
}

class TinkerApp {
  private readonly sessions = new Map<string, { lastSeen: number }>();
  private readonly models = new Map<string, ModelState>();
  private readonly futures = new Map<string, Future>();
  private readonly samplingSessions = new Map<string, string>();
  /** Future ids are unique across restarts, so a client never reads another server life's result. */
  private readonly instance = randomUUID().slice(0, 8);
  private nextRequest = 1;
  private baseSampler: Promise<Learner> | null = null;
  private readonly seeds = new Rng(0);
  private readonly reaper: NodeJS.Timeout | null;
  readonly appliedCounts: AppliedCounts = {};

  constructor(private readonly opts: TinkerServerOptions) {
    this.reaper = opts.sessionTimeoutMs > 0 ? setInterval(() => void this.reap(), Math.max(10, opts.sessionTimeoutMs / 4)) : null;
    this.reaper?.unref();
  }

  stop(): void {
    if (this.reaper) clearInterval(this.reaper);
    for (const f of this.futures.values()) for (const w of f.waiters.splice(0)) w();
  }

  async disposeAll(): Promise<void> {
    for (const m of [...this.models.values()]) await this.dropModel(m);
    if (this.baseSampler) await (await this.baseSampler.catch(() => null))?.dispose();
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const route = (req.url ?? '').split('?')[0]!.replace(/^\/api\/v1\//, '');
    try {
      if (this.opts.apiKey !== undefined && req.headers['x-api-key'] !== this.opts.apiKey) throw new HttpError(401, 'Invalid or missing API key');
      const body = req.method === 'POST' ? await readJson(req) : {};
      const fault = this.opts.fault?.(route, body);
      if (fault?.kind === 'drop') return void req.socket.destroy();
      if (fault?.kind === 'hang') return;
      if (fault?.kind === 'status') throw new HttpError(fault.status, `injected ${fault.status}`);
      const answer = await this.route(req.method ?? 'GET', route, body as Record<string, unknown>);
      if (fault?.kind === 'drop-after') return void req.socket.destroy();
      send(res, 200, answer);
    } catch (e) {
      if (e instanceof HttpError) send(res, e.status, { detail: e.detail });
      else send(res, 500, { detail: `internal error: ${(e as Error).message}` });
    }
  }

  private route(method: string, route: string, b: Record<string, unknown>): Promise<unknown> | unknown {
    if (method === 'GET') {
      if (route === 'healthz') return { status: 'ok' };
      if (route === 'get_server_capabilities') return { supported_models: [{ model_name: this.opts.baseModel }] };
      throw new HttpError(404, 'Not Found');
    }
    switch (route) {
      case 'create_session':
        return this.createSession();
      case 'session_heartbeat':
        return this.heartbeat(b);
      case 'create_model':
        return this.createModel(b);
      case 'get_info':
        return this.getInfo(b);
      case 'unload_model':
        return this.unloadModel(b);
      case 'forward':
      case 'forward_backward':
      case 'optim_step':
      case 'save_weights':
      case 'load_weights':
      case 'save_weights_for_sampler':
        return this.training(route, b);
      case 'asample':
        return this.asample(b);
      case 'retrieve_future':
        return this.retrieve(b);
      case 'telemetry':
        return { status: 'accepted' };
      default:
        throw new HttpError(404, 'Not Found');
    }
  }

  // ---- sessions and models ----

  private createSession(): unknown {
    const id = `session_${randomUUID().slice(0, 8)}`;
    this.sessions.set(id, { lastSeen: Date.now() });
    return { type: 'create_session', session_id: id, info_message: null, warning_message: null, error_message: null };
  }

  private heartbeat(b: Record<string, unknown>): unknown {
    const s = this.sessions.get(str(b.session_id, 'session_id'));
    if (!s) throw new HttpError(404, 'Session not found');
    s.lastSeen = Date.now();
    return { type: 'session_heartbeat' };
  }

  private async reap(): Promise<void> {
    const now = Date.now();
    for (const [id, s] of this.sessions) {
      if (now - s.lastSeen <= this.opts.sessionTimeoutMs) continue;
      this.sessions.delete(id);
      for (const m of [...this.models.values()]) if (m.sessionId === id) await this.dropModel(m);
    }
  }

  private createModel(b: Record<string, unknown>): unknown {
    const sessionId = str(b.session_id, 'session_id');
    if (!this.sessions.has(sessionId)) throw new HttpError(404, 'Session not found');
    const baseModel = str(b.base_model, 'base_model');
    if (baseModel !== this.opts.baseModel) throw new HttpError(400, `base_model '${baseModel}' is not served here; this server serves '${this.opts.baseModel}'`);
    const lora = (b.lora_config ?? {}) as Record<string, unknown>;
    const rank = lora.rank;
    if (!Number.isInteger(rank) || (rank as number) < 1) throw new HttpError(400, 'lora_config.rank must be an integer >= 1');
    // Recorded and reported (get_info), not applied: every model starts from the base weights.
    const loraConfig = Number.isInteger(lora.seed) ? { rank, seed: lora.seed } : { rank };
    const id = `model_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const requestId = this.future(async () => {
      const learner = await this.opts.createLearner();
      this.models.set(id, { id, sessionId, loraConfig, learner, chain: Promise.resolve(), seen: new Map(), pending: [], pendingSequences: 0, sampler: null });
      return { model_id: id, base_model: baseModel, lora_config: loraConfig };
    });
    return { model_id: id, base_model: baseModel, lora_config: loraConfig, status: 'created', request_id: requestId };
  }

  private getInfo(b: Record<string, unknown>): unknown {
    const m = this.model(b);
    return { model_id: m.id, status: 'ready', model_data: { base_model: this.opts.baseModel, lora_config: m.loraConfig, model_name: this.opts.baseModel } };
  }

  private unloadModel(b: Record<string, unknown>): unknown {
    const m = this.model(b);
    const requestId = this.onModel(m, async () => {
      await this.dropModel(m, false);
      return { model_id: m.id, status: 'unloaded', type: 'unload_model' };
    });
    return { request_id: requestId, model_id: m.id };
  }

  /** `waitForWork` false when called from the model's own chain (the unload itself), which would wait on itself. */
  private async dropModel(m: ModelState, waitForWork = true): Promise<void> {
    if (this.models.get(m.id) !== m) return;
    this.models.delete(m.id);
    if (waitForWork) await m.chain.catch(() => {});
    await m.learner.dispose();
    await m.sampler?.learner.dispose();
  }

  private model(b: Record<string, unknown>): ModelState {
    const m = this.models.get(str(b.model_id, 'model_id'));
    if (!m) throw new HttpError(404, 'Model not found');
    return m;
  }

  // ---- training ----

  private training(op: string, b: Record<string, unknown>): unknown {
    const m = this.model(b);
    const seqId = b.seq_id;
    if (seqId !== undefined && seqId !== null) {
      if (!Number.isInteger(seqId)) throw new HttpError(400, 'seq_id must be an integer');
      const seen = m.seen.get(seqId as number);
      if (seen) {
        if (seen.op !== op) throw new HttpError(400, `seq_id ${String(seqId)} was already used for ${seen.op}`);
        return { future_id: seen.requestId, status: 'pending', request_id: seen.requestId };
      }
    }
    const work = this.trainingWork(op, m, b);
    const requestId = this.onModel(m, work);
    if (typeof seqId === 'number') m.seen.set(seqId, { op, requestId });
    return { future_id: requestId, status: 'pending', request_id: requestId };
  }

  /** Validates the request now (400 before a future exists) and returns the work to run in order. */
  private trainingWork(op: string, m: ModelState, b: Record<string, unknown>): () => Promise<unknown> {
    switch (op) {
      case 'forward': {
        const input = obj(b.forward_input, 'forward_input');
        const data = parseData(input.data);
        return async () => {
          const lp = await m.learner.logprobs(data.map((d) => d.seq));
          this.count('forward');
          return modelPassOutput(data, lp, null);
        };
      }
      case 'forward_backward': {
        const input = obj(b.forward_backward_input, 'forward_backward_input');
        const lossFn = input.loss_fn as LossFn;
        if (!LOSS_FNS.includes(lossFn)) throw new HttpError(400, `loss_fn must be one of ${LOSS_FNS.join(', ')}`);
        const clip = clipConfig(lossFn, input.loss_fn_config);
        const data = parseData(input.data);
        return () => this.forwardBackward(m, data, lossFn, clip);
      }
      case 'optim_step': {
        const optim = adamParams(b.adam_params);
        return () => this.optimStep(m, optim);
      }
      case 'save_weights': {
        const name = checkpointName(b.path);
        const dir = join(this.opts.checkpointDir, m.id, 'weights', name);
        return async () => {
          if (await exists(dir)) throw new HttpError(409, `Checkpoint '${name}' already exists for model '${m.id}'`);
          await m.learner.save(dir);
          this.count('save_weights');
          return { path: `tinker://${m.id}/weights/${name}`, type: 'save_weights' };
        };
      }
      case 'load_weights': {
        const p = parseTinkerPath(str(b.path, 'path'));
        if (!p || p.kind !== 'weights') throw new HttpError(400, 'request.path must be in format tinker://source_model_id/weights/checkpoint_id');
        const dir = join(this.opts.checkpointDir, p.modelId, 'weights', checkpointName(p.name));
        if (b.optimizer !== undefined && typeof b.optimizer !== 'boolean') throw new HttpError(400, 'optimizer must be a boolean');
        // As hosted Tinker's load_state / load_state_with_optimizer and SkyRL's LoadWeightsInput: the optimizer
        // state only when asked for; otherwise the weights with a fresh optimizer (zero moments, step 0).
        const withOptimizer = b.optimizer === true;
        return async () => {
          if (!(await exists(dir))) throw new HttpError(404, `Checkpoint not found: ${p.modelId}/${p.name}`);
          if (withOptimizer) await m.learner.load(dir);
          else await loadWeightsOnly(m.learner, dir, join(this.opts.checkpointDir, `.scratch-${randomUUID()}`));
          this.count('load_weights');
          return { type: 'load_weights' };
        };
      }
      case 'save_weights_for_sampler': {
        const ephemeral = b.path === undefined || b.path === null;
        if (ephemeral && (b.sampling_session_seq_id === undefined || b.seq_id === undefined)) {
          throw new HttpError(400, "Either 'path' or both 'sampling_session_seq_id' and 'seq_id' must be provided");
        }
        const name = ephemeral ? `ss${String(b.sampling_session_seq_id)}_seq${String(b.seq_id)}` : checkpointName(b.path);
        const dir = join(this.opts.checkpointDir, m.id, 'sampler_weights', name);
        return async () => {
          if (await exists(dir)) throw new HttpError(409, `Checkpoint '${name}' already exists for model '${m.id}'`);
          await m.learner.save(dir);
          this.count('save_weights_for_sampler');
          const path = `tinker://${m.id}/sampler_weights/${name}`;
          if (!ephemeral) return { path, type: 'save_weights_for_sampler', sampling_session_id: null };
          const sid = `sampling_${randomUUID().slice(0, 8)}`;
          this.samplingSessions.set(sid, path);
          return { path: null, type: 'save_weights_for_sampler', sampling_session_id: sid };
        };
      }
      default:
        throw new HttpError(404, 'Not Found');
    }
  }

  private async forwardBackward(m: ModelState, data: ParsedDatum[], lossFn: LossFn, clip: [number, number]): Promise<unknown> {
    const seqs = data.map((d) => d.seq);
    const mean = this.opts.normalisation === 'mean';
    // cross_entropy's gradient does not depend on the log-probs: one pass. The others need them first.
    const logp = lossFn === 'cross_entropy' && !mean ? null : await m.learner.logprobs(seqs);
    const perToken = data.map((d, i) => tokenLosses(d, lossFn, clip, logp?.[i] ?? null));
    if (mean) {
      m.pending.push({
        seqs,
        grads: data.map((d, i) => {
          const wsum = Math.max(d.weights.reduce((a, w) => a + w, 0), 1e-9);
          return perToken[i]!.grad.map((g) => g / wsum);
        }),
      });
      m.pendingSequences += seqs.length;
      this.count('forward_backward');
      return modelPassOutput(data, logp!, perToken);
    }
    const out = await m.learner.forwardBackward(
      seqs,
      perToken.map((t) => Float32Array.from(t.grad)),
    );
    this.count('forward_backward');
    // cross_entropy's elementwise loss, now that the log-probs are known.
    const losses = logp ? perToken : data.map((d, i) => tokenLosses(d, lossFn, clip, out[i]!));
    return modelPassOutput(data, out, losses);
  }

  private async optimStep(m: ModelState, optim: OptimStepOptions): Promise<unknown> {
    if (this.opts.normalisation === 'mean') {
      // As SkyRL: nothing accumulated, no step.
      if (m.pendingSequences === 0) return { metrics: {} };
      const n = m.pendingSequences;
      for (const p of m.pending.splice(0)) {
        await m.learner.forwardBackward(
          p.seqs,
          p.grads.map((g) => Float32Array.from(g, (x) => x / n)),
        );
      }
      m.pendingSequences = 0;
    }
    const r = await m.learner.optimStep(optim);
    this.count('optim_step');
    return { metrics: { grad_norm: r.gradNorm, step_skipped: r.skipped ? 1 : 0 } };
  }

  // ---- sampling ----

  private asample(b: Record<string, unknown>): unknown {
    let modelPath = b.model_path as string | undefined | null;
    if (typeof b.sampling_session_id === 'string') {
      modelPath = this.samplingSessions.get(b.sampling_session_id);
      if (!modelPath) throw new HttpError(404, 'Sampling session not found');
    }
    const params = obj(b.sampling_params, 'sampling_params');
    const maxTokens = params.max_tokens;
    if (!Number.isInteger(maxTokens) || (maxTokens as number) <= 0) throw new HttpError(400, 'max_tokens must be a positive number');
    const stop = (params.stop ?? []) as unknown[];
    if (!Array.isArray(stop) || !stop.every((s) => Number.isInteger(s))) throw new HttpError(400, 'this server takes stop token ids (integers) only');
    const topK = params.top_k ?? -1;
    if (topK !== -1 && topK !== 0) throw new HttpError(400, 'top_k is not supported by this server (use -1)');
    // SkyRL draws a seed when none is given; ours come from the server's own seeded stream.
    const seed = Number.isInteger(params.seed) ? (params.seed as number) : this.seeds.nextUint32() >>> 1;
    const numSamples = b.num_samples ?? 1;
    if (!Number.isInteger(numSamples) || (numSamples as number) < 1) throw new HttpError(400, 'num_samples must be an integer >= 1');
    const prompt = Int32Array.from(inputTokens(b.prompt, 'prompt'));
    const sampleParams = {
      maxTokens: maxTokens as number,
      temperature: typeof params.temperature === 'number' ? params.temperature : 1,
      topP: typeof params.top_p === 'number' ? params.top_p : 1,
      stopTokens: stop as number[],
      seed,
    };
    const run = async (learner: Learner) => {
      const outs = await learner.sample(new Array<Int32Array>(numSamples as number).fill(prompt), sampleParams);
      this.count('asample');
      return {
        sequences: outs.map((o) => ({ stop_reason: o.finishReason, tokens: Array.from(o.tokens), logprobs: Array.from(o.logprobs) })),
        prompt_logprobs: null,
      };
    };
    let requestId: string;
    if (typeof modelPath === 'string') {
      const p = parseTinkerPath(modelPath);
      if (!p || (p.kind !== '' && p.kind !== 'sampler_weights')) {
        throw new HttpError(400, 'model_path must be tinker://model_id/checkpoint_id or tinker://model_id/sampler_weights/checkpoint_id');
      }
      const m = this.models.get(p.modelId);
      if (!m) throw new HttpError(404, 'Model not found');
      const name = checkpointName(p.name);
      const dir = join(this.opts.checkpointDir, m.id, 'sampler_weights', name);
      requestId = this.onModel(m, async () => {
        if (!(await exists(dir))) throw new HttpError(404, `Checkpoint not found: ${m.id}/${name}`);
        if (m.sampler?.name !== name) {
          const learner = m.sampler?.learner ?? (await this.opts.createLearner());
          m.sampler = { name: '', learner };
          await learner.load(dir);
          m.sampler.name = name;
        }
        return run(m.sampler.learner);
      });
    } else if (typeof b.base_model === 'string') {
      if (b.base_model !== this.opts.baseModel) throw new HttpError(400, `base_model '${b.base_model}' is not served here`);
      this.baseSampler ??= this.opts.createLearner();
      const base = this.baseSampler;
      requestId = this.future(async () => run(await base));
    } else {
      throw new HttpError(400, "When 'sampling_session_id' is not provided, exactly one of 'base_model' or 'model_path' must be provided");
    }
    return { future_id: requestId, status: 'pending', request_id: requestId };
  }

  // ---- futures ----

  private onModel(m: ModelState, work: () => Promise<unknown>): string {
    const next = m.chain.then(work, work);
    m.chain = next.catch(() => {});
    return this.future(() => next);
  }

  private future(work: () => Promise<unknown>): string {
    const id = `${this.instance}-${this.nextRequest++}`;
    const f: Future = { state: 'pending', waiters: [] };
    this.futures.set(id, f);
    work().then(
      (result) => {
        f.state = 'done';
        f.result = result;
      },
      (e: unknown) => {
        f.state = 'failed';
        f.error = e instanceof HttpError ? e.detail : (e as Error).message;
      },
    ).finally(() => {
      for (const w of f.waiters.splice(0)) w();
      // Results are kept long enough for any retry, then freed (a long-running server would otherwise grow).
      setTimeout(() => this.futures.delete(id), FUTURE_RETENTION_MS).unref();
    });
    return id;
  }

  private async retrieve(b: Record<string, unknown>): Promise<unknown> {
    const id = String(b.request_id ?? '');
    const f = this.futures.get(id);
    if (!f) throw new HttpError(404, 'Future not found');
    if (f.state === 'pending') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.opts.longPollMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        f.waiters.push(done);
      });
    }
    if (f.state === 'done') return f.result;
    if (f.state === 'failed') throw new HttpError(400, f.error ?? 'Unknown error');
    throw new HttpError(408, 'Timeout waiting for result');
  }

  private count(op: string): void {
    this.appliedCounts[op] = (this.appliedCounts[op] ?? 0) + 1;
  }
}

// ---- request parsing ----

function str(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new HttpError(400, `${what} must be a non-empty string`);
  return v;
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HttpError(400, `${what} must be an object`);
  return v as Record<string, unknown>;
}

function checkpointName(v: unknown): string {
  if (typeof v !== 'string' || !CHECKPOINT_NAME.test(v)) throw new HttpError(400, 'checkpoint name must match ^[a-zA-Z0-9_-]+$ (at most 255 characters)');
  return v;
}

function numbers(v: unknown, what: string): number[] {
  const data = Array.isArray(v) ? v : (v as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || !data.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new HttpError(400, `${what} must be a list of finite numbers`);
  return data as number[];
}

function inputTokens(v: unknown, what: string): number[] {
  const chunks = obj(v, what).chunks;
  if (!Array.isArray(chunks) || chunks.length === 0) throw new HttpError(400, `${what}.chunks must be a non-empty list`);
  return chunks.flatMap((c, i) => numbers((c as { tokens?: unknown } | null)?.tokens, `${what}.chunks[${i}].tokens`));
}

/** A datum as our learners see it: the full sequence and where its scored region starts (module comment). */
function parseData(v: unknown): ParsedDatum[] {
  if (!Array.isArray(v) || v.length === 0) throw new HttpError(400, 'data must be a non-empty list of datums');
  return v.map((raw, i) => {
    const d = obj(raw, `data[${i}]`);
    const input = obj(d.model_input, `data[${i}].model_input`);
    const tokens = inputTokens(input, `data[${i}].model_input`);
    const inputs = obj(d.loss_fn_inputs, `data[${i}].loss_fn_inputs`);
    const targets = numbers(inputs.target_tokens, `data[${i}].target_tokens`);
    const n = tokens.length;
    if (targets.length !== n) throw new HttpError(400, `data[${i}]: target_tokens has ${targets.length} entries, model_input ${n}`);
    for (let t = 0; t + 1 < n; t++) {
      if (targets[t] !== tokens[t + 1]) throw new HttpError(400, `data[${i}]: this server scores the input itself: target_tokens must be model_input shifted by one`);
    }
    const per = (key: string, fill: number) => {
      if (inputs[key] === undefined) return new Array<number>(n).fill(fill);
      const a = numbers(inputs[key], `data[${i}].${key}`);
      if (a.length !== n) throw new HttpError(400, `data[${i}]: ${key} has ${a.length} entries, model_input ${n}`);
      return a;
    };
    const weights = per('weights', 1);
    const firstChunk = (input.chunks as unknown[]).length > 1 ? numbers(((input.chunks as unknown[])[0] as { tokens: unknown }).tokens, 'chunk').length : n;
    const firstWeight = weights.findIndex((w) => w !== 0);
    const start = Math.max(1, Math.min(firstChunk, firstWeight === -1 ? n : firstWeight + 1));
    const seq: ScoredSequence = { tokens: Int32Array.from([...tokens, targets[n - 1]!]), responseStart: start };
    return { seq, weights, advantages: per('advantages', 0), logprobs: per('logprobs', 0) };
  });
}

function clipConfig(lossFn: LossFn, v: unknown): [number, number] {
  const cfg = (v ?? {}) as Record<string, unknown>;
  const allowed = lossFn === 'ppo' ? ['clip_low_threshold', 'clip_high_threshold'] : [];
  const bad = Object.keys(cfg).filter((k) => !allowed.includes(k));
  if (bad.length > 0) throw new HttpError(400, `Invalid loss_fn_config keys for loss_fn='${lossFn}': ${bad.join(', ')}`);
  const low = cfg.clip_low_threshold ?? 0.8;
  const high = cfg.clip_high_threshold ?? 1.2;
  if (typeof low !== 'number' || typeof high !== 'number' || !(low <= high)) throw new HttpError(400, 'clip thresholds must be numbers with low <= high');
  return [low, high];
}

function adamParams(v: unknown): OptimStepOptions {
  const a = obj(v, 'adam_params');
  const num = (k: string, dflt: number, ok: (x: number) => boolean, rule: string) => {
    const x = a[k] ?? dflt;
    if (typeof x !== 'number' || !ok(x)) throw new HttpError(400, `adam_params.${k} ${rule}`);
    return x;
  };
  const clipNorm = num('grad_clip_norm', 0, (x) => x >= 0, 'must be >= 0');
  const out: OptimStepOptions = {
    lr: num('learning_rate', 1e-4, (x) => x >= 0, 'must be >= 0'),
    beta1: num('beta1', 0.9, (x) => x >= 0 && x < 1, 'must be in [0, 1)'),
    beta2: num('beta2', 0.95, (x) => x >= 0 && x < 1, 'must be in [0, 1)'),
    eps: num('eps', 1e-12, (x) => x > 0, 'must be > 0'),
    weightDecay: num('weight_decay', 0, (x) => x >= 0, 'must be >= 0'),
  };
  if (clipNorm > 0) out.maxGradNorm = clipNorm;
  return out;
}

/**
 * Per scored token: the elementwise loss and its gradient with respect to the token's log-prob, for the three
 * built-in losses as SkyRL's loss_fns.py defines them (weights mask the loss: a zero weight gives exactly 0).
 */
function tokenLosses(d: ParsedDatum, lossFn: LossFn, [low, high]: [number, number], logp: Float32Array | null): { loss: Float64Array; grad: Float64Array } {
  const start = d.seq.responseStart - 1;
  const n = d.seq.tokens.length - d.seq.responseStart;
  const loss = new Float64Array(n);
  const grad = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const w = d.weights[start + k]!;
    if (w === 0) continue;
    if (lossFn === 'cross_entropy') {
      grad[k] = -w;
      if (logp) loss[k] = -w * logp[k]!;
      continue;
    }
    const a = d.advantages[start + k]!;
    const ratio = Math.exp(logp![k]! - d.logprobs[start + k]!);
    if (lossFn === 'importance_sampling') {
      loss[k] = -w * ratio * a;
      grad[k] = -w * a * ratio;
    } else {
      const clipped = Math.min(Math.max(ratio, low), high);
      const unclippedActive = ratio * a <= clipped * a;
      loss[k] = -w * Math.min(ratio * a, clipped * a);
      grad[k] = unclippedActive ? -w * a * ratio : 0;
    }
  }
  return { loss, grad };
}

/** SkyRL's ForwardBackwardOutput: per datum, per-position log-probs (0 before the scored region) and losses. */
function modelPassOutput(data: ParsedDatum[], logp: Float32Array[], perToken: Array<{ loss: Float64Array }> | null): unknown {
  return {
    loss_fn_output_type: 'scalar',
    loss_fn_outputs: data.map((d, i) => {
      const positions = d.seq.tokens.length - 1;
      const lp = new Array<number>(positions).fill(0);
      const el = new Array<number>(positions).fill(0);
      const start = d.seq.responseStart - 1;
      logp[i]!.forEach((x, k) => (lp[start + k] = x));
      perToken?.[i]!.loss.forEach((x, k) => (el[start + k] = x));
      return { logprobs: floatTensor(lp), elementwise_loss: floatTensor(el) };
    }),
    metrics: {},
  };
}

async function loadWeightsOnly(learner: Learner, dir: string, scratch: string): Promise<void> {
  const ckpt = await readCheckpoint(dir);
  try {
    await writeCheckpoint(scratch, { ...ckpt, optimizer: emptyOptimizerState(ckpt.config) });
    await learner.load(scratch);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function readJson(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > JSON_LIMIT) {
        reject(new HttpError(413, 'request body too large'));
        req.destroy();
      } else parts.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      try {
        resolve(text.length === 0 ? {} : JSON.parse(text));
      } catch {
        reject(new HttpError(400, 'request body is not valid JSON'));
      }
    });
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
