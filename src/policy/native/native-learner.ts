/**
 * `NativeLearner`: the policy back end on libtorch, through the N-API addon in native/. Same architecture, weight
 * layout, initialisation, AdamW and sampling rule as the portable TensorFlow.js back end, so checkpoints move
 * between them and the same ∂L/∂logp drives both; trains at PyTorch's speed (bench/policy.ts).
 *
 * Weights are initialised here in TypeScript (`initWeights`), so the same seed gives the same model in every back
 * end, and cross the boundary once as named Float32Arrays. All torch work runs on the model's own native thread.
 */
import { availableParallelism } from 'node:os';
import { UserError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { resolveOptimOptions } from '../adamw.js';
import { readCheckpoint, writeCheckpoint } from '../checkpoint.js';
import type { Learner, ModelConfig, OptimStepOptions, OptimStepResult, SampleOutput, SampleParams, ScoredSequence } from '../learner.js';
import { initWeights, parseModelConfig, weightLayout, type Weights } from '../weights.js';
import { loadNativeAddon, type NamedArrays, type NativeModel } from './addon.js';
import { sessionIds, type PrefixReuseStats } from '../sessions.js';
import { packBatch, packGradients, packSequences, unpack } from './pack.js';

export interface NativeLearnerOptions {
  config: ModelConfig;
  /** Seed of the initial weights (`initWeights`, the same in every back end). */
  seed: number;
  /** torch intra-op threads (OpenBLAS is pinned to one). Default: the machine's cores, at most 8. */
  threads?: number;
  /**
   * Bytes of session KV caches kept between `sample` calls (prefix reuse); beyond it the least recently used
   * sessions are dropped (their next turn reads its whole prompt again). Default 256 MiB: a session costs
   * 2 · nLayers · dModel · 4 bytes per cached token (2 KiB for d128 and 2 layers), so 128k tokens.
   */
  sessionCacheBytes?: number;
}


export class NativeLearner implements Learner {
  private constructor(
    readonly config: ModelConfig,
    readonly threads: number,
    private readonly model: NativeModel,
  ) {}

  /** Throws a UserError saying why when the native back end is unavailable here (see `seeupo doctor`). */
  static async create(opts: NativeLearnerOptions): Promise<NativeLearner> {
    const config = parseModelConfig(opts.config);
    const threads = opts.threads ?? Math.min(availableParallelism(), 8);
    if (!Number.isInteger(threads) || threads < 1) throw new UserError(`native learner: threads must be an integer >= 1, got ${threads}`);
    if (!Number.isInteger(opts.seed) || opts.seed < 0 || opts.seed > 0xffffffff) {
      throw new UserError(`native learner: seed must be an integer in [0, 2^32), got ${opts.seed}`);
    }
    const addon = loadNativeAddon();
    if (!addon.available) throw new UserError(`the native back end is unavailable: ${addon.reason}`);
    const cacheBytes = opts.sessionCacheBytes ?? DEFAULT_SESSION_CACHE_BYTES;
    if (!Number.isSafeInteger(cacheBytes) || cacheBytes < 0) throw new UserError(`native learner: sessionCacheBytes must be an integer >= 0, got ${cacheBytes}`);
    const model = new addon.binding.Model(config, threads, false);
    const learner = new NativeLearner(config, threads, model);
    await model.setWeights(Object.fromEntries(initWeights(config, new Rng(opts.seed))));
    await model.setSessionBudget(cacheBytes);
    return learner;
  }

  readonly prefixReuse: PrefixReuseStats = { promptTokens: 0, reusedTokens: 0 };

  async logprobs(batch: readonly ScoredSequence[]): Promise<Float32Array[]> {
    const p = packBatch(batch, this.config);
    return unpack(await this.model.logprobs(p.tokens, p.lengths, p.responseStarts), p.scored);
  }

  async forwardBackward(batch: readonly ScoredSequence[], dLdLogp: readonly Float32Array[]): Promise<Float32Array[]> {
    const p = packBatch(batch, this.config);
    const grads = packGradients(dLdLogp, p.scored);
    return unpack(await this.model.forwardBackward(p.tokens, p.lengths, p.responseStarts, grads), p.scored);
  }

  /** One forward: its log-probs go to gradOf, whose ∂L/∂logp is back-propagated through the same graph. */
  async forwardBackwardFn(batch: readonly ScoredSequence[], gradOf: (logp: Float32Array[]) => Float32Array[] | null): Promise<Float32Array[]> {
    const p = packBatch(batch, this.config);
    const logp = unpack(await this.model.forwardKeep(p.tokens, p.lengths, p.responseStarts), p.scored);
    let grads: Float32Array | null = null;
    try {
      const g = gradOf(logp.map((a) => a.slice()));
      if (g !== null) grads = packGradients(g, p.scored);
    } finally {
      await this.model.backwardKept(grads); // null (or gradOf threw): drops the kept graph
    }
    return logp;
  }

  async optimStep(opts: OptimStepOptions): Promise<OptimStepResult> {
    const h = resolveOptimOptions(opts);
    const r = await this.model.optimStep(h.lr, h.beta1, h.beta2, h.eps, h.weightDecay, h.maxGradNorm ?? 0);
    if (r.skipped) {
      process.stderr.write(
        `seeupo: native learner: gradient norm is ${r.gradNorm} after step ${r.step}: skipped the step, kept the weights and optimizer state, zeroed the gradients\n`,
      );
    }
    return { gradNorm: r.gradNorm, skipped: r.skipped };
  }

  /**
   * Prompt i draws from `Rng(seed).fork("sample:" + i)` with the portable back end's token rule, so both back ends
   * sample the same tokens from the same weights (up to float rounding at a draw's boundary).
   */
  async sample(prompts: readonly Int32Array[], params: SampleParams, sessions?: readonly (string | undefined)[]): Promise<SampleOutput[]> {
    const { maxTokens, seed } = params;
    const temperature = params.temperature ?? 1;
    const topP = params.topP ?? 1;
    const stopTokens = params.stopTokens ?? [];
    if (!Number.isInteger(maxTokens) || maxTokens < 0) throw new UserError(`sample: maxTokens must be an integer >= 0, got ${maxTokens}`);
    if (!Number.isFinite(temperature) || temperature < 0) throw new UserError(`sample: temperature must be a finite number >= 0, got ${temperature}`);
    if (!(topP > 0 && topP <= 1)) throw new UserError(`sample: topP must be in (0, 1], got ${topP}`);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new UserError(`sample: seed must be an integer in [0, 2^32), got ${seed}`);
    for (const t of stopTokens) {
      if (!Number.isInteger(t) || t < 0 || t >= this.config.vocabSize) throw new UserError(`sample: stop token ${t} is outside the vocabulary [0, ${this.config.vocabSize})`);
    }
    const ids = sessionIds(prompts.length, sessions);
    if (prompts.length === 0) return [];
    const packed = packSequences(prompts, this.config, 'prompt');
    const base = new Rng(seed);
    const states = new Uint32Array(4 * prompts.length);
    prompts.forEach((_, i) => states.set(base.fork(`sample:${i}`).getState().s, 4 * i));
    const r = await this.model.sample(packed.tokens, packed.lengths, maxTokens, temperature, topP, Int32Array.from(stopTokens), states, ids);
    const out: SampleOutput[] = [];
    let offset = 0;
    for (let i = 0; i < prompts.length; i++) {
      this.prefixReuse.promptTokens += prompts[i]!.length;
      this.prefixReuse.reusedTokens += r.reused[i]!;
      const n = r.lengths[i]!;
      out.push({
        tokens: r.tokens.slice(offset, offset + n),
        logprobs: r.logprobs.slice(offset, offset + n),
        finishReason: r.stopped[i] ? 'stop' : 'length',
      });
      offset += n;
    }
    return out;
  }

  /** Frees the sessions' KV caches (unknown keys are ignored). */
  async endSessions(sessions: readonly string[]): Promise<void> {
    await this.model.endSessions([...sessions]);
  }

  /** Sessions cached now and their bytes of keys and values. */
  sessionCache(): Promise<{ sessions: number; bytes: number }> {
    return this.model.sessionStats();
  }

  async save(dir: string): Promise<void> {
    const weights = toWeights(this.config, await this.model.getWeights());
    const opt = await this.model.getOptimizerState();
    await writeCheckpoint(dir, {
      config: this.config,
      weights,
      optimizer: { step: opt.step, expAvg: toWeights(this.config, opt.expAvg), expAvgSq: toWeights(this.config, opt.expAvgSq) },
      backend: 'native',
      extra: {},
    });
  }

  /** Loads any back end's checkpoint of the same model shape; sampling is seeded per call, so no RNG state. */
  async load(dir: string): Promise<void> {
    const ckpt = await readCheckpoint(dir, this.config);
    await this.model.setWeights(Object.fromEntries(ckpt.weights));
    await this.model.setOptimizerState(ckpt.optimizer.step, Object.fromEntries(ckpt.optimizer.expAvg), Object.fromEntries(ckpt.optimizer.expAvgSq));
  }

  /** The current weights by name (layout order). */
  async weights(): Promise<Weights> {
    return toWeights(this.config, await this.model.getWeights());
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}

const DEFAULT_SESSION_CACHE_BYTES = 256 * 2 ** 20;

function toWeights(config: ModelConfig, arrays: NamedArrays): Weights {
  const out: Weights = new Map();
  for (const spec of weightLayout(config)) {
    const a = arrays[spec.name];
    if (!(a instanceof Float32Array)) throw new Error(`native model returned no float32 '${spec.name}'`);
    out.set(spec.name, a);
  }
  return out;
}
