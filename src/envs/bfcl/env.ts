import { toolCallBlocksInOrder, type AssistantMessage, type ChatMessage } from '../../core/messages.js';
import type { Env, EnvEvaluation } from '../env.js';
import { pythonJson } from '../../core/python-json.js';
import { GOLDEN_DATE, fixedClock, type ApiContext, type Clock } from './apis/contract.js';
import { ProcessState } from './apis/process-state.js';
import { multiTurnCheck, isLongContextEntry, type CheckerVerdict } from './checker.js';
import type { BfclEntry } from './data.js';
import { ApiSession } from './executor.js';
import { jsonLoads } from './python/json.js';
import { PyDict, pyRepr, type PyValue } from './python/value.js';
import { entryFunctionDocs, openAiTool, type OpenAiTool } from './tools.js';

/**
 * The BFCL multi-turn environment for training and evaluation.
 *
 * `reset(entry)` returns the system prompt (with the tool schemas, Qwen 2.5's tool format) and the first user
 * message. Each `step(assistant)` executes the tool calls the message contains and returns their results as tool
 * messages; a message without calls is the answer to the current user question, and the next question follows
 * (miss_func's holdout turns first add the withheld functions). The episode ends after the last question, or when a
 * budget runs out (BFCL's 20 steps per question, or a total call budget). `evaluate()` runs the original
 * multi-turn checker on the calls made.
 */
export interface BfclEnvOptions {
  /** "Today" for TravelAPI's age check (default: the goldens' 2026-11-25). */
  readonly clock?: Clock;
  /** Steps (assistant messages with calls) allowed per user question; BFCL force-terminates past 20. */
  readonly maxStepsPerTurn?: number;
  /** Tool calls allowed in the whole episode (default: unlimited). */
  readonly maxCalls?: number;
  /** Text placed before the tools section of the system prompt (default: none). */
  readonly systemPrompt?: string | null;
  /**
   * Run episodes on the process-wide state the original shares across entries (post_tweet's default lists, the
   * long-context dicts it mutates; see ProcessState), as `bfcl replay` does. Default false: every episode, and every
   * evaluation, starts from a fresh state, so results do not depend on which episodes ran before or alongside.
   */
  readonly sharedProcessState?: boolean;
  /**
   * Spell the tools out in the system prompt, as BFCL prompts a model (default true). False leaves them to the
   * renderer, which gets them from `reset().tools` (the compact renderer gives each tool a token instead); with no
   * system prompt either, the episode starts with the first user message.
   */
  readonly toolsInSystemPrompt?: boolean;
}

/** BFCL's MAXIMUM_STEP_LIMIT. */
export const BFCL_MAX_STEPS_PER_TURN = 20;

/** What BFCL says to the model at a miss_func holdout turn. */
export const HOLDOUT_USER_PROMPT = 'I have updated some more functions you can choose from. What about now?';

/**
 * An assistant message: structured (a renderer's parse, invalid blocks included), raw text with Qwen-style
 * `<tool_call>` blocks, or an OpenAI chat message.
 */
export type AssistantInput =
  | AssistantMessage
  | string
  | {
      readonly content?: string | null;
      readonly tool_calls?: ReadonlyArray<{ readonly function: { readonly name: string; readonly arguments: string } }>;
    };

export interface BfclReset {
  /** System message (tools included in its text) and the first user message. */
  readonly messages: ChatMessage[];
  /** The tools the model may call now, in OpenAI format. */
  readonly tools: OpenAiTool[];
}

export interface BfclStep {
  /** Tool results (one `tool` message per call, in order), then the next user message when a question begins. */
  readonly messages: ChatMessage[];
  readonly done: boolean;
  /** Ended by a budget rather than by answering the last question. */
  readonly truncated: boolean;
  /** The current user question (turn index). */
  readonly turn: number;
  /** The tools available now (changes when miss_func adds the withheld functions). */
  readonly tools: OpenAiTool[];
}

export interface BfclEvaluation extends EnvEvaluation {
  /** 1 when the checker accepts the episode, else 0. */
  readonly score: number;
  /** The checker's verdict, as the original reports it. */
  readonly verdict: CheckerVerdict;
  /** The model's calls as the checker saw them: `[turn][step][call]`. */
  readonly calls: string[][][];
}

interface ParsedCall {
  /** The call as a Python call string, or null when the block could not be read. */
  readonly call: string | null;
  /** Why the block could not be read. */
  readonly error: string | null;
}

export class BfclEnv implements Env<BfclEntry> {
  private readonly context: ApiContext;
  private readonly maxStepsPerTurn: number;
  private readonly maxCalls: number;
  private readonly systemPrompt: string | null;
  private readonly sharedProcessState: boolean;
  private readonly toolsInSystemPrompt: boolean;
  private entry: BfclEntry | null = null;
  private session: ApiSession | null = null;
  private calls: string[][][] = [];
  private turn = 0;
  private stepsThisTurn = 0;
  private callCount = 0;
  private finished = false;
  private truncated = false;
  private withheld = new Set<string>();

