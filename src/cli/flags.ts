import { UserError } from '../core/errors.js';

/** Commander argument parsers that turn a bad value into a one-line UserError naming the flag. */
export function integer(flag: string): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v.trim())) throw new UserError(`${flag} must be a non-negative integer, got '${v}'`);
    return Number(v);
  };
}

export function positiveNumber(flag: string): (v: string) => number {
  return (v) => {
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x) || x <= 0) throw new UserError(`${flag} must be a positive number, got '${v}'`);
    return x;
  };
}
