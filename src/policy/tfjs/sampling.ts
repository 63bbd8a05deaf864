/**
 * Choosing the next token from logits: temperature, then top-p (nucleus) truncation, then a seeded draw. The
 * returned log-prob is the behaviour policy's: log of the token's probability under exactly the distribution
 * it was drawn from (after temperature and top-p). Temperature 0 is greedy decoding (a point mass: log-prob 0).
 */
import type { Rng } from '../../core/rng.js';

export interface TokenChoice {
  token: number;
  logprob: number;
}

export function chooseToken(logits: Float32Array, temperature: number, topP: number, rng: Rng): TokenChoice {
  const V = logits.length;
  if (temperature === 0) {
    let best = 0;
    for (let i = 1; i < V; i++) if (logits[i]! > logits[best]!) best = i;
    return { token: best, logprob: 0 };
  }
  let max = -Infinity;
  for (let i = 0; i < V; i++) max = Math.max(max, logits[i]! / temperature);
  const p = new Float64Array(V);
  let total = 0;
  for (let i = 0; i < V; i++) total += p[i] = Math.exp(logits[i]! / temperature - max);
  if (topP < 1) {
    // Keep the most likely tokens until their mass reaches topP (the token that crosses it is kept).
    const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => p[b]! - p[a]! || a - b);
    let kept = 0;
    let k = 0;
    while (k < V && kept < topP * total) kept += p[order[k++]!]!;
    for (let j = k; j < V; j++) p[order[j]!] = 0;
    total = kept;
  }
  const token = rng.categorical(p);
  return { token, logprob: Math.log(p[token]! / total) };
}
