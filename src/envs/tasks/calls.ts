import type { ToolCall } from '../../core/messages.js';
import type { BfclEntry } from '../bfcl/data.js';
import { jsonLoads } from '../bfcl/python/json.js';
import { PyDict, pyRepr } from '../bfcl/python/value.js';
import { involvedClasses, type TaskKnobs } from './knobs.js';

/**
 * A structured call as a BFCL call string, `name(key=repr(value),...)`: the string `BfclEnv` makes of the same call
 * when a model sends it (its arguments read as JSON, so 5 and 5.0 stay an int and a float), so the ground truth and a
 * demonstration of it run the same Python call.
 */
export function callString(call: ToolCall): string {
  const args = jsonLoads(JSON.stringify(call.arguments));
  if (!(args instanceof PyDict)) throw new Error(`arguments of ${call.name} are not an object`);
  return `${call.name}(${args.entries().map(([k, v]) => `${String(k)}=${pyRepr(v)}`).join(',')})`;
}

/** A generated task as the BFCL entry `BfclEnv` plays and the checker scores: one user message per turn. */
export function taskEntry(id: string, questions: readonly string[], knobs: TaskKnobs, initialConfig: BfclEntry['initialConfig'], steps: readonly (readonly ToolCall[])[][]): BfclEntry {
  return {
    id,
    category: 'base',
    question: questions.map((content) => [{ role: 'user', content }]),
    involvedClasses: involvedClasses(knobs),
    initialConfig,
    missedFunctions: new Map(),
    groundTruth: steps.map((turn) => turn.flat().map(callString)),
  };
}
