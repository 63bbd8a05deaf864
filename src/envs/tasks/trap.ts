import type { ChatMessage, ToolCall } from '../../core/messages.js';
import type { Rng } from '../../core/rng.js';
import { LITERAL_REQUESTS, type Request } from './actions.js';
import { taskEntry } from './calls.js';
import type { TaskSpec, TaskSplit, TrapPaths, TurnKind } from './generate.js';
import type { TaskKnobs } from './knobs.js';
import { pick, TaskWorld } from './world.js';
import { CONTENT_WORDS, extensionOf, fileNamePool, FILE_EXTENSIONS } from './words.js';

/**
 * The trap family: an early choice that decides a later turn, which only the episode's end reveals.
 *
 * The working directory holds a hidden file (`.stem.ext`, the only file of its extension there). Turn 1 says
 * "list files": `ls()` is the obvious answer and its listing looks complete; `ls(a=True)` also lists the hidden file.
 * The ground truth is `ls(a=True)`. Literal turns follow (`userTurns` − 2 of them, none of which lists, moves the
 * working directory or names the hidden extension), then the payoff turn asks for "the <ext> file", which only the
 * complete listing showed. The BFCL checker wants every ground-truth result of a turn among the model's results so
 * far, so an episode that answered turn 1 with `ls()` fails whatever it does later: a late `ls(a=True)` in the
 * payoff turn finds the file and leaves the right state, and still scores 0. The reward (the checker's 0/1) comes
 * only at the end, so the early choice must get its credit across turns.
 */

/**
 * Calls left out of the literal turns in between: a listing there would show or hide the hidden file before the
 * payoff turn, and the payoff happens in the start directory.
 */
const NOT_IN_FILLERS = new Set(['ls', 'find', 'get_user_id', 'cd']);

const call = (name: string, args: Record<string, unknown> = {}): ToolCall => ({ name, arguments: args });

export function generateTrapTask(rng: Rng, split: TaskSplit, knobs: TaskKnobs, id: string): TaskSpec {
  // Which path the demonstration shows is drawn on a stream of its own: trapDemoShare never changes the task.
  const demonstrated: TrapPaths['demonstrated'] = rng.fork('demonstration').next() < knobs.trapDemoShare ? 'good' : 'trap';
  const pool = fileNamePool(split === 'heldout');
  const world = TaskWorld.generate(rng, pool, knobs.messaging);
  const visibleExts = new Set([...world.root.files.keys()].map(extensionOf));
  const ext = pick(rng, FILE_EXTENSIONS.filter((e) => !visibleExts.has(e)));
  const hidden = `.${pick(rng, pool.filter((f) => extensionOf(f) === ext))}`;
  // In the start state only: the generator's model of the visible tree never holds it, so no literal turn names it.
  world.root.files.set(hidden, pick(rng, CONTENT_WORDS));
  const initialConfig = world.initialConfig();
  world.root.files.delete(hidden);

  const question: string[] = ['list files'];
  const turnKinds: TurnKind[] = ['trap'];
  const good: ToolCall[][][] = [[[call('ls', { a: true })]]];
  const trap: ToolCall[][][] = [[[call('ls')]]];
  const fillerPool = pool.filter((f) => extensionOf(f) !== ext);
  for (let t = 1; t < knobs.userTurns - 1; t++) {
    const r = drawFiller(world, rng, fillerPool);
    r.apply();
    question.push(r.text);
    turnKinds.push('literal');
    good.push(r.steps.map((s) => [...s]));
    trap.push(r.steps.map((s) => [...s]));
  }
  const payoff = payoffRequest(world, rng, hidden, ext);
  question.push(payoff.text);
  turnKinds.push('payoff');
  good.push([[payoff.call]]);
  trap.push([[call('ls', { a: true })], [payoff.call]]);

  const entry = taskEntry(id, question, knobs, initialConfig, good);
  return { id, split, entry, turnKinds, steps: good, trap: { trapSteps: trap, demonstrated } };
}

/** A literal request that neither looks up, nor leaves the start directory (the default family's weights). */
function drawFiller(world: TaskWorld, rng: Rng, pool: readonly string[]): Request {
  const built = LITERAL_REQUESTS.map((r) => ({ weight: r.weight, request: r.build(world, rng, pool) }));
  const feasible = built.filter((b) => b.request !== null && !b.request.steps.flat().some((c) => NOT_IN_FILLERS.has(c.name)));
  return feasible[rng.categorical(feasible.map((b) => b.weight))]!.request!;
}

/** The last turn: move, copy, delete or show "the <ext> file", which is the hidden one. */
function payoffRequest(world: TaskWorld, rng: Rng, hidden: string, ext: string): { text: string; call: ToolCall } {
  const dir = pick(rng, [...world.root.dirs.keys()]);
  switch (rng.int(4)) {
    case 0:
      return { text: `move the ${ext} file to ${dir}`, call: call('mv', { source: hidden, destination: dir }) };
    case 1:
      return { text: `copy the ${ext} file to ${dir}`, call: call('cp', { source: hidden, destination: dir }) };
    case 2:
      return { text: `delete the ${ext} file`, call: call('rm', { file_name: hidden }) };
    default:
      return { text: `show the ${ext} file`, call: call('cat', { file_name: hidden }) };
  }
}

/** What an episode did at a trap task's first turn: the complete listing, only the plain one, or no listing. */
export type EarlyChoice = 'good' | 'trap' | 'none';

/**
 * The early choice an episode's messages show: `good` when a call of the first user turn is `ls` with a true `a`
 * (Python's truth, as the API reads it), `trap` when its only listings are plain, `none` when it made no `ls` call.
 */
export function earlyChoice(messages: readonly ChatMessage[]): EarlyChoice {
  const firstUser = messages.findIndex((m) => m.role === 'user');
  const nextUser = messages.findIndex((m, i) => i > firstUser && m.role === 'user');
  const turn = messages.slice(firstUser + 1, nextUser < 0 ? messages.length : nextUser);
  const listings = turn.flatMap((m) => (m.role === 'assistant' ? (m.toolCalls ?? []) : [])).filter((c) => c.name === 'ls');
  if (listings.length === 0) return 'none';
  return listings.some((c) => pyTruthy(c.arguments['a'])) ? 'good' : 'trap';
}

function pyTruthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v !== null && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}
