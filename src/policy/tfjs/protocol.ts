/** Messages between the learner and an engine in a worker thread (worker.ts). */
import type { ModelConfig, SampleOutput, SampleParams, ScoredSequence } from '../learner.js';

export interface WorkerInit {
  config: ModelConfig;
  /** Flat kernel-layout weights, written by the learner, read by every engine. */
  weights: SharedArrayBuffer;
  /** This engine's gradient accumulator, written by the engine, summed and zeroed by the learner. */
  grads: SharedArrayBuffer;
}

export type EngineRequest =
  | { op: 'logprobs'; batch: ScoredSequence[]; version: number }
  | { op: 'forwardBackward'; batch: ScoredSequence[]; dLdLogp: Float32Array[]; version: number }
  | { op: 'sample'; prompts: Int32Array[]; params: SampleParams; firstIndex: number; version: number };

export type EngineReply = { id: number; ok: true; result: Float32Array[] | SampleOutput[] } | { id: number; ok: false; error: string };
