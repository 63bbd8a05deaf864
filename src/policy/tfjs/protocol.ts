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
  | { op: 'endSessions'; keys: string[] };

export type EngineResult = Float32Array[] | SampleReply | null;

export type EngineReply = { id: number; ok: true; result: EngineResult } | { id: number; ok: false; error: string };
