import type { ApiClass, ApiContext } from './apis/contract.js';
import { processStateOf } from './apis/process-state.js';
import { ApiSession, DEFAULT_MODEL_NAME } from './executor.js';
import { PyDict, pyEq, type PyValue } from './python/value.js';

/**
 * Port of multi_turn_checker.multi_turn_checker (and the force-termination pre-check of BFCL's eval runner).
 *
 * Per user turn, the model's calls (all steps) run on one set of instances and the ground truth's on another, both
 * kept across turns. A turn whose ground truth is empty is skipped (its model calls still run, so later states
 * are right). Otherwise: an empty model turn fails; then every public attribute of every instance must be equal
 * (Python `==`); then every ground-truth result of the turn must appear among the model's results of this and all
 * earlier turns (as a multiset). The first failure is the verdict, and the original stops there: nothing of later
 * turns runs on the context's process state (post_tweet's shared defaults, see ProcessState), so a whole file is
 * checked in the same conditions as by the original. Later turns are still checked and executed, for per-turn
 * information only, in a second run on a copy of the process state taken before the check (so their results follow
 * from the same states, and no later check can see them).
 */
export type CheckerErrorType =
  | 'multi_turn:force_terminated'
  | 'multi_turn:empty_turn_model_response'
  | 'multi_turn:instance_state_mismatch'
  | 'multi_turn:execution_response_mismatch';

/** The check of one user turn. */
export interface TurnVerdict {
  readonly turn: number;
  /** The ground truth of this turn is empty (nothing to check; the model should not have been able to act). */
  readonly skipped: boolean;
  readonly valid: boolean;
  readonly errorType: CheckerErrorType | null;
  readonly errorMessage: string | null;
  /** For a state mismatch: the differing attributes per class; for a response mismatch: the missing results. */
  readonly details: PyValue;
}

export interface CheckerVerdict {
  /** The original checker's verdict: valid, or the first failing turn's error. */
  readonly valid: boolean;
  readonly errorType: CheckerErrorType | null;
  readonly errorMessage: string | null;
  /** The turn the verdict was decided at (null when valid or force-terminated). */
  readonly turn: number | null;
  readonly details: PyValue;
  /**
   * Every turn checked on its own with the same rules (the original stops at the first failure; the turns after it
   * come from the isolated second run, e.g. for per-turn rewards). Empty when force-terminated.
   */
  readonly turns: readonly TurnVerdict[];
  /**
   * The result string of every model call, `[turn][step][call]`: up to the failing turn from the check itself, after
   * it from the isolated second run (empty when force-terminated).
   */
  readonly modelResults: string[][][];
}

/** What the checker needs from an entry. */
export interface CheckableEntry {
  readonly id: string;
  readonly involvedClasses: readonly string[];
  readonly initialConfig: PyDict;
}

export interface CheckerOptions {
  readonly context: ApiContext;
  readonly registry?: ReadonlyMap<string, ApiClass>;
  /** The run's model name, part of the instance names (see `SessionOptions.modelName`; default `DEFAULT_MODEL_NAME`). */
  readonly modelName?: string;
}

/** Whether an entry runs its classes in long-context mode (decided from the id, as the original does). */
export function isLongContextEntry(id: string): boolean {
  const category = id.slice(0, id.lastIndexOf('_'));
  return category.includes('long_context') || category.includes('composite');
}

/** `is_empty_execute_response`: no steps, or exactly one step with no calls. */
export function isEmptyTurn(steps: ReadonlyArray<readonly string[]>): boolean {
  return steps.length === 0 || (steps.length === 1 && steps[0]!.length === 0);
}

/**
 * Checks a model's calls (`[turn][step][call]`) against the ground truth (`[turn][call]`).
 */
export function multiTurnCheck(
  model: ReadonlyArray<ReadonlyArray<readonly string[]>>,
  groundTruth: ReadonlyArray<readonly string[]>,
  entry: CheckableEntry,
  options: CheckerOptions,
): CheckerVerdict {
  if (model.length !== groundTruth.length) {
    return {
      valid: false,
      errorType: 'multi_turn:force_terminated',
      errorMessage: `Model was force-terminated during inference phase. The length of the model result turns (${model.length}) does not match the length of the ground truth turns (${groundTruth.length}).`,
      turn: null,
      details: null,
      turns: [],
      modelResults: [],
    };
  }
  const start = processStateOf(options.context).snapshot();
  const checked = runTurns(model, groundTruth, entry, options, true);
  const failed = checked.turns.find((t) => !t.valid);
  if (!failed) {
    const { turns, modelResults } = checked;
    return { valid: true, errorType: null, errorMessage: null, turn: null, details: null, turns, modelResults };
  }
  let { turns, modelResults } = checked;
  if (failed.turn < groundTruth.length - 1) {
    const rest = runTurns(model, groundTruth, entry, { ...options, context: { ...options.context, process: start } }, false);
    turns = [...turns, ...rest.turns.slice(failed.turn + 1)];
    modelResults = [...modelResults, ...rest.modelResults.slice(failed.turn + 1)];
  }
  const { errorType, errorMessage, details } = failed;
  return { valid: false, errorType, errorMessage, turn: failed.turn, details, turns, modelResults };
}

