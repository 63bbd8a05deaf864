import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { Command } from 'commander';
import { UserError } from '../core/errors.js';
import { percent } from '../core/percent.js';
import type { TaskSpec } from '../envs/tasks/index.js';
import { parseJsonOption } from './json-option.js';

interface TaskOptions {
  n: string;
  seed: string;
  split: string;
  knobs?: string;
  family?: string;
}

/** `seeupo tasks`: the generated multi-turn tool tasks that `seeupo train` trains on by default. */
export function registerTasks(program: Command): void {
  const cmd = program
    .command('tasks')
    .description('generated multi-turn tool tasks over the BFCL API classes (the default training environment): sample, export, stats');
  const withTaskOptions = (c: Command): Command =>
    c
      .option('--n <count>', 'number of tasks', '5')
      .option('--seed <n>', 'seed of the task streams (an integer in [0, 2^32))', '0')
      .option('--split <name>', 'train, test (other seeds, same names) or heldout (file names never in train or test)', 'train')
      .option('--knobs <json>', 'generator knobs as JSON, e.g. \'{"userTurns": 3, "actionsPerTurn": 2}\' (see docs/tasks.md)')
      .option('--family <name>', 'task family: default, or trap (an early choice that only the last turn rewards); the knob "family"');
  withTaskOptions(cmd.command('sample'))
    .description('print tasks with their ground truth: start state, user turns, calls by step (one JSON line per task with --json)')
    .option('--json', 'print each task as its export line instead of readable text')
    .action(async (opts: TaskOptions & { json?: boolean }) => {
      const { formatTask, taskToJsonLine } = await import('../envs/tasks/index.js');
      let first = true;
      for await (const task of generate(opts)) {
        process.stdout.write(opts.json ? `${taskToJsonLine(task)}\n` : `${first ? '' : '\n'}${formatTask(task)}\n`);
        first = false;
      }
    });
  withTaskOptions(cmd.command('export'))
    .description(
      'write tasks as JSONL: BFCL entries with their ground truth, which `seeupo bfcl replay --input FILE` replays as they are ' +
        '(each line carries its entry and the ground truth as "model")',
    )
    .requiredOption('--out <file>', 'JSONL file to write')
    .action(async (opts: TaskOptions & { out: string }) => {
      const { taskToJsonLine } = await import('../envs/tasks/index.js');
      const tasks = generate(opts);
      const first = await tasks.next(); // options are checked before the file is created
      const out = createWriteStream(opts.out);
      out.on('error', () => {}); // reported by finished() below, not as an uncaught 'error' event
      let written = 0;
      try {
        for (let r = first; !r.done; r = await tasks.next()) {
          // Respect back-pressure, so a large export streams instead of filling memory.
          if (!out.write(`${taskToJsonLine(r.value)}\n`)) await once(out, 'drain');
          written++;
        }
        out.end();
        await finished(out);
      } catch (e) {
        throw new UserError(`cannot write ${opts.out}: ${(e as Error).message}`);
      }
      process.stderr.write(`wrote ${written} ${opts.split} tasks to ${opts.out}\n`);
    });
  withTaskOptions(cmd.command('stats'))
    .description(
      'statistics of the first n tasks: turn kinds, calls and steps per task, distinct tasks, tasks equal to a train task, ' +
        'and how many demonstrations the checker accepts',
    )
    .option('--json', 'print one JSON object')
    .action(async (opts: TaskOptions & { json?: boolean }) => {
      const { n, seed, split, knobs } = await resolve(opts);
      const { taskStats } = await import('../envs/tasks/index.js');
      const s = await taskStats(split, n, knobs, seed);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(s)}\n`);
        return;
      }
      const rows: Array<[string, string]> = [
        ['tasks', `${s.tasks} ${s.split} (seed ${s.seed}), ${s.turns} user turns`],
        ['turn kinds', turnKindsLine(s.turnKinds, s.trap !== null)],
        ...(s.trap === null ? [['dependent turns reading the previous turn', percent(s.readsPreviousTurn)] as [string, string]] : []),
        ['per task', `${s.meanCalls.toFixed(2)} calls, ${s.meanSteps.toFixed(2)} steps, ${s.meanUserWords.toFixed(2)} user words`],
        ['distinct (user text, ground truth)', `${s.distinct}`],
        ...(s.sameAsTrain === null ? [] : [[`same as one of the first ${s.tasks} train tasks`, `${s.sameAsTrain}`] as [string, string]]),
        ['demonstrations the checker accepts', `${s.demonstrationsValid}/${s.tasks}`],
        ...(s.trap === null
          ? []
          : ([
              ['trap paths the checker scores 0', `${s.trap.trapPathsFailing}/${s.tasks} (${s.trap.trapPathsFailingOnlyAtTurn1} failing only at turn 1)`],
              ['SFT demonstrations on the good path', `${s.trap.demonstratedGood}/${s.tasks} (${percent(s.trap.demonstratedGood / Math.max(1, s.tasks))})`],
            ] as Array<[string, string]>)),
      ];
      process.stdout.write(rows.map(([k, v]) => `${k}: ${v}\n`).join(''));
    });
}

/** The tasks the options name, drawn one at a time (an export of many tasks streams). */
async function* generate(opts: TaskOptions): AsyncGenerator<TaskSpec> {
  const { n, seed, split, knobs } = await resolve(opts);
  const { taskAt } = await import('../envs/tasks/index.js');
  for (let i = 0; i < n; i++) yield taskAt(split, i, knobs, seed);
}

async function resolve(opts: TaskOptions) {
  const n = integerOption('--n', opts.n, 0, 1e7);
  const seed = integerOption('--seed', opts.seed, 0, 2 ** 32 - 1);
  const { TaskKnobsSchema, isTaskSplit, TASK_SPLITS } = await import('../envs/tasks/index.js');
  const { parseConfig } = await import('../core/config.js');
  if (!isTaskSplit(opts.split)) throw new UserError(`unknown split '${opts.split}' (choose from ${TASK_SPLITS.join(', ')})`);
  const raw = opts.knobs === undefined ? {} : parseJsonOption('--knobs', opts.knobs);
  if (opts.family !== undefined) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UserError('--knobs must be a JSON object');
    const given = (raw as Record<string, unknown>)['family'];
    if (given !== undefined && given !== opts.family) throw new UserError(`--family ${opts.family} contradicts "family": ${JSON.stringify(given)} in --knobs`);
  }
  const knobs = parseConfig(TaskKnobsSchema, opts.family === undefined ? raw : { ...(raw as object), family: opts.family }, '--knobs');
  return { n, seed, split: opts.split, knobs };
}

/** The shares of the family's own turn kinds. */
function turnKindsLine(kinds: Record<string, number>, trap: boolean): string {
  const names = trap ? ['trap', 'literal', 'payoff'] : ['literal', 'copy', 'choice'];
  return names.map((k) => `${k} ${percent(kinds[k]!)}`).join(', ');
}

function integerOption(name: string, text: string, min: number, max: number): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isInteger(v) || v < min || v > max) throw new UserError(`${name} takes an integer in [${min}, ${max}], got '${text}'`);
  return v;
}
