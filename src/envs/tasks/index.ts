// Generated multi-turn tool tasks over the BFCL API classes: the built-in default environment of `seeupo train`.
export * from './words.js';
export { TaskKnobsSchema, DEFAULT_TASK_KNOBS, DISTRACTOR_CLASSES, TASK_FAMILIES, type TaskFamily, type TaskKnobs } from './knobs.js';
export {
  TASK_SPLITS,
  TURN_KINDS,
  TASK_API_CLASSES,
  isTaskSplit,
  involvedClasses,
  taskAt,
  taskStream,
  generateTask,
  type TaskSplit,
  type TaskSpec,
  type TurnKind,
  type TrapTurnKind,
  type TrapPaths,
} from './generate.js';
export { callString } from './calls.js';
export { demonstration, demonstratedSteps, sftDemonstration } from './demonstration.js';
export { taskToJsonLine, taskFromJsonLine, entryFromJsonLine } from './jsonl.js';
export { formatTask } from './format.js';
export { taskStats, type TaskStats, type TrapStats } from './stats.js';
export { earlyChoice, type EarlyChoice } from './trap.js';
