import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { UserError } from '../core/errors.js';
import { parseJsonOption } from './json-option.js';

interface TaskOptions {
  n: string;
  seed: string;
  split: string;
  knobs?: string;
}

/** `seeupo tasks`: the generated multi-turn tool tasks that `seeupo train` trains on by default. */
export function registerTasks(program: Command): void {
  const cmd = program
    .command('tasks')
    .description('generated multi-turn tool tasks over the BFCL API classes (the default training environment): sample, export');
  const withTaskOptions = (c: Command): Command =>
    c
      .option('--n <count>', 'number of tasks', '5')
      .option('--seed <n>', 'seed of the task streams (an integer in [0, 2^32))', '0')
      .option('--split <name>', 'train, test (other seeds, same names) or heldout (file names never in train or test)', 'train')
      .option('--knobs <json>', 'generator knobs as JSON, e.g. \'{"userTurns": 3, "actionsPerTurn": 2}\' (see docs/tasks.md)');
  withTaskOptions(cmd.command('sample'))
    .description('print tasks with their ground truth: start state, user turns, calls by step (one JSON line per task with --json)')
    .option('--json', 'print each task as its export line instead of readable text')
    .action(async (opts: TaskOptions & { json?: boolean }) => {
      const tasks = await generate(opts);
      const { formatTask, taskToJsonLine } = await import('../envs/tasks/index.js');
      process.stdout.write(opts.json ? tasks.map((t) => `${taskToJsonLine(t)}\n`).join('') : `${tasks.map(formatTask).join('\n\n')}\n`);
    });
  withTaskOptions(cmd.command('export'))
    .description(
      'write tasks as JSONL: BFCL entries with their ground truth, which `seeupo bfcl replay --input FILE` replays as they are ' +
        '(each line carries its entry and the ground truth as "model")',
    )
    .requiredOption('--out <file>', 'JSONL file to write')
    .action(async (opts: TaskOptions & { out: string }) => {
      const tasks = await generate(opts);
      const { taskToJsonLine } = await import('../envs/tasks/index.js');
      const out = createWriteStream(opts.out);
      await new Promise<void>((resolve, reject) => {
        out.once('error', (e: Error) => reject(new UserError(`cannot write ${opts.out}: ${e.message}`)));
        out.end(tasks.map((t) => `${taskToJsonLine(t)}\n`).join(''), resolve);
      });
      process.stderr.write(`wrote ${tasks.length} ${opts.split} tasks to ${opts.out}\n`);
    });
}

async function generate(opts: TaskOptions) {
  const n = integerOption('--n', opts.n, 0, 1e7);
  const seed = integerOption('--seed', opts.seed, 0, 2 ** 32 - 1);
  const { TaskKnobsSchema, isTaskSplit, taskAt, TASK_SPLITS } = await import('../envs/tasks/index.js');
  const { parseConfig } = await import('../core/config.js');
  if (!isTaskSplit(opts.split)) throw new UserError(`unknown split '${opts.split}' (choose from ${TASK_SPLITS.join(', ')})`);
  const knobs = parseConfig(TaskKnobsSchema, opts.knobs === undefined ? {} : parseJsonOption('--knobs', opts.knobs), '--knobs');
  const split = opts.split;
  return Array.from({ length: n }, (_, i) => taskAt(split, i, knobs, seed));
}

function integerOption(name: string, text: string, min: number, max: number): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isInteger(v) || v < min || v > max) throw new UserError(`${name} takes an integer in [${min}, ${max}], got '${text}'`);
  return v;
}
