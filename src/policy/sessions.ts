/** Session keys of a `Learner.sample` call (prefix reuse), shared by the local back ends. */
import { UserError } from '../core/errors.js';

/** One id per prompt ('' for none), checking that no session appears twice in a call. */
export function sessionIds(n: number, sessions: readonly (string | undefined)[] | undefined): string[] | undefined {
  if (sessions === undefined) return undefined;
  if (sessions.length !== n) throw new UserError(`sample: ${sessions.length} session keys for ${n} prompts`);
  const seen = new Set<string>();
  return sessions.map((s) => {
    if (s === undefined || s === '') return '';
    if (seen.has(s)) throw new UserError(`sample: session '${s}' appears more than once in one call`);
    seen.add(s);
    return s;
  });
}

/** Prompt tokens `sample` was given, and those of them taken from session caches instead of read, since creation. */
export interface PrefixReuseStats {
  promptTokens: number;
  reusedTokens: number;
}
