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
  /** AdamW step on the accumulated gradients, then zero them. */
  optimStep(opts: OptimStepOptions): Promise<OptimStepResult>;
  /** Autoregressive sampling with a KV cache, one output per prompt. */
  sample(prompts: readonly Int32Array[], params: SampleParams): Promise<SampleOutput[]>;
  /** Writes weights (safetensors layout), optimizer state and RNG state to a directory. */
  save(dir: string): Promise<void>;
  load(dir: string): Promise<void>;
  dispose(): Promise<void>;
}
