import { z } from 'zod';
import { UserError } from './errors.js';

/**
 * Validates `value` against a zod schema and turns every problem into one readable UserError that names the
 * offending key (`algo.loss.clipLow: expected number, received string`). Schemas are strict objects, so an
 * unknown key is an error too: the cheap guard against a configured option that no code reads
 * (seeupo.md §6, mistake 1).
 */
export function parseConfig<S extends z.ZodType>(schema: S, value: unknown, source = 'config'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new UserError(`invalid ${source}:\n${formatIssues(result.error.issues)}`);
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const at = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys.map((k) => (at === '(root)' ? k : `${at}.${k}`));
        return `  unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `'${k}'`).join(', ')}`;
      }
      return `  ${at}: ${issue.message}`;
    })
    .join('\n');
}
