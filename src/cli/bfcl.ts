import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { UserError } from '../core/errors.js';
import { BFCL_CATEGORIES, isBfclCategory } from '../envs/bfcl/data.js';

/** `seeupo bfcl`: the BFCL v4 multi-turn environment from the command line. */
export function registerBfcl(program: Command): void {
  const cmd = program.command('bfcl').description('BFCL v4 multi-turn: replay model calls through the ported environment, data statistics');
  cmd
    .command('replay')
    .description(
      'execute each input line\'s calls and check them like the original BFCL checker; input lines are ' +
        '{"id", "model": [[[call, ...] per step] per turn]}, output lines {"id", "results": [[[result per call] per step] per turn], "valid", "error_type"}; ' +
        'a line that carries its own entry (BFCL\'s "question", "initial_config", "involved_classes", "ground_truth", as `seeupo tasks export` writes) is checked against it',
    )
    .option('--category <name>', `one of ${BFCL_CATEGORIES.join(', ')} (needed unless every line carries its entry)`)
    .requiredOption('--input <file>', 'JSONL file of model calls ("-" reads stdin)')
    .option('--today <date>', "the date TravelAPI's age check reads as today (YYYY-MM-DD)", '2026-11-25')
    .option('--model-name <name>', "the model name in the original's instance names (visible where a string argument contains a method name and '(')", 'seeupo')
    .action(async (opts: { category?: string; input: string; today: string; modelName: string }) => {
      if (opts.category !== undefined && !isBfclCategory(opts.category)) {
        throw new UserError(`unknown category '${opts.category}' (choose from ${BFCL_CATEGORIES.join(', ')})`);
      }
      const today = parseDate(opts.today);
      // The environment is loaded here, not at start-up, so other commands start fast.
      const [{ fixedClock }, { entriesById, parseReplayLine, replay }, { entryFromJsonLine }] = await Promise.all([
        import('../envs/bfcl/apis/contract.js'),
        import('../envs/bfcl/replay.js'),
        import('../envs/tasks/jsonl.js'),
      ]);
      const entries = opts.category === undefined ? null : entriesById(opts.category);
      const stream = opts.input === '-' ? process.stdin : createReadStream(opts.input);
      const opened = new Promise<void>((resolve, reject) => {
        if (opts.input === '-') resolve();
        stream.once('open', () => resolve());
        stream.once('error', (e: Error) => reject(new UserError(`cannot read ${opts.input}: ${e.message}`)));
      });
      await opened;
      let lineNo = 0;
      let done = 0;
      for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
        lineNo++;
        if (line.trim() === '') continue;
        const input = parseReplayLine(line, `${opts.input}:${lineNo}`);
        const where = `${opts.input}:${lineNo}`;
        const entry = entryFromJsonLine(line, where) ?? entries?.get(input.id);
        if (!entries && !entry) throw new UserError(`${where}: the line carries no entry ("initial_config"); name its --category`);
        if (!entry) throw new UserError(`${where}: no entry '${input.id}' in category ${opts.category}`);
        process.stdout.write(`${JSON.stringify(replay(input, entry, { clock: fixedClock(today), modelName: opts.modelName }))}\n`);
        if (++done % 100 === 0) process.stderr.write(`replayed ${done} lines\n`);
      }
      process.stderr.write(`replayed ${done} lines\n`);
    });
  cmd
    .command('stats')
    .description('per category: user turns and ground-truth calls per entry, and how many entries each call budget can solve')
    .option('--budget <calls...>', 'call budgets to count solvable entries for', ['10', '20', '30', '50'])
    .option('--json', 'print one JSON object per category instead of a table')
    .action(async (opts: { budget: string[]; json?: boolean }) => {
      const { allCategoryStats } = await import('../envs/bfcl/stats.js');
      const budgets = opts.budget.map((b) => {
        const n = Number(b);
        if (!Number.isInteger(n) || n < 0) throw new UserError(`--budget takes non-negative integers, got '${b}'`);
        return n;
      });
      const stats = allCategoryStats(budgets);
      if (opts.json) {
        for (const s of stats) process.stdout.write(`${JSON.stringify(s)}\n`);
        return;
      }
      const d = (x: { min: number; mean: number; max: number }): string => `${x.min}/${x.mean.toFixed(2)}/${x.max}`;
      const header = ['category', 'entries', 'turns min/mean/max', 'calls min/mean/max', 'max calls/turn', ...budgets.map((b) => `solvable<=${b}`)];
      process.stdout.write(`${header.join('\t')}\n`);
      for (const s of stats) {
        const row = [s.category, s.entries, d(s.turns), d(s.calls), s.maxCallsPerTurn, ...budgets.map((b) => s.solvableWithin[String(b)])];
        process.stdout.write(`${row.join('\t')}\n`);
      }
    });
}

/** A YYYY-MM-DD date as midnight UTC (the original's naive local time, with TZ=UTC). */
function parseDate(text: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const date = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!date || date.getUTCDate() !== Number(m![3])) throw new UserError(`--today takes a date YYYY-MM-DD, got '${text}'`);
  return date;
}
