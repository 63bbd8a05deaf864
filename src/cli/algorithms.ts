import type { Command } from 'commander';
import { NAMED_ALGORITHMS, resolveNamedAlgorithm } from '../algos/variants.js';
import { parseJsonOption } from './json-option.js';

/** `seeupo algorithms`: what each named algorithm is, as the exact configuration that runs. */
export function registerAlgorithms(program: Command): void {
  const cmd = program.command('algorithms').description('list the named algorithms, or show one as the exact configuration that runs');
  cmd
    .command('list', { isDefault: true })
    .description('one line per algorithm (the presets, then the named variants): advantage, loss, aggregation, schedule; any of them runs as NAME@EPOCHS too')
    .action(() => {
      const width = Math.max(...NAMED_ALGORITHMS.map((n) => n.length)) + 1;
      for (const name of NAMED_ALGORITHMS) {
        const a = resolveNamedAlgorithm(name);
        const sched = a.schedule.kind === 'joint' ? 'joint' : `sequential/${Array.isArray(a.schedule.order) ? 'custom' : a.schedule.order}${a.schedule.ratioCorrection ? `+ratio(δ=${a.schedule.ratioCorrection.delta})` : ''}`;
        process.stdout.write(`${name.padEnd(width)} advantage=${a.advantage.kind.padEnd(11)} loss=${a.loss.kind.padEnd(10)} aggregation=${a.aggregation.padEnd(19)} schedule=${sched}\n`);
      }
    });
  cmd
    .command('show <name>')
    .description('print the full configuration of one algorithm (preset, variant, NAME@EPOCHS) as JSON (with --set overrides applied and validated)')
    .option('--set <json>', 'JSON overrides deep-merged onto the preset, e.g. \'{"schedule":{"order":"forward"}}\'')
    .action((name: string, opts: { set?: string }) => {
      const overrides = opts.set === undefined ? {} : parseJsonOption('--set', opts.set);
      process.stdout.write(`${JSON.stringify(resolveNamedAlgorithm(name, overrides), null, 2)}\n`);
    });
}
