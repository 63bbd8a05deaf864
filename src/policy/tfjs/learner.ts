/**
 * `TfjsLearner`: the portable policy back end (TensorFlow.js on WebAssembly). Data parallel over threads: the
 * learner's own thread runs one engine and each extra thread runs one in a worker (wasm threads do not start in
 * Node, so this is how a second core gets used). A batch is split into contiguous shards of about equal token
 * count; every engine reads the same shared weights and accumulates its own gradients, which optimStep sums
 * before clipping and AdamW. Weights, moments and gradients live in SharedArrayBuffers in the flat layout
 * (layout.ts), so nothing is copied between threads per step except token ids and per-token values.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { UserError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { adamwUpdate, clipGradients, globalNorm, resolveOptimOptions } from '../adamw.js';
import { readCheckpoint, writeCheckpoint } from '../checkpoint.js';
import type { Learner, ModelConfig, OptimStepOptions, OptimStepResult, SampleOutput, SampleParams, ScoredSequence } from '../learner.js';
import { initWeights, parseModelConfig } from '../weights.js';
import { initWasmBackend } from './backend.js';
import { TfjsEngine, type SampleReply } from './engine.js';
import { flatLayout, fromFlat, toFlat, type FlatLayout } from './layout.js';
import { HANDOFF, type EngineReply, type EngineRequest, type EngineResult, type WorkerInit } from './protocol.js';
import { sessionIds, type PrefixReuseStats } from '../sessions.js';

export interface TfjsLearnerOptions {
  config: ModelConfig;
  /** Seed of the initial weights (`initWeights`, the same in every back end). */
  seed: number;
  /** Threads to compute on: this one plus threads − 1 workers. Default: the machine's cores, at most 8. */
  threads?: number;
  /**
   * Bytes of session KV caches kept between `sample` calls (prefix reuse), split evenly over the threads' engines;
   * beyond it each engine drops its least recently used sessions. Default 256 MiB (2 · nLayers · dModel · 4 bytes
   * per cached token and capacity column).
   */
  sessionCacheBytes?: number;
}

type Result = EngineResult;

/** An engine in a worker thread. */
class WorkerEngine {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: Result) => void; reject: (e: Error) => void }>();

  private constructor(
    private readonly worker: Worker,
    readonly grads: Float32Array,
  ) {
    worker.on('message', (msg: EngineReply) => {
      const p = this.pending.get(msg.id)!;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(`tfjs worker: ${msg.error}`));
    });
    const failAll = (e: Error) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`tfjs worker exited with code ${code}`)));
  }

  static start(init: WorkerInit): Promise<WorkerEngine> {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: init });
    return new Promise((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', (m) => {
        worker.off('error', reject);
        if (m === 'ready') resolve(new WorkerEngine(worker, new Float32Array(init.grads)));
        else reject(new Error(`tfjs worker sent ${String(m)} before ready`));
      });
    });
  }

  call(req: EngineRequest): Promise<Result> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...req, id });
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/** Contiguous [start, end) ranges of about equal total size, at most `parts` of them, none empty. */
export function splitBySize(sizes: readonly number[], parts: number): Array<[number, number]> {
  const total = sizes.reduce((a, b) => a + b, 0);
  const ranges: Array<[number, number]> = [];
  let start = 0;
  let acc = 0;
  for (let i = 0; i < sizes.length; i++) {
    acc += sizes[i]!;
    const k = ranges.length + 1;
    if (k < parts && acc >= (total * k) / parts && i + 1 < sizes.length) {
      ranges.push([start, i + 1]);
      start = i + 1;
    }
  }
  if (start < sizes.length) ranges.push([start, sizes.length]);
  return ranges;
}

export class TfjsLearner implements Learner {
  private readonly layout: FlatLayout;
  private readonly weights: Float32Array;
  private readonly expAvg: Float32Array;
  private readonly expAvgSq: Float32Array;
  private readonly summed: Float32Array;
  private step = 0;
  /** Bumped whenever the weights change, so engines know to re-upload them (and drop session caches). */
  private version = 0;
  /** The engine (0: local, i: workers[i − 1]) that holds each session's cache, under the current weights. */
  private readonly sessionEngine = new Map<string, number>();
  readonly prefixReuse: PrefixReuseStats = { promptTokens: 0, reusedTokens: 0 };