  constructor(options: BfclEnvOptions = {}) {
    this.context = { clock: options.clock ?? fixedClock(GOLDEN_DATE) };
    this.maxStepsPerTurn = options.maxStepsPerTurn ?? BFCL_MAX_STEPS_PER_TURN;
    this.maxCalls = options.maxCalls ?? Infinity;
    this.systemPrompt = options.systemPrompt ?? null;
    this.sharedProcessState = options.sharedProcessState ?? false;
    this.toolsInSystemPrompt = options.toolsInSystemPrompt ?? true;
    if (!(this.maxStepsPerTurn >= 1)) throw new RangeError('maxStepsPerTurn must be at least 1');
    if (!(this.maxCalls >= 0)) throw new RangeError('maxCalls must be non-negative');
  }

  reset(entry: BfclEntry): BfclReset {
    this.entry = entry;
    this.session = new ApiSession({
      involvedClasses: entry.involvedClasses,
      initialConfig: entry.initialConfig,
      longContext: isLongContextEntry(entry.id),
      context: this.episodeContext(),
      entryId: entry.id,
    });
    this.calls = [[]];
    this.turn = 0;
    this.stepsThisTurn = 0;
    this.callCount = 0;
    this.finished = false;
    this.truncated = false;
    this.withheld = new Set([...entry.missedFunctions.values()].flat());
    const tools = this.tools();
    const system = [this.systemPrompt, this.toolsInSystemPrompt ? toolsPrompt(tools) : null].filter((x) => x !== null).join('\n\n');
    const head: ChatMessage[] = system.length > 0 ? [{ role: 'system', content: system }] : [];
    return { messages: [...head, ...this.userMessages(0)], tools };
  }

  /** The tools the model may call now. */
  tools(): OpenAiTool[] {
    const entry = this.requireEntry();
    return entryFunctionDocs(entry.involvedClasses, this.withheld).map(openAiTool);
  }

  step(assistant: AssistantInput): BfclStep {
    const entry = this.requireEntry();
    if (this.finished) throw new Error('BfclEnv.step called after the episode ended; call reset()');
    const parsed = parseAssistant(assistant);
    if (parsed.length === 0) return this.nextQuestion(entry);

    const messages: ChatMessage[] = [];
    const stepCalls: string[] = [];
    for (const p of parsed) {
      if (this.callCount >= this.maxCalls) {
        messages.push({ role: 'tool', content: 'Error: the call budget of this episode is used up.' });
        continue;
      }
      this.callCount++;
      if (p.call === null) {
        messages.push({ role: 'tool', content: `Error during parsing: ${p.error}` });
        continue;
      }
      stepCalls.push(p.call);
      messages.push({ role: 'tool', content: this.session!.execute(p.call) });
    }
    if (stepCalls.length > 0) this.calls[this.turn]!.push(stepCalls);
    this.stepsThisTurn++;
    if (this.stepsThisTurn >= this.maxStepsPerTurn || this.callCount >= this.maxCalls) {
      this.finished = true;
      this.truncated = true;
    }
    return { messages, done: this.finished, truncated: this.truncated, turn: this.turn, tools: this.tools() };
  }

  /** The checker's verdict on the calls made so far (unanswered questions make it force-terminated). */
  evaluate(): BfclEvaluation {
    const entry = this.requireEntry();
    const model = this.calls.map((t) => t.map((s) => [...s]));
    const verdict = multiTurnCheck(model, entry.groundTruth, entry, { context: this.episodeContext() });
    return { score: verdict.valid ? 1 : 0, success: verdict.valid, details: { ...verdict, calls: model }, verdict, calls: model };
  }

  close(): void {
    this.entry = null;
    this.session = null;
  }

  /** The context of an episode's sessions: the process-wide state when shared, else a new process's. */
  private episodeContext(): ApiContext {
    return this.sharedProcessState ? this.context : { ...this.context, process: ProcessState.fresh() };
  }

  private nextQuestion(entry: BfclEntry): BfclStep {
    this.turn++;
    this.stepsThisTurn = 0;
    if (this.turn >= entry.question.length) {
      this.finished = true;
      this.turn = entry.question.length - 1;
      return { messages: [], done: true, truncated: false, turn: this.turn, tools: this.tools() };
    }
    this.calls.push([]);
    const added = entry.missedFunctions.get(this.turn);
    if (added) for (const name of added) this.withheld.delete(name);
    return { messages: this.userMessages(this.turn), done: false, truncated: false, turn: this.turn, tools: this.tools() };
  }

  /** The user messages of a turn; a holdout turn (no message) announces the functions it adds, in JSON. */
  private userMessages(turn: number): ChatMessage[] {
    const entry = this.requireEntry();
    const question = entry.question[turn] ?? [];
    const added = entry.missedFunctions.get(turn);
    if (question.length === 0 && added) {
      const docs = entryFunctionDocs(entry.involvedClasses).filter((d) => added.includes(d.name));
      const list = docs.map((d) => pythonJson(openAiTool(d))).join('\n');
      return [{ role: 'user', content: `${HOLDOUT_USER_PROMPT}\nThe added functions:\n${list}` }];
    }
    return question.map((m) => ({ role: 'user', content: m.content }));
  }

