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
