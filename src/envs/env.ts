import type { AssistantMessage, ChatMessage, ToolSpec } from '../core/messages.js';

/**
 * The environment contract (Gymnasium's reset/step/close, in messages). An environment knows messages and tools,
 * never tokens or models. Methods may answer synchronously or with a promise (an env behind HTTP).
 *
 * Errors are values of the episode, not silent fallbacks: a method that throws (or a call that the rollout times
 * out) fails that episode, which is then excluded from training and counted, never scored 0 (seeupo.md §6.6).
 */
export interface EnvReset {
  /** The first messages the model reads (system prompt, first user message). */
  readonly messages: ChatMessage[];
  /** The tools the model may call, in OpenAI's function format. */
  readonly tools: ToolSpec[];
}

export interface EnvStep {
  /** What the environment answers: tool results, then the next user message when one follows. */
  readonly messages: ChatMessage[];
  /** The episode is over (terminated or truncated). */
  readonly done: boolean;
  /** Ended by a budget rather than by finishing the task (Gymnasium's truncated). */
  readonly truncated: boolean;
  /** The tools now available, when they changed (BFCL's miss_func adds functions mid-episode). */
  readonly tools?: ToolSpec[];
}

export interface EnvEvaluation {
  /** Outcome reward in [0, 1]. */
  readonly score: number;
  readonly success: boolean;
  /** Environment-specific details (the checker's verdict, the calls it saw). */
  readonly details: Record<string, unknown>;
}

type MaybePromise<T> = T | Promise<T>;

export interface Env<Task> {
  /** Starts an episode of `task` from a fresh state: no state carries over from earlier episodes. */
  reset(task: Task): MaybePromise<EnvReset>;
  step(message: AssistantMessage): MaybePromise<EnvStep>;
  /** The verdict on the episode so far (called once it is done). */
  evaluate(): MaybePromise<EnvEvaluation>;
  close(): MaybePromise<void>;
}