  private requireEntry(): BfclEntry {
    if (!this.entry) throw new Error('BfclEnv: call reset(entry) first');
    return this.entry;
  }
}

/** The tools section of the system prompt (Qwen 2.5's wording). */
function toolsPrompt(tools: readonly OpenAiTool[]): string {
  return (
    '# Tools\n\nYou may call one or more functions to assist with the user query.\n\n' +
    'You are provided with function signatures within <tools></tools> XML tags:\n<tools>' +
    tools.map((t) => `\n${pythonJson(t)}`).join('') +
    '\n</tools>\n\nFor each function call, return a json object with function name and arguments within ' +
    '<tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>'
  );
}

/** The calls in an assistant message, in order (calls written inside `<think>` are not calls). */
export function parseAssistant(assistant: AssistantInput): ParsedCall[] {
  if (typeof assistant === 'string') return toolCallBlocks(visibleText(assistant)).map(callFromJson);
  if ('role' in assistant) {
    return toolCallBlocksInOrder(assistant).map((b) =>
      'call' in b ? callFromParts(b.call.name, JSON.stringify(b.call.arguments)) : { call: null, error: b.invalid.error },
    );
  }
  return (assistant.tool_calls ?? []).map((c) => callFromParts(c.function.name, c.function.arguments));
}

/** The text outside `<think>` blocks: an unclosed `<think>` runs to the end; a leading `</think>` closes from the start. */
function visibleText(text: string): string {
  const firstOpen = text.indexOf('<think>');
  const firstClose = text.indexOf('</think>');
  let pos = 0;
  if (firstClose >= 0 && (firstOpen < 0 || firstClose < firstOpen)) pos = firstClose + '</think>'.length;
  let visible = '';
  for (;;) {
    const open = text.indexOf('<think>', pos);
    if (open < 0) return visible + text.slice(pos);
    visible += text.slice(pos, open);
    const close = text.indexOf('</think>', open);
    if (close < 0) return visible;
    pos = close + '</think>'.length;
  }
}

function toolCallBlocks(text: string): string[] {
  const blocks: string[] = [];
  let pos = 0;
  for (;;) {
    const open = text.indexOf('<tool_call>', pos);
    if (open < 0) return blocks;
    const close = text.indexOf('</tool_call>', open);
    blocks.push(text.slice(open + '<tool_call>'.length, close < 0 ? text.length : close));
    if (close < 0) return blocks;
    pos = close + '</tool_call>'.length;
  }
}

function callFromJson(body: string): ParsedCall {
  let value: PyValue;
  try {
    value = jsonLoads(body.trim());
  } catch (e) {
    return { call: null, error: `the tool call is not valid JSON (${(e as Error).message})` };
  }
  if (!(value instanceof PyDict)) return { call: null, error: 'a tool call must be a JSON object {"name": ..., "arguments": {...}}' };
  const name = value.get('name');
  if (typeof name !== 'string' || name === '') return { call: null, error: 'a tool call needs a non-empty string "name"' };
  let args: PyValue = value.get('arguments') ?? value.get('parameters') ?? new PyDict();
  if (typeof args === 'string') {
    // Some models write the arguments as a JSON string, as OpenAI's format does.
    try {
      args = jsonLoads(args);
    } catch {
      return { call: null, error: `the arguments of ${name} are not a JSON object` };
    }
  }
  return callFromArgs(name, args);
}

function callFromParts(name: string, argumentsJson: string): ParsedCall {
  let args: PyValue;
  try {
    args = argumentsJson.trim() === '' ? new PyDict() : jsonLoads(argumentsJson);
  } catch (e) {
    return { call: null, error: `the arguments of ${name} are not valid JSON (${(e as Error).message})` };
  }
  return callFromArgs(name, args);
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A JSON call as the Python call string BFCL's convert_to_function_call builds (`name(k=repr(v),...)`), so the
 * checker executes exactly what the model asked for; JSON's 5 and 5.0 stay an int and a float.
 */
function callFromArgs(name: string, args: PyValue): ParsedCall {
  if (!IDENTIFIER.test(name)) return { call: null, error: `${JSON.stringify(name)} is not a function name` };
  if (!(args instanceof PyDict)) return { call: null, error: `the arguments of ${name} must be a JSON object` };
  const parts: string[] = [];
  for (const [k, v] of args) {
    if (typeof k !== 'string' || !IDENTIFIER.test(k)) {
      return { call: null, error: `${JSON.stringify(k)} is not a parameter name` };
    }
    parts.push(`${k}=${pyRepr(v)}`);
  }
  return { call: `${name}(${parts.join(',')})`, error: null };
}
