import { UserError } from '../../core/errors.js';
import { GOLDEN_DATE, fixedClock, type ApiContext, type Clock } from './apis/contract.js';
import { PROCESS_STATE, type ProcessState } from './apis/process-state.js';
import { isLongContextEntry, multiTurnCheck } from './checker.js';
import { loadEntries, type BfclCategory, type BfclEntry } from './data.js';
import { ApiSession, DEFAULT_MODEL_NAME } from './executor.js';

/**
 * The replay contract: a model's calls for one entry in, the result string of every call and the checker's
 * verdict out. Results and verdict come from one checker run (as in the original, whose execution results are
 * the model side of its own run).
 */
export interface ReplayInput {
  readonly id: string;
  /** `[turn][step][call]` Python call strings. */
  readonly model: string[][][];
}

export interface ReplayOutput {
  readonly id: string;
  readonly results: string[][][];
  readonly valid: boolean;
  readonly error_type: string | null;
}

/** Parses one input line (`{"id", "model"}`); `where` names the line in errors. */
export function parseReplayLine(line: string, where: string): ReplayInput {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    throw new UserError(`${where}: not JSON (${(e as Error).message})`);
  }
  const v = value as { id?: unknown; model?: unknown };
  if (typeof v !== 'object' || v === null || typeof v.id !== 'string') throw new UserError(`${where}: needs a string "id"`);
  const model = v.model;
  const ok =
    Array.isArray(model) &&
    model.every((turn) => Array.isArray(turn) && turn.every((step) => Array.isArray(step) && step.every((c) => typeof c === 'string')));
  if (!ok) throw new UserError(`${where}: "model" must be a list (turns) of lists (steps) of call strings`);
  return { id: v.id, model: model as string[][][] };
}

/** Index of a category's entries by id. */
export function entriesById(category: BfclCategory): Map<string, BfclEntry> {
  return new Map(loadEntries(category).map((e) => [e.id, e]));
}

export interface ReplayOptions {
  /** "Today" for TravelAPI's age check (default: the goldens' 2026-11-25). */
  readonly clock?: Clock;
  /** The model name in the original's instance names (see `SessionOptions.modelName`). */
  readonly modelName?: string;
  /**
   * The state shared across entries (default: the process-wide one, so a file replays as in one Python process;
   * a test passes `ProcessState.fresh()` to replay as a new process would).
   */
  readonly process?: ProcessState;
}

/**
 * Runs one input against its entry. The results of turns after the failing one, and all results of a
 * force-terminated input (the original's checker runs nothing then), are computed on a copy of the process state,
 * so they change nothing that later inputs see.
 */
export function replay(input: ReplayInput, entry: BfclEntry, options: ReplayOptions = {}): ReplayOutput {
  const context = { clock: options.clock ?? fixedClock(GOLDEN_DATE), process: options.process ?? PROCESS_STATE };
  const modelName = options.modelName ?? DEFAULT_MODEL_NAME;
  const verdict = multiTurnCheck(input.model, entry.groundTruth, entry, { context, modelName });
  const results =
    verdict.errorType === 'multi_turn:force_terminated'
      ? forceTerminatedResults(input, entry, { ...context, process: context.process.snapshot() }, modelName)
      : verdict.modelResults;
  return { id: input.id, results, valid: verdict.valid, error_type: verdict.errorType };
}

/** When the turn counts differ the checker runs nothing; the results still come from running the model's calls. */
function forceTerminatedResults(input: ReplayInput, entry: BfclEntry, context: ApiContext, modelName: string): string[][][] {
  const session = new ApiSession({
    involvedClasses: entry.involvedClasses,
    initialConfig: entry.initialConfig,
    longContext: isLongContextEntry(entry.id),
    context,
    modelName: `${modelName}_eval`,
    entryId: entry.id,
  });
  return input.model.map((turn) => turn.map((step) => session.executeAll(step)));
}
