import { UserError } from '../core/errors.js';

/** Parses a JSON-valued command-line option, naming the option when it is not valid JSON. */
export function parseJsonOption(option: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError(`${option} is not valid JSON: ${(err as Error).message}`);
  }
}
