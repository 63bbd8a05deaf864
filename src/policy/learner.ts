/**
 * The policy back-end interface (Tinker-shaped, design.md "Key interfaces"). A back end only returns per-token
 * log-probs and back-propagates a given ∂L/∂logp into its weights; every loss lives in the algorithm core.
 * Implemented by the portable TensorFlow.js back end and the native libtorch back end, and later by remote
 * trainers, so the same trainer drives all of them.
 */

/** Decoder-only transformer shape. Both back ends use this exact architecture and weight layout. */
export interface ModelConfig {
  vocabSize: number;
  /** Maximum sequence length (learned positional embeddings). */
  contextLength: number;
  dModel: number;
  nLayers: number;
  nHeads: number;
}

/** One sequence to score: log-probs are returned for tokens[responseStart .. tokens.length). */
export interface ScoredSequence {
  tokens: Int32Array;
  /** Index of the first scored token; >= 1 (token 0 is never predicted). */
  responseStart: number;
}

export interface OptimStepOptions {
  lr: number;
  beta1?: number; // default 0.9
  beta2?: number; // default 0.95
  eps?: number; // default 1e-8
  weightDecay?: number; // default 0 (decoupled, AdamW; not applied to biases, LayerNorm and embeddings)
  /** Clip the global gradient norm to this value before the step; default: no clipping. */
  maxGradNorm?: number;
}

export interface OptimStepResult {
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** True when the gradient held NaN/Inf: the step was skipped, weights and optimizer state kept, grads zeroed. */
  skipped: boolean;
}

export interface SampleParams {
  maxTokens: number;
  temperature?: number; // default 1
  topP?: number; // default 1
  /** Generation stops after emitting any of these token ids (the stop token is included in the output). */
  stopTokens?: readonly number[];
  seed: number;
}

export interface SampleOutput {
  tokens: Int32Array;
  /** Behaviour log-prob of each generated token under the sampling distribution (after temperature and top-p). */
  logprobs: Float32Array;
  finishReason: 'stop' | 'length';
}

export interface Learner {
  readonly config: ModelConfig;
  /** Per-token log-probs of each sequence's scored tokens, under the current weights. */
  logprobs(batch: readonly ScoredSequence[]): Promise<Float32Array[]>;
  /**
   * Forward, then backward with the given ∂L/∂logp (one array per sequence, same lengths as logprobs' result);
   * gradients accumulate until optimStep. Returns the log-probs of the forward pass.
   */
  forwardBackward(batch: readonly ScoredSequence[], dLdLogp: readonly Float32Array[]): Promise<Float32Array[]>;
  /**
   * Optional: one forward pass per optimizer step when the gradient depends on the log-probs (a policy loss).
   * Runs the forward, hands its log-probs (one array per sequence) to `gradOf`, and back-propagates the returned
   * ∂L/∂logp through the same graph (gradients accumulate until optimStep); `null` skips the backward pass.
   * Returns the log-probs. Equivalent to `logprobs`, then `forwardBackward` with gradOf's result, which is what
   * callers do when a learner lacks it.
   */
  forwardBackwardFn?(batch: readonly ScoredSequence[], gradOf: (logp: Float32Array[]) => Float32Array[] | null): Promise<Float32Array[]>;
  /** Optimizer step on the accumulated gradients, then zero them. */
  optimStep(opts: OptimStepOptions): Promise<OptimStepResult>;
  /**
   * Autoregressive sampling with a KV cache, one output per prompt. `sessions` (optional, one key or undefined per
   * prompt; back ends may ignore it): prompt i belongs to episode `sessions[i]`, whose KV cache the back end may keep
   * between calls, so that the next prompt of the session reads only the tokens past the longest common prefix with
   * what the session has seen (its previous prompt and sampled tokens). The result is the same with or without
   * sessions (up to float rounding). A key may appear once per call.
   */
  sample(prompts: readonly Int32Array[], params: SampleParams, sessions?: readonly (string | undefined)[]): Promise<SampleOutput[]>;
  /** Optional: the sessions are finished, their caches may be freed. */
  endSessions?(sessions: readonly string[]): Promise<void>;
  /** Writes weights (safetensors layout), optimizer state and RNG state to a directory. */
  save(dir: string): Promise<void>;
  load(dir: string): Promise<void>;
  dispose(): Promise<void>;
}
