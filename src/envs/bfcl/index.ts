/**
 * Public API of the BFCL v4 multi-turn port (gorilla commit 58f57e91): the environment for training and evaluation,
 * the entries and the paper's split, the multi-turn checker, the call executor and the replay contract. Names are
 * prefixed where they would be ambiguous in the package root.
 */
export { BfclEnv, BFCL_MAX_STEPS_PER_TURN } from './env.js';
export type { AssistantInput as BfclAssistantInput, BfclEnvOptions, BfclEvaluation, BfclReset, BfclStep } from './env.js';
export { BFCL_CATEGORIES, baseSplit as bfclBaseSplit, findEntry as findBfclEntry, loadEntries as loadBfclEntries } from './data.js';
export type { BfclCategory, BfclEntry } from './data.js';
export { multiTurnCheck as bfclMultiTurnCheck } from './checker.js';
export type { CheckerErrorType as BfclErrorType, CheckerVerdict as BfclVerdict, TurnVerdict as BfclTurnVerdict } from './checker.js';
export { ApiSession as BfclApiSession } from './executor.js';
export { ProcessState as BfclProcessState } from './apis/process-state.js';
export { replay as bfclReplay } from './replay.js';
export type { ReplayInput as BfclReplayInput, ReplayOptions as BfclReplayOptions, ReplayOutput as BfclReplayOutput } from './replay.js';
export { allCategoryStats as bfclCategoryStats } from './stats.js';
export type { CategoryStats as BfclCategoryStats } from './stats.js';
export type { OpenAiTool as BfclTool } from './tools.js';
export { API_CLASSES as BFCL_API_CLASSES } from './apis/index.js';
export { GOLDEN_DATE as BFCL_GOLDEN_DATE, fixedClock as bfclFixedClock } from './apis/contract.js';
export type { Clock as BfclClock } from './apis/contract.js';
