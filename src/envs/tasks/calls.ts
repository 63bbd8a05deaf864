import type { ToolCall } from '../../core/messages.js';
import { jsonLoads } from '../bfcl/python/json.js';
import { PyDict, pyRepr } from '../bfcl/python/value.js';

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