  private constructor(
    readonly config: ModelConfig,
    private readonly local: TfjsEngine,
    private readonly workers: WorkerEngine[],
    weights: Float32Array,
  ) {
    this.layout = flatLayout(config);
    this.weights = weights;
    this.expAvg = new Float32Array(this.layout.total);
    this.expAvgSq = new Float32Array(this.layout.total);
    this.summed = new Float32Array(this.layout.total);
  }

  static async create(opts: TfjsLearnerOptions): Promise<TfjsLearner> {
    const config = parseModelConfig(opts.config);
    const dh = config.dModel / config.nHeads;
    if (dh % 4 !== 0) throw new UserError(`tfjs learner: the head size dModel / nHeads must be a multiple of 4 (4-lane SIMD attention kernels), got ${dh}`);
    const threads = opts.threads ?? Math.min(availableParallelism(), 8);
    if (!Number.isInteger(threads) || threads < 1) throw new UserError(`tfjs learner: threads must be an integer >= 1, got ${threads}`);
    if (!Number.isInteger(opts.seed) || opts.seed < 0 || opts.seed > 0xffffffff) throw new UserError(`tfjs learner: seed must be an integer in [0, 2^32), got ${opts.seed}`);
    const cacheBytes = opts.sessionCacheBytes ?? 256 * 2 ** 20;
    if (!Number.isSafeInteger(cacheBytes) || cacheBytes < 0) throw new UserError(`tfjs learner: sessionCacheBytes must be an integer >= 0, got ${cacheBytes}`);
    const sessionBudget = Math.floor(cacheBytes / threads);
    const layout = flatLayout(config);
    const bytes = layout.total * Float32Array.BYTES_PER_ELEMENT;
    const weightsBuf = new SharedArrayBuffer(bytes);
    const weights = toFlat(layout, initWeights(config, new Rng(opts.seed)), new Float32Array(weightsBuf));
    await initWasmBackend();
    const local = new TfjsEngine(config, weights, new Float32Array(layout.total), sessionBudget);
    const workers = await Promise.all(
      Array.from({ length: threads - 1 }, () => WorkerEngine.start({ config, weights: weightsBuf, grads: new SharedArrayBuffer(bytes), sessionBudget })),
    );
    return new TfjsLearner(config, local, workers, weights);
  }

  /** Threads this learner computes on. */
  get threads(): number {
    return 1 + this.workers.length;
  }

  private checkSequences(batch: readonly ScoredSequence[]): void {
    const { vocabSize: V, contextLength: C } = this.config;
    batch.forEach((s, i) => {
      const n = s.tokens.length;
      if (n > C) throw new UserError(`sequence ${i} has ${n} tokens, more than the context length ${C}`);
      if (!Number.isInteger(s.responseStart) || s.responseStart < 1 || s.responseStart > n) {
        throw new UserError(`sequence ${i}: responseStart ${s.responseStart} must be in [1, ${n}]`);
      }
      checkTokens(s.tokens, V, `sequence ${i}`);
    });
  }

  /**
   * Runs `req(range)` for each shard: worker shards are posted first, then the local one runs on this thread
   * while they compute. Results come back in batch order.
   */
  private async sharded<T>(sizes: readonly number[], run: (engine: 'local' | WorkerEngine, range: [number, number]) => Promise<T[]> | T[]): Promise<T[]> {
    const ranges = splitBySize(sizes, this.threads);
    if (ranges.length === 0) return [];
    const remote = ranges.slice(1).map((r, i) => Promise.resolve(run(this.workers[i]!, r)));
    let mine: T[];
    try {
      mine = await run('local', ranges[0]!);
    } catch (e) {
      await Promise.allSettled(remote); // let the workers finish before reporting, so no rejection goes unhandled
      throw e;
    }
    return [...mine, ...(await Promise.all(remote)).flat()];
  }

  async logprobs(batch: readonly ScoredSequence[]): Promise<Float32Array[]> {
    this.checkSequences(batch);
    await initWasmBackend();
    const version = this.version;
    return this.sharded(batch.map((s) => s.tokens.length), (engine, [a, b]) =>
      engine === 'local'
        ? this.local.logprobs(batch.slice(a, b), version)
        : (engine.call({ op: 'logprobs', batch: batch.slice(a, b).map(ownSequence), version }) as Promise<Float32Array[]>),
    );
  }

