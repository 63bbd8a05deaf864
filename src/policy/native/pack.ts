/**
 * Packs Learner batches into the flat arrays the native addon takes (sequences end to end plus their lengths),
 * checking them first so that a bad batch is a UserError naming the sequence, not an error from inside torch.
 */
import { UserError } from '../../core/errors.js';
import type { ModelConfig, ScoredSequence } from '../learner.js';

export interface PackedSequences {
  tokens: Int32Array;
  lengths: Int32Array;
}

export interface PackedBatch extends PackedSequences {
  responseStarts: Int32Array;
  /** Scored tokens per sequence (length − responseStart). */
  scored: number[];
}

function checkTokens(tokens: Int32Array, config: ModelConfig, what: string): void {
  if (!(tokens instanceof Int32Array)) throw new UserError(`${what}: tokens must be an Int32Array`);
  if (tokens.length < 1 || tokens.length > config.contextLength) {
    throw new UserError(`${what}: ${tokens.length} tokens, expected 1..${config.contextLength} (the context length)`);
  }
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t < 0 || t >= config.vocabSize) throw new UserError(`${what}: token ${i} is ${t}, outside the vocabulary [0, ${config.vocabSize})`);
  }
}

export function packSequences(sequences: readonly Int32Array[], config: ModelConfig, what: string): PackedSequences {
  const lengths = new Int32Array(sequences.length);
  let total = 0;
  sequences.forEach((s, i) => {
    checkTokens(s, config, `${what} ${i}`);
    lengths[i] = s.length;
    total += s.length;
  });
  const tokens = new Int32Array(total);
  let offset = 0;
  for (const s of sequences) {
    tokens.set(s, offset);
    offset += s.length;
  }
  return { tokens, lengths };
}

export function packBatch(batch: readonly ScoredSequence[], config: ModelConfig): PackedBatch {
  const packed = packSequences(
    batch.map((s) => s.tokens),
    config,
    'sequence',
  );
  const responseStarts = new Int32Array(batch.length);
  const scored = batch.map((s, i) => {
    const start = s.responseStart;
    if (!Number.isInteger(start) || start < 1 || start > s.tokens.length) {
      throw new UserError(`sequence ${i}: responseStart ${start} must be an integer in 1..${s.tokens.length} (token 0 is never predicted)`);
    }
    responseStarts[i] = start;
    return s.tokens.length - start;
  });
  return { ...packed, responseStarts, scored };
}

/** Splits packed per-token values back into one Float32Array per sequence. */
export function unpack(values: Float32Array | Float64Array, sizes: readonly number[]): Float32Array[] {
  const out: Float32Array[] = [];
  let offset = 0;
  for (const n of sizes) {
    out.push(Float32Array.from(values.subarray(offset, offset + n)));
    offset += n;
  }
  return out;
}

/** Concatenates per-sequence ∂L/∂logp, checking each has one value per scored token. */
export function packGradients(dLdLogp: readonly Float32Array[], scored: readonly number[]): Float32Array {
  if (dLdLogp.length !== scored.length) throw new UserError(`dLdLogp has ${dLdLogp.length} arrays for ${scored.length} sequences`);
  const out = new Float32Array(scored.reduce((a, b) => a + b, 0));
  let offset = 0;
  dLdLogp.forEach((g, i) => {
    if (g.length !== scored[i]) throw new UserError(`dLdLogp ${i} has ${g.length} values, sequence ${i} has ${scored[i]} scored tokens`);
    out.set(g, offset);
    offset += g.length;
  });
  return out;
}
