/**
 * An error caused by the user's input (a bad flag, an invalid file, an unknown key). The CLI prints its
 * message without a stack trace and exits with status 2; every other error is a bug and keeps its stack.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
}

/** Throws a UserError when `cond` is false. */
export function userAssert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new UserError(message);
}