  async forwardBackward(batch: readonly ScoredSequence[], dLdLogp: readonly Float32Array[]): Promise<Float32Array[]> {
    this.checkSequences(batch);
    if (dLdLogp.length !== batch.length) throw new UserError(`forwardBackward: ${dLdLogp.length} gradient arrays for ${batch.length} sequences`);
    batch.forEach((s, i) => {
      const want = s.tokens.length - s.responseStart;
      if (dLdLogp[i]!.length !== want) throw new UserError(`forwardBackward: sequence ${i} scores ${want} tokens but its ∂L/∂logp has ${dLdLogp[i]!.length}`);
    });
    await initWasmBackend();
    const version = this.version;
    return this.sharded(batch.map((s) => s.tokens.length), (engine, [a, b]) =>
      engine === 'local'
        ? this.local.forwardBackward(batch.slice(a, b), dLdLogp.slice(a, b), version)
        : (engine.call({ op: 'forwardBackward', batch: batch.slice(a, b).map(ownSequence), dLdLogp: dLdLogp.slice(a, b).map(own), version }) as Promise<Float32Array[]>),
    );
  }

  /**
   * One forward pass per call: every engine runs the forward of its shard, the log-probs of all shards go to
   * `gradOf` on this thread, and each engine back-propagates its part of the result through the graph it kept.
   * The hand-off happens inside one synchronous gradient call per engine (HANDOFF in protocol.ts). An engine keeps
   * every chunk's activations until its backward pass, so when a shard has more than ONE_PASS_MAX_TOKENS padded
   * tokens this falls back to logprobs + forwardBackward (two forward passes, bounded memory).
   */
  async forwardBackwardFn(batch: readonly ScoredSequence[], gradOf: (logp: Float32Array[]) => Float32Array[] | null): Promise<Float32Array[]> {
    this.checkSequences(batch);
    const ranges = splitBySize(
      batch.map((s) => s.tokens.length),
      this.threads,
    );
    const padded = ranges.map(([a, b]) => paddedTokens(batch.slice(a, b)));
    if (ranges.length === 0 || padded.some((n) => n > ONE_PASS_MAX_TOKENS)) {
      const logp = await this.logprobs(batch);
      const g = gradOf(logp.map((a) => a.slice()));
      if (g !== null) await this.forwardBackward(batch, g);
      return logp;
    }
    await initWasmBackend();
    const version = this.version;
    const scored = (a: number, b: number) => batch.slice(a, b).reduce((n, s) => n + s.tokens.length - s.responseStart, 0);
    const remote = ranges.slice(1);
    const sync = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, remote.length)));
    const logpBufs = remote.map(([a, b]) => new SharedArrayBuffer(4 * scored(a, b)));
    const dyBufs = remote.map(([a, b]) => new SharedArrayBuffer(4 * scored(a, b)));
    const replies = remote.map(([a, b], k) =>
      this.workers[k]!.call({ op: 'forwardBackwardFn', batch: batch.slice(a, b).map(ownSequence), version, sync: sync.buffer as SharedArrayBuffer, slot: k, logp: logpBufs[k]!, dLdLogp: dyBufs[k]! }),
    );
    let released = false;
    const release = (state: number) => {
      released = true;
      remote.forEach((_, k) => {
        Atomics.store(sync, k, state);
        Atomics.notify(sync, k);
      });
    };
    const [a0, b0] = ranges[0]!;
    const exchange = (mine: Float32Array): Float32Array | null => {
      const all = splitScored(batch.slice(a0, b0), mine);
      remote.forEach(([a, b], k) => {
        let st: number;
        while ((st = Atomics.load(sync, k)) === HANDOFF.pending) Atomics.wait(sync, k, HANDOFF.pending);
        if (st === HANDOFF.failed) {
          release(HANDOFF.skip);
          throw new Error('tfjs worker failed during its forward pass');
        }
        all.push(...splitScored(batch.slice(a, b), new Float32Array(logpBufs[k]!).slice()));
      });
      let g: Float32Array[] | null;
      try {
        g = gradOf(all.map((x) => x.slice()));
        if (g !== null) {
          if (g.length !== batch.length) throw new UserError(`forwardBackwardFn: ${g.length} gradient arrays for ${batch.length} sequences`);
          g.forEach((x, i) => {
            if (x.length !== all[i]!.length) throw new UserError(`forwardBackwardFn: sequence ${i} scores ${all[i]!.length} tokens but its ∂L/∂logp has ${x.length}`);
          });
        }
      } catch (e) {
        release(HANDOFF.skip);
        throw e;
      }
      if (g === null) {
        release(HANDOFF.skip);
        return null;
      }
      remote.forEach(([a, b], k) => new Float32Array(dyBufs[k]!).set(concatF32(g.slice(a, b))));
      release(HANDOFF.gradient);
      return concatF32(g.slice(a0, b0));
    };
    let mine: Float32Array[];
    try {
      mine = this.local.forwardBackwardFn(batch.slice(a0, b0), version, exchange);
    } catch (e) {
      if (!released) release(HANDOFF.skip);
      await Promise.allSettled(replies);
      throw e;
    }
    return [...mine, ...((await Promise.all(replies)) as Float32Array[][]).flat()];
  }

  private gradBuffers(): Float32Array[] {
    return [this.local.grads, ...this.workers.map((w) => w.grads)];
  }

  async optimStep(opts: OptimStepOptions): Promise<OptimStepResult> {
    const h = resolveOptimOptions(opts);
    const g = this.summed;
    const buffers = this.gradBuffers();
    g.set(buffers[0]!);
    for (const other of buffers.slice(1)) for (let i = 0; i < g.length; i++) g[i] += other[i]!;
    for (const b of buffers) b.fill(0);
    const gradNorm = globalNorm(g);
    if (!Number.isFinite(gradNorm)) {
      process.stderr.write(`seeupo: warning: tfjs learner: gradient norm is ${gradNorm} at step ${this.step + 1}; step skipped, weights and optimizer state kept\n`);
      return { gradNorm, skipped: true };
    }
    if (h.maxGradNorm !== null) clipGradients(g, gradNorm, h.maxGradNorm);
    this.step += 1;
    for (const seg of this.layout.segments) {
      const at = (a: Float32Array) => a.subarray(seg.offset, seg.offset + seg.size);
      adamwUpdate(at(this.weights), at(g), at(this.expAvg), at(this.expAvgSq), this.step, h, seg.spec.kind === 'matrix');
    }
    this.weightsChanged();
    return { gradNorm, skipped: false };
  }

  async sample(prompts: readonly Int32Array[], params: SampleParams, sessions?: readonly (string | undefined)[]): Promise<SampleOutput[]> {
    const { vocabSize: V, contextLength: C } = this.config;
    if (!Number.isInteger(params.maxTokens) || params.maxTokens < 1) throw new UserError(`sample: maxTokens must be an integer >= 1, got ${params.maxTokens}`);
    const temperature = params.temperature ?? 1;
    if (!(temperature >= 0) || !Number.isFinite(temperature)) throw new UserError(`sample: temperature must be a finite number >= 0, got ${temperature}`);
    const topP = params.topP ?? 1;
    if (!(topP > 0 && topP <= 1)) throw new UserError(`sample: topP must be in (0, 1], got ${topP}`);
    if (!Number.isInteger(params.seed) || params.seed < 0 || params.seed > 0xffffffff) throw new UserError(`sample: seed must be an integer in [0, 2^32), got ${params.seed}`);
    for (const t of params.stopTokens ?? []) if (!Number.isInteger(t) || t < 0 || t >= V) throw new UserError(`sample: stop token ${t} is outside the vocabulary [0, ${V})`);
    prompts.forEach((p, i) => {
      if (p.length < 1 || p.length >= C) throw new UserError(`sample: prompt ${i} has ${p.length} tokens; it needs 1 to ${C - 1} (context length ${C})`);
      checkTokens(p, V, `sample: prompt ${i}`);
    });
    const ids = sessionIds(prompts.length, sessions);
    await initWasmBackend();
    const version = this.version;
    // A session's prompts go to the engine that holds its cache; the others to the least loaded engine, by tokens.
    const load = new Array<number>(this.threads).fill(0);
    const engineOf = prompts.map((p, i) => {
      const e = ids?.[i] ? this.sessionEngine.get(ids[i]!) : undefined;
      if (e !== undefined) load[e] += p.length + params.maxTokens;
      return e;
    });
    prompts.forEach((p, i) => {
      if (engineOf[i] !== undefined) return;
      const e = load.indexOf(Math.min(...load));
      engineOf[i] = e;
      load[e] += p.length + params.maxTokens;
      if (ids?.[i]) this.sessionEngine.set(ids[i]!, e);
    });
    const run = (e: number): Promise<{ at: number[]; reply: SampleReply }> => {
      const at = prompts.flatMap((_, i) => (engineOf[i] === e ? [i] : []));
      const mine = at.map((i) => prompts[i]!);
      const keys = ids === undefined ? undefined : at.map((i) => ids[i]!);
      if (at.length === 0) return Promise.resolve({ at, reply: { outputs: [], reused: [] } });
      if (e === 0) return Promise.resolve().then(() => ({ at, reply: this.local.sample(mine, params, at, keys, version) }));
      return this.workers[e - 1]!.call({ op: 'sample', prompts: mine.map(own), params, indices: at, sessions: keys, version }).then((r) => ({ at, reply: r as SampleReply }));
    };
    // Workers first, so they compute while this thread runs the local engine.
    const remote = this.workers.map((_, w) => run(w + 1));
    let parts: Array<{ at: number[]; reply: SampleReply }>;
    try {
      parts = [await run(0)];
    } catch (e) {
      await Promise.allSettled(remote);
      throw e;
    }
    parts.push(...(await Promise.all(remote)));
    const out = new Array<SampleOutput>(prompts.length);
    for (const { at, reply } of parts) {
      at.forEach((i, k) => {
        out[i] = reply.outputs[k]!;
        this.prefixReuse.promptTokens += prompts[i]!.length;
        this.prefixReuse.reusedTokens += reply.reused[k]!;
      });
    }
    return out;
  }

  /** Frees the sessions' KV caches (unknown keys are ignored). */
  async endSessions(sessions: readonly string[]): Promise<void> {
    const byEngine = new Map<number, string[]>();
    for (const key of sessions) {
      const e = this.sessionEngine.get(key);
      if (e === undefined) continue;
      this.sessionEngine.delete(key);
      byEngine.set(e, [...(byEngine.get(e) ?? []), key]);
    }
    await Promise.all(
      [...byEngine].map(([e, keys]) => (e === 0 ? this.local.endSessions(keys) : this.workers[e - 1]!.call({ op: 'endSessions', keys }))),
    );
  }

  async save(dir: string): Promise<void> {
    await writeCheckpoint(dir, {
      config: this.config,
      weights: fromFlat(this.layout, this.weights),
      optimizer: { step: this.step, expAvg: fromFlat(this.layout, this.expAvg), expAvgSq: fromFlat(this.layout, this.expAvgSq) },
      backend: 'tfjs',
      extra: {},
    });
  }

  /** Loads weights, moments and step; gradients accumulated so far are dropped. */
  async load(dir: string): Promise<void> {
    const ckpt = await readCheckpoint(dir, this.config);
    toFlat(this.layout, ckpt.weights, this.weights);
    toFlat(this.layout, ckpt.optimizer.expAvg, this.expAvg);
    toFlat(this.layout, ckpt.optimizer.expAvgSq, this.expAvgSq);
    this.step = ckpt.optimizer.step;
    for (const b of this.gradBuffers()) b.fill(0);
    this.weightsChanged();
  }

  /** Engines re-upload the weights and drop their session caches at their next call. */
  private weightsChanged(): void {
    this.version += 1;
    this.sessionEngine.clear();
  }

  async dispose(): Promise<void> {
    this.local.dispose();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * The array itself, or a copy when it is a view into a larger buffer: posting a view to a worker clones its whole
 * underlying buffer.
 */
function own<A extends Int32Array | Float32Array>(a: A): A {
  return a.byteLength === a.buffer.byteLength ? a : (a.slice() as A);
}

function ownSequence(s: ScoredSequence): ScoredSequence {
  return { tokens: own(s.tokens), responseStart: s.responseStart };
}

/**
 * forwardBackwardFn keeps a shard's activations for all its chunks until the backward pass: up to this many
 * padded tokens per engine (twice the chunk bound of logprobs/forwardBackward) it runs one forward pass.
 */
const ONE_PASS_MAX_TOKENS = 16384;

/** An upper bound of a shard's padded tokens, however the engine chunks it: sequences × the longest one. */
function paddedTokens(batch: readonly ScoredSequence[]): number {
  return batch.reduce((m, s) => Math.max(m, s.tokens.length), 0) * batch.length;
}

function splitScored(batch: readonly ScoredSequence[], values: Float32Array): Float32Array[] {
  let k = 0;
  return batch.map((s) => values.slice(k, (k += s.tokens.length - s.responseStart)));
}

function concatF32(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function checkTokens(tokens: Int32Array, V: number, what: string): void {
  for (let t = 0; t < tokens.length; t++) {
    const id = tokens[t]!;
    if (id < 0 || id >= V) throw new UserError(`${what}: token ${id} at position ${t} is outside the vocabulary [0, ${V})`);
  }
}
