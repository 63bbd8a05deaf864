/**
 * BFCL v4 multi-turn, ported from the original Python backend (gorilla commit 58f57e91): the eight API classes, the
 * call executor, the multi-turn checker, and an environment for training and evaluation.
 */
export { BfclEnv, BFCL_MAX_STEPS_PER_TURN, HOLDOUT_USER_PROMPT, parseAssistant } from './env.js';
export type { AssistantInput, BfclEnvOptions, BfclEvaluation, BfclReset, BfclStep } from './env.js';
export { BFCL_CATEGORIES, baseSplit, findEntry, functionDocs, isBfclCategory, loadEntries } from './data.js';
export type { BfclCategory, BfclEntry, BfclMessage, FunctionDoc } from './data.js';
export { multiTurnCheck, isEmptyTurn, isLongContextEntry } from './checker.js';
export type { CheckableEntry, CheckerErrorType, CheckerOptions, CheckerVerdict, TurnVerdict } from './checker.js';
export { ApiSession } from './executor.js';
export type { SessionOptions } from './executor.js';
export { entriesById, parseReplayLine, replay } from './replay.js';
export type { ReplayInput, ReplayOutput } from './replay.js';
export { allCategoryStats, categoryStats } from './stats.js';
export type { CategoryStats, Distribution } from './stats.js';
export { entryFunctionDocs, openAiTool } from './tools.js';
export type { OpenAiTool } from './tools.js';
export { API_CLASSES } from './apis/index.js';
export { GOLDEN_DATE, fixedClock } from './apis/contract.js';
export type { ApiClass, ApiContext, ApiInstance, Clock } from './apis/contract.js';
