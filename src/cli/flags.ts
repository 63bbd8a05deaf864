import type { Command } from 'commander';
import { UserError } from '../core/errors.js';

/** Commander argument parsers that turn a bad value into a one-line UserError naming the flag. */
export function integer(flag: string, min = 0): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v.trim()) || Number(v) < min) throw new UserError(`${flag} must be ${min === 0 ? 'a non-negative integer' : `an integer >= ${min}`}, got '${v}'`);
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

function port(flag: string): (v: string) => number {
  return (v) => {
    const x = Number(v);
    if (!/^\d+$/.test(v.trim()) || x > 65535) throw new UserError(`${flag} must be an integer in [0, 65535], got '${v}'`);
    return x;
  };
}

/** --host (loopback by default) and --port, as every `seeupo … serve` command takes them. */
export function addListenOptions(cmd: Command, what: string, defaultPort: number): Command {
  return cmd
    .option('--host <host>', `address to bind (not loopback: the ${what} is open to the network)`, '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port, printed at start)', port('--port'), defaultPort);
}
