/** Messages between the learner and an engine in a worker thread (worker.ts). */
import type { ModelConfig, SampleParams, ScoredSequence } from '../learner.js';
import type { SampleReply } from './engine.js';

export interface WorkerInit {
  config: ModelConfig;
  /** Flat kernel-layout weights, written by the learner, read by every engine. */
  weights: SharedArrayBuffer;
  /** This engine's gradient accumulator, written by the engine, summed and zeroed by the learner. */
  grads: SharedArrayBuffer;
  /** Bytes of session KV caches the engine keeps. */
  sessionBudget: number;
}

export type EngineRequest =
  | { op: 'logprobs'; batch: ScoredSequence[]; version: number }
  | { op: 'forwardBackward'; batch: ScoredSequence[]; dLdLogp: Float32Array[]; version: number }
  | { op: 'sample'; prompts: Int32Array[]; params: SampleParams; indices: number[]; sessions: string[] | undefined; version: number }
  | { op: 'endSessions'; keys: string[] }
  | {
      op: 'forwardBackwardFn';
      batch: ScoredSequence[];
      version: number;
      /** HandOff states, one Int32 per worker; this worker's is `slot`. */
      sync: SharedArrayBuffer;
      slot: number;
      /** Written by the worker after its forward: its scored tokens' log-probs. */
      logp: SharedArrayBuffer;
      /** Written by the learner before HANDOFF.gradient: their ∂L/∂logp. */
      dLdLogp: SharedArrayBuffer;
    };

/**
 * States of a worker's slot during `forwardBackwardFn`, which hands log-probs to the learner's thread and gets
 * their ∂L/∂logp back between a forward and a backward pass inside one synchronous TensorFlow.js gradient call:
 * both sides block with Atomics.wait, so neither needs its event loop.
 */
export const HANDOFF = { pending: 0, logprobs: 1, gradient: 2, skip: 3, failed: 4 } as const;

export type EngineResult = Float32Array[] | SampleReply | null;

export type EngineReply = { id: number; ok: true; result: EngineResult } | { id: number; ok: false; error: string };
