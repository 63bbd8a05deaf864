import { Option, type Command } from 'commander';
import { join } from 'node:path';
import { familyStarts, pairedDifferences, readCurves, summarise } from '../compare/analysis.js';
import { expandAlgos, parseSeeds, planCompare } from '../compare/plan.js';
import { COMPARE_JOINT_MINIBATCHES, COMPARE_PRESET } from '../compare/preset.js';
import { writeCompareReport } from '../compare/report.js';
import { runCompare } from '../compare/runner.js';
import { markdownTables } from '../compare/table.js';
import { UserError } from '../core/errors.js';
import { integer } from './flags.js';

interface CompareFlags {
  algos: string[];
  seeds: string;
  family: string[];
  config?: string;
  set: string[];
  out: string;
  parallel: number;
  jointMinibatches: number;
  printConfig?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function compareAction(flags: CompareFlags): Promise<void> {
  if (flags.algos.length === 0) throw new UserError('--algos is required, e.g. --algos seeupo,grpo or --algos baselines');
  if (flags.parallel < 1) throw new UserError('--parallel must be at least 1');
  const families = flags.family.length === 0 ? ['default'] : flags.family.flatMap((f) => f.split(',')).map((f) => f.trim()).filter((f) => f !== '');
  const plan = planCompare({ algos: expandAlgos(flags.algos), seeds: parseSeeds(flags.seeds), families, config: flags.config, sets: flags.set, out: flags.out, jointMinibatches: flags.jointMinibatches });
  if (flags.printConfig) {
    process.stdout.write(JSON.stringify(plan.families, null, 2) + '\n');
    return;
  }
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => () => {
    if (stop.signal.aborted) process.exit(130);
    process.stderr.write('compare: stopping: no new run starts; running ones save a checkpoint (the same command continues)\n');
    stop.abort(signal);
  };
  const onInt = onSignal('SIGINT');
  const onTerm = onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    const data = await runCompare(plan, { parallel: flags.parallel, argv: process.argv.slice(2), log: (l) => process.stderr.write(l + '\n'), stop: stop.signal });
    const report = writeCompareReport(data, plan.out);
    const families = Object.keys(data.families);
    const curves = readCurves(data);
    process.stdout.write(markdownTables(families, summarise(data, curves), familyStarts(data), pairedDifferences(curves), curves));
    process.stderr.write(`compare: report ${report}\n`);
    const bad = data.runs.filter((r) => plan.runs.some((p) => p.id === r.id) && r.status !== 'finished');
    if (stop.signal.aborted) process.exitCode = 130;
    else if (bad.length > 0) throw new UserError(`${bad.length} runs did not finish: ${bad.map((r) => `${r.id} (${r.status}${r.error ? `: ${r.error}` : ''})`).join('; ')}`);
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

/** A repeatable option collecting its values, whose help names what an empty list means (not "[]"). */
function listOption(flags: string, description: string, whenEmpty: string): Option {
  return new Option(flags, description).argParser(collect).default([], whenEmpty);
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('train several algorithms from one SFT checkpoint per seed, on the same tasks and budgets, and report success with 95% intervals (docs/compare.md)')
    .addOption(listOption('--algos <list>', 'required: algorithms, comma-separated (repeatable): presets, variants, NAME@EPOCHS, or the groups baselines and ablations', 'none'))
    .option('--seeds <n|list>', 'seeds: a count N (0..N-1) or a comma list', '3')
    .addOption(listOption('--family <name>', "task family (default or trap), comma-separated or repeatable; a family other than 'default' sets tasks.family", 'default'))
    .option('--config <file>', `training config under which every run runs (YAML or JSON); the compare preset lies under it: ${JSON.stringify(COMPARE_PRESET)}`)
    .addOption(listOption('--set <key=value>', 'override one config value for every run (repeatable)', 'none'))
    .option('--out <dir>', 'compare directory: runs/, configs/, logs/, compare.json, report.html', join('runs', 'compare'))
    .option('--parallel <n>', 'runs at a time, each a separate process with one thread', integer('--parallel'), 2)
    .option('--joint-minibatches <m>', 'minibatches per batch (optimizer steps per iteration) for algorithms with a joint update: grpo, gspo, ppo, reinforce, rloo, reinforce++, seeupo-joint', integer('--joint-minibatches', 1), COMPARE_JOINT_MINIBATCHES)
    .option('--print-config', "print each family's resolved config (what every run shares) and exit")
    .action(compareAction);
}
