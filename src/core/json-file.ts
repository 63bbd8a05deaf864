import { readFileSync } from 'node:fs';
import { UserError } from './errors.js';

/**
 * A JSON file the user pointed at (a config, a checkpoint's metadata, a tokenizer): a missing or unreadable file
 * and bad JSON are one-line UserErrors naming the file, never a stack trace. `what` names the kind of file in the
 * first message, if given ("tokenizer file").
 */
export function readJsonFile(path: string, what?: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read ${what === undefined ? '' : `${what} `}${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
}
