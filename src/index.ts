// Public library surface of seeupo.
export * from './core/types.js';
export * from './core/turn-batch.js';
export * from './core/rng.js';
export * from './core/errors.js';
export * from './core/config.js';
export * from './algos/index.js';
export { LearnerPort } from './train/learner-port.js';
export * from './policy/learner.js';
export * from './policy/weights.js';
export * from './policy/safetensors.js';
export * from './policy/checkpoint.js';
export { TfjsLearner, type TfjsLearnerOptions } from './policy/tfjs/learner.js';
export { NativeLearner, type NativeLearnerOptions } from './policy/native/native-learner.js';
export {
  chooseLocalBackend,
  createLocalLearner,
  localBackendStatuses,
  LOCAL_BACKENDS,
  type BackendStatus,
  type LocalBackend,
  type LocalLearnerOptions,
} from './policy/native/select.js';
export * from './policy/tokenizer/index.js';
export * from './policy/chat/index.js';
export * as lab from './lab/index.js';
export * from './envs/bfcl/index.js';
export * as tasks from './envs/tasks/index.js';
export type { AssistantMessage, ChatMessage as CoreChatMessage, InvalidToolCall, ToolCall as CoreToolCall } from './core/messages.js';
export type { Env, EnvEvaluation, EnvReset, EnvStep } from './envs/env.js';
export * as render from './render/index.js';
export type { RolloutPolicy, RolloutRequest } from './rollout/policy.js';
export { localRolloutPolicy } from './rollout/local-policy.js';
export { playEpisodes, type Episode, type EpisodeSpec, type RolloutOptions } from './rollout/episodes.js';
export { createOpenAIPolicy, openAIPolicyOptionsSchema, type OpenAIPolicyOptions } from './rollout/openai-policy.js';
export { isFailedSample, type FailedSample } from './rollout/policy.js';
export { HttpEnv } from './envs/http/http-env.js';
export { train, type TrainOptions, type TrainResult, type TrainSummary, type TrainProgress } from './train/trainer.js';
export { loadTrainConfig, trainConfigSchema, type TrainConfig } from './train/config.js';
export { generatedTaskSource } from './train/generated-tasks.js';
export type { TaskSource, TrainTask, Split } from './train/task-source.js';
export { evaluateSplit, type SplitEvaluation } from './train/evaluate.js';
export { writeRunReport } from './report/index.js';
export { createTinkerLearner, TinkerLearner, type TinkerLearnerOptions } from './policy/remote/tinker-learner.js';
