import type { SampleOutput, SampleParams } from '../policy/learner.js';

/**
 * What rollouts need from a model: prompts as token ids in; sampled token ids, their behaviour log-probs and the
 * finish reason out. The local learners implement it, and so can an OpenAI-compatible server or a Tinker sampler.
 * Tokens in, tokens out: a rollout never re-tokenises text the model wrote.
 */
export interface RolloutRequest {
  readonly prompt: Int32Array;
  /**
   * The episode this prompt belongs to. A back end may keep the episode's KV cache between calls (prefix reuse):
   * the next prompt of the same session usually extends this prompt plus its sampled tokens, and only the new
   * tokens are read. Back ends must still be correct when it does not (they compare, then reuse the common prefix).
   */
  readonly session?: string;
}

/** A request the policy could not answer (a server that refused or stopped answering): it fails its episode only. */
export interface FailedSample {
  readonly error: string;
}

export function isFailedSample(x: SampleOutput | FailedSample): x is FailedSample {
  return 'error' in x;
}

export interface RolloutPolicy {
  /**
   * One output per request, in order. Same requests, same weights and same seed give the same tokens. A request
   * that failed on its own is a FailedSample in its place; a rejection fails every request of the call.
   */
  sample(requests: readonly RolloutRequest[], params: SampleParams): Promise<Array<SampleOutput | FailedSample>>;
  /** The sessions are finished: their caches may be freed. */
  endSessions?(sessions: readonly string[]): Promise<void>;
}
