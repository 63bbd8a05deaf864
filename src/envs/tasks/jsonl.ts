import type { ToolCall } from '../../core/messages.js';
import { UserError } from '../../core/errors.js';
import type { BfclEntry, BfclMessage } from '../bfcl/data.js';
import { jsonLoads } from '../bfcl/python/json.js';
import { PyDict, jsonDumps, jsonString } from '../bfcl/python/value.js';
import { callString } from './calls.js';
import { isTaskSplit, TURN_KINDS, type TaskSpec, type TrapPaths, type TurnKind } from './generate.js';

/**
 * A task as one JSON line, in BFCL's own field names so the line is an entry of the question file and of the answer
 * file at once, and a `seeupo bfcl replay` input line too:
 *
 *   {"id", "question", "initial_config", "involved_classes",   BFCL's question entry
 *    "ground_truth",                                            BFCL's possible answer: [turn][call]
 *    "model",                                                   replay's input: the ground truth as [turn][step][call]
 *    "split", "turn_kinds", "steps",                            the generator's: structured steps as {name, arguments}
 *    "trap_steps", "demonstrated"}                              trap family only: the obvious path, the path SFT shows
 *
 * `initial_config` keeps Python's ints and floats apart (written with BFCL's json.dumps, read back with its loader).
 */
export function taskToJsonLine(task: TaskSpec): string {
  const e = task.entry;
  const fields: Array<[string, string]> = [
    ['id', jsonString(task.id)],
    ['question', JSON.stringify(e.question)],
    ['initial_config', jsonDumps(e.initialConfig)],
    ['involved_classes', JSON.stringify(e.involvedClasses)],
    ['ground_truth', JSON.stringify(e.groundTruth)],
    ['model', JSON.stringify(task.steps.map((turn, t) => splitLike(turn, e.groundTruth[t]!)))],
    ['split', JSON.stringify(task.split)],
    ['turn_kinds', JSON.stringify(task.turnKinds)],
    ['steps', JSON.stringify(task.steps)],
    ...(task.trap
      ? ([
          ['trap_steps', JSON.stringify(task.trap.trapSteps)],
          ['demonstrated', JSON.stringify(task.trap.demonstrated)],
        ] as Array<[string, string]>)
      : []),
  ];
  return `{${fields.map(([k, v]) => `"${k}": ${v}`).join(', ')}}`;
}

/** The call strings of a turn grouped like its steps. */
function splitLike(steps: ReadonlyArray<readonly ToolCall[]>, calls: readonly string[]): string[][] {
  let i = 0;
  return steps.map((s) => calls.slice(i, (i += s.length)));
}

/**
 * A BFCL entry from a JSON line that carries one (`id`, `question`, `initial_config`, `involved_classes`,
 * `ground_truth`), or null when the line has no `initial_config` (a plain replay line naming a shipped entry).
 */
export function entryFromJsonLine(line: string, where: string): BfclEntry | null {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(line) as Record<string, unknown>;
  } catch (e) {
    throw new UserError(`${where}: not JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || !('initial_config' in raw)) return null;
  const full = jsonLoads(line) as PyDict;
  const initialConfig = full.get('initial_config');
  const isStrings = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');
  const question = raw['question'];
  const questionOk =
    Array.isArray(question) &&
    question.every((turn) => Array.isArray(turn) && turn.every((m) => typeof m?.role === 'string' && typeof m?.content === 'string'));
  const groundTruth = raw['ground_truth'];
  if (typeof raw['id'] !== 'string') throw new UserError(`${where}: needs a string "id"`);
  if (!(initialConfig instanceof PyDict)) throw new UserError(`${where}: "initial_config" must be an object`);
  if (!questionOk) throw new UserError(`${where}: "question" must be a list (turns) of lists of {"role", "content"} messages`);
  if (!isStrings(raw['involved_classes'])) throw new UserError(`${where}: "involved_classes" must be a list of class names`);
  if (!(Array.isArray(groundTruth) && groundTruth.every(isStrings))) {
    throw new UserError(`${where}: "ground_truth" must be a list (turns) of lists of call strings`);
  }
  return {
    id: raw['id'],
    category: 'base',
    question: question as BfclMessage[][],
    involvedClasses: raw['involved_classes'],
    initialConfig,
    missedFunctions: new Map(),
    groundTruth,
  };
}

/** A task back from its JSON line (what `seeupo tasks export` wrote). */
export function taskFromJsonLine(line: string, where: string): TaskSpec {
  const entry = entryFromJsonLine(line, where);
  if (!entry) throw new UserError(`${where}: not a task line (no "initial_config")`);
  const raw = JSON.parse(line) as { split?: unknown; turn_kinds?: unknown; steps?: unknown; trap_steps?: unknown; demonstrated?: unknown };
  const kinds = raw.turn_kinds;
  const steps = raw.steps;
  if (typeof raw.split !== 'string' || !isTaskSplit(raw.split)) throw new UserError(`${where}: "split" must be train, test or heldout`);
  const kindsOk = Array.isArray(kinds) && kinds.length === entry.question.length && kinds.every((k) => (TURN_KINDS as unknown[]).includes(k));
  if (!kindsOk) throw new UserError(`${where}: "turn_kinds" must give one of ${TURN_KINDS.join(', ')} for each turn`);
  const isCall = (c: unknown): c is ToolCall =>
    typeof c === 'object' && c !== null && typeof (c as ToolCall).name === 'string' && typeof (c as ToolCall).arguments === 'object';
  const stepsOk = (x: unknown): x is ToolCall[][][] =>
    Array.isArray(x) &&
    x.length === entry.question.length &&
    x.every((turn) => Array.isArray(turn) && turn.every((s) => Array.isArray(s) && s.every(isCall)));
  if (!stepsOk(steps)) throw new UserError(`${where}: "steps" must be a list (turns) of lists (steps) of {"name", "arguments"} calls`);
  let trap: TrapPaths | undefined;
  if (raw.trap_steps !== undefined || raw.demonstrated !== undefined) {
    if (!stepsOk(raw.trap_steps)) throw new UserError(`${where}: "trap_steps" must be a list (turns) of lists (steps) of {"name", "arguments"} calls`);
    if (raw.demonstrated !== 'good' && raw.demonstrated !== 'trap') throw new UserError(`${where}: "demonstrated" must be good or trap`);
    trap = { trapSteps: raw.trap_steps, demonstrated: raw.demonstrated };
  }
  const typedSteps = steps as ToolCall[][][];
  typedSteps.forEach((turn, t) => {
    const calls = turn.flat().map(callString);
    if (JSON.stringify(calls) !== JSON.stringify(entry.groundTruth[t])) {
      throw new UserError(`${where}: "steps" of turn ${t} are not the calls of "ground_truth"`);
    }
  });
  return { id: entry.id, split: raw.split, entry, turnKinds: kinds as TurnKind[], steps: typedSteps, ...(trap ? { trap } : {}) };
}
