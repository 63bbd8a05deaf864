import type { Command } from 'commander';
import { writeRunReport } from '../report/index.js';

/** `seeupo report DIR [--out FILE]`: the HTML report of a training run, finished or still running. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write the HTML report of a training run directory: success, reward, KL, clip fraction, entropy, ratios, time, transcripts (docs/report.md)')
    .argument('<dir>', 'run directory written by seeupo train (config.json, metrics.jsonl, samples/, summary.json)')
    .option('--out <file>', 'where to write the report (default: DIR/report.html)')
    .action((dir: string, opts: { out?: string }) => {
      const path = writeRunReport(dir, opts.out);
      process.stdout.write(`report written to ${path}\n`);
    });
}
