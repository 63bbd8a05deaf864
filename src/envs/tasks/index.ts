// Generated multi-turn tool tasks over the BFCL API classes: the built-in default environment of `seeupo train`.
export * from './words.js';
export { TaskKnobsSchema, DEFAULT_TASK_KNOBS, DISTRACTOR_CLASSES, type TaskKnobs } from './knobs.js';
export {
  TASK_SPLITS,
  TASK_API_CLASSES,
  isTaskSplit,
  involvedClasses,
  taskAt,
  taskStream,
  generateTask,
  type TaskSplit,
  type TaskSpec,
  type TurnKind,
} from './generate.js';
export { callString } from './calls.js';
export { demonstration } from './demonstration.js';
export { taskToJsonLine, taskFromJsonLine, entryFromJsonLine } from './jsonl.js';
export { formatTask } from './format.js';
export { taskStats, type TaskStats } from './stats.js';