/** The checker's loop: per turn the model's steps, then the ground truth's calls, then the check. */
function runTurns(
  model: ReadonlyArray<ReadonlyArray<readonly string[]>>,
  groundTruth: ReadonlyArray<readonly string[]>,
  entry: CheckableEntry,
  options: CheckerOptions,
  stopAtFailure: boolean,
): { turns: TurnVerdict[]; modelResults: string[][][] } {
  const modelName = options.modelName ?? DEFAULT_MODEL_NAME;
  const sessionOptions = {
    involvedClasses: entry.involvedClasses,
    initialConfig: entry.initialConfig,
    longContext: isLongContextEntry(entry.id),
    context: options.context,
    entryId: entry.id,
    ...(options.registry ? { registry: options.registry } : {}),
  };
  const modelSession = new ApiSession({ ...sessionOptions, modelName: `${modelName}_eval` });
  const truthSession = new ApiSession({ ...sessionOptions, modelName: `${modelName}_ground_truth_eval` });
  const allModelResults: string[] = [];
  const turns: TurnVerdict[] = [];
  const modelResults: string[][][] = [];
  for (let turn = 0; turn < groundTruth.length; turn++) {
    const steps = model[turn]!;
    const turnResults = steps.map((step) => modelSession.executeAll(step));
    modelResults.push(turnResults);
    for (const r of turnResults) allModelResults.push(...r);
    const truthCalls = groundTruth[turn]!;
    const truthResults = truthSession.executeAll(truthCalls);
    const verdict = checkTurn(turn, steps, truthCalls, truthResults, allModelResults, modelSession, truthSession);
    turns.push(verdict);
    if (stopAtFailure && !verdict.valid) break;
  }
  return { turns, modelResults };
}

function checkTurn(
  turn: number,
  steps: ReadonlyArray<readonly string[]>,
  truthCalls: readonly string[],
  truthResults: readonly string[],
  allModelResults: readonly string[],
  modelSession: ApiSession,
  truthSession: ApiSession,
): TurnVerdict {
  const fail = (errorType: CheckerErrorType, errorMessage: string, details: PyValue): TurnVerdict => ({
    turn,
    skipped: false,
    valid: false,
    errorType,
    errorMessage,
    details,
  });
  if (truthCalls.length === 0) {
    return { turn, skipped: true, valid: true, errorType: null, errorMessage: null, details: null };
  }
  if (isEmptyTurn(steps)) {
    return fail('multi_turn:empty_turn_model_response', `Model response list is empty for turn ${turn}`, null);
  }
  for (const [className, truthInstance] of truthSession.instances) {
    const modelState = modelSession.instances.get(className)!.publicState();
    const differences = new PyDict();
    for (const [attr, truthValue] of Object.entries(truthInstance.publicState())) {
      const modelValue = Object.prototype.hasOwnProperty.call(modelState, attr) ? modelState[attr]! : null;
      if (!pyEq(modelValue, truthValue)) differences.set(attr, PyDict.of({ model: modelValue, ground_truth: truthValue }));
    }
    if (differences.size > 0) {
      return fail(
        'multi_turn:instance_state_mismatch',
        `Model instance for ${className} does not match the state with ground truth instance.`,
        differences,
      );
    }
  }
  const missing = missingUnordered(truthResults, allModelResults);
  if (missing.length > 0) {
    return fail(
      'multi_turn:execution_response_mismatch',
      `Model response execution results so far does not contain all the ground truth response execution results for turn ${turn}.`,
      missing,
    );
  }
  return { turn, skipped: false, valid: true, errorType: null, errorMessage: null, details: null };
}

/** `_is_subsequence_unordered`: the items of `wanted` not found in `have`, each match consuming one item. */
function missingUnordered(wanted: readonly string[], have: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const h of have) counts.set(h, (counts.get(h) ?? 0) + 1);
  const missing: string[] = [];
  for (const w of wanted) {
    const c = counts.get(w) ?? 0;
    if (c > 0) counts.set(w, c - 1);
    else missing.push(w);
  }
  return missing;
}
