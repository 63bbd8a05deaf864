import { Command, CommanderError } from 'commander';
import { ZodError } from 'zod';
import { UserError } from '../core/errors.js';
import { formatIssues } from '../core/config.js';
import { commands } from './commands.js';

export function buildProgram(): Command {
  const program = new Command('seeupo')
    .description('Reinforcement learning for multi-turn, tool-calling LLM agents (SeeUPO and baselines)')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  for (const register of commands) register(program);
  program.commands.forEach(applyExitOverride);
  return program;
}

function applyExitOverride(cmd: Command): void {
  cmd.exitOverride();
  cmd.commands.forEach(applyExitOverride);
}

/** Runs the CLI; returns the process exit status. User mistakes print a message, never a stack trace. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed help or the error; 'helpDisplayed' and 'version' are successes.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UserError) {
      process.stderr.write(`seeupo: ${err.message}\n`);
      return 2;
    }
    if (err instanceof ZodError) {
      process.stderr.write(`seeupo: invalid input:\n${formatIssues(err.issues)}\n`);
      return 2;
    }
    throw err;
  }
}
