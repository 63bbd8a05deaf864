/**
 * Do the server and the learner hold the same model? The server samples a response to one rendered prompt at
 * temperature 1 (so its log-probs are the model's own), and the learner scores the same tokens: a wrong model, other
 * weights or another vocabulary shows as log-probs far apart.
 */
import type { Learner } from '../policy/learner.js';
import { isFailedSample, type RolloutPolicy } from './policy.js';

/** The server did not answer the check's request (after its retries). */
export class ProbeFailedError extends Error {
  override readonly name = 'ProbeFailedError';
}

export interface Agreement {
  /** Largest |server log-prob − learner log-prob| over the sampled tokens. */
  maxAbsDiff: number;
  tokens: number;
}

export async function measureAgreement(
  policy: RolloutPolicy,
  learner: Learner,
  prompt: Int32Array,
  opts: { maxTokens: number; stopTokens: readonly number[]; seed: number },
): Promise<Agreement> {
  const [out] = await policy.sample([{ prompt }], { maxTokens: opts.maxTokens, temperature: 1, topP: 1, stopTokens: opts.stopTokens, seed: opts.seed });
  if (!out || isFailedSample(out)) throw new ProbeFailedError(out ? out.error : 'the policy returned no sample');
  if (out.tokens.length === 0) return { maxAbsDiff: 0, tokens: 0 };
  const tokens = new Int32Array(prompt.length + out.tokens.length);
  tokens.set(prompt);
  tokens.set(out.tokens, prompt.length);
  const [scored] = await learner.logprobs([{ tokens, responseStart: prompt.length }]);
  let maxAbsDiff = 0;
  for (let i = 0; i < out.tokens.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(scored![i]! - out.logprobs[i]!));
  return { maxAbsDiff, tokens: out.tokens.length };
}
