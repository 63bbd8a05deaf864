import type { Learner } from '../policy/learner.js';

export interface TokenLogprob {
  token: number;
  logprob: number;
}

/** Sequences per `Learner.logprobs` call while scoring candidates. */
const SCORE_CHUNK = 256;

/**
 * The `k` most likely tokens at each sampled position, with their log-probs under the distribution the sampler drew
 * from (temperature, then top-p, as `chooseToken` does; at temperature 0 a point mass on the argmax, log-prob 0).
 *
 * `Learner` exposes per-token log-probs only, not whole distributions, so each position scores every vocabulary
 * entry as the next token: vocabSize sequences per sampled token. That is affordable for the small vocabularies
 * trained here and is why servers cap `top_logprobs`; the cost is stated in docs/services.md.
 */
export async function topLogprobs(
  learner: Learner,
  prompt: Int32Array,
  sampled: Int32Array,
  k: number,
  sampling: { temperature: number; topP: number },
): Promise<TokenLogprob[][]> {
  const V = learner.config.vocabSize;
  const out: TokenLogprob[][] = [];
  for (let t = 0; t < sampled.length; t++) {
    const prefix = new Int32Array(prompt.length + t + 1);
    prefix.set(prompt);
    prefix.set(sampled.subarray(0, t), prompt.length);
    const raw = new Float64Array(V);
    for (let start = 0; start < V; start += SCORE_CHUNK) {
      const batch = [];
      for (let v = start; v < Math.min(V, start + SCORE_CHUNK); v++) {
        const tokens = prefix.slice();
        tokens[tokens.length - 1] = v;
        batch.push({ tokens, responseStart: tokens.length - 1 });
      }
      const lps = await learner.logprobs(batch);
      lps.forEach((lp, i) => (raw[start + i] = lp[0]!));
    }
    out.push(topOfSamplingDistribution(raw, k, sampling.temperature, sampling.topP));
  }
  return out;
}

/** Model log-probs → the sampling distribution's top k (most likely first, ties by id, tokens outside top-p left out). */
export function topOfSamplingDistribution(raw: Float64Array, k: number, temperature: number, topP: number): TokenLogprob[] {
  const V = raw.length;
  const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => raw[b]! - raw[a]! || a - b);
  if (temperature === 0) return [{ token: order[0]!, logprob: 0 }];
  let max = -Infinity;
  for (let i = 0; i < V; i++) max = Math.max(max, raw[i]! / temperature);
  const p = new Float64Array(V);
  let total = 0;
  for (let i = 0; i < V; i++) total += p[i] = Math.exp(raw[i]! / temperature - max);
  let kept = V;
  if (topP < 1) {
    let mass = 0;
    kept = 0;
    while (kept < V && mass < topP * total) mass += p[order[kept++]!]!;
    total = mass;
  }
  return order.slice(0, Math.min(k, kept)).map((token) => ({ token, logprob: Math.log(p[token]! / total) }));
}
