import { Option } from 'commander';
import type { Command } from 'commander';
import { UserError } from '../core/errors.js';
import { integer, positiveNumber } from './flags.js';
import { LAB_ALGORITHM_NAMES, LAB_ALGORITHMS } from '../lab/algorithms.js';
import { formatRun } from '../lab/format.js';
import { loadInstance } from '../lab/instance.js';
import type { OptimizerName } from '../lab/optimizer.js';
import { OPTIMIZERS } from '../lab/optimizer.js';
import { parsePolicySpec } from '../lab/parameterisation.js';
import { LAB_DEFAULTS, runLab, type LabRunOptions } from '../lab/run.js';
import { runSuite } from '../lab/suite.js';
import { DEFAULT_SUITE } from '../lab/suite-plan.js';
import { defaultWorkers } from '../lab/suite-run.js';

function list(v: string): string[] {
  return v
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
}

function optimizerName(v: string): OptimizerName {
  if (!(OPTIMIZERS as readonly string[]).includes(v)) throw new UserError(`--optimizer must be one of ${OPTIMIZERS.join(', ')}, got '${v}'`);
  return v as OptimizerName;
}

function policyName(v: string): string {
  parsePolicySpec(v);
  return v;
}

/** The `lab run` flags: the run options themselves, plus the instance file and the output format. */
type RunFlags = Omit<LabRunOptions, 'exact'> & { instance: string; exact?: boolean; json?: boolean };

async function labRun({ instance, json, exact, ...options }: RunFlags): Promise<void> {
  const inst = loadInstance(instance);
  const emit = json ? (k: number, J: number) => process.stdout.write(JSON.stringify({ iter: k, J }) + '\n') : undefined;
  const result = await runLab(inst, { ...options, exact: exact === true }, emit);
  if (json) process.stdout.write(JSON.stringify({ summary: result.summary }) + '\n');
  else process.stdout.write(formatRun(result));
}

export function registerLab(program: Command): void {
  const lab = program
    .command('lab')
    .description('The convergence lab: train exact multi-turn problems with the real algorithm core and check the SeeUPO claims (docs/lab.md)');

  const width = Math.max(...LAB_ALGORITHM_NAMES.map((n) => n.length)) + 1;
  const algoHelp = LAB_ALGORITHM_NAMES.map((n) => `  ${n.padEnd(width)} ${LAB_ALGORITHMS[n].about}`).join('\n');
  lab
    .command('run')
    .description('Train one algorithm on one instance; print the exact expected reward J after every iteration')
    .requiredOption('--instance <file>', 'instance JSON file (format: lab/instances/README.md)')
    .requiredOption('--algo <name>', `lab algorithm: ${LAB_ALGORITHM_NAMES.join(', ')}`)
    .option('--policy <p>', 'parameterisation: tabular | per-turn | linear[:d] (d = feature size, default 8)', policyName, LAB_DEFAULTS.policy)
    .option('--exact', 'exact mode: each batch is the whole joint-action distribution, weighted by probability (no sampling)')
    .option('--iters <n>', 'iterations', integer('--iters'), LAB_DEFAULTS.iters)
    .option('--lr <x>', 'learning rate', positiveNumber('--lr'), LAB_DEFAULTS.lr)
    .option('--epochs <e>', "epochs per update phase (default: the algorithm's own, 1 for every preset)", integer('--epochs'))
    .option('--optimizer <o>', 'sgd | adam (β = 0.9, 0.999)', optimizerName, LAB_DEFAULTS.optimizer)
    .option('--group <g>', 'sampled mode: rollouts per iteration', integer('--group'), LAB_DEFAULTS.group)
    .option('--seed <s>', 'seed of the linear features, the sampled rollouts and random turn orders', integer('--seed'), LAB_DEFAULTS.seed)
    .option('--json', 'one JSON line per iteration {"iter", "J"}, then {"summary": {...}}')
    .addHelpText('after', `\nAlgorithms:\n${algoHelp}\n\nJ is always the exact expected reward of the current policy, also in sampled mode.\nA violation is an iteration with J(k+1) < J(k) − 1e-9.`)
    .action(labRun);

  registerLabSuite(lab);
}

interface SuiteFlags {
  out: string;
  iters: number;
  algos: string[];
  policies: string[];
  instances: string[];
  random: number;
  hard: number;
  optimizers: string[];
  seeds: number;
  group: number;
  workers: number;
}

async function labSuite(flags: SuiteFlags): Promise<void> {
  if (flags.workers < 1) throw new UserError('--workers must be at least 1');
  const { reportPath, summary } = await runSuite({
    ...flags,
    command: `seeupo lab ${process.argv.slice(process.argv.indexOf('suite')).join(' ')}`,
    progress: (line) => process.stderr.write(line + '\n'),
  });
  process.stdout.write(`\n${summary}\nReport: ${reportPath}\n`);
}

export function registerLabSuite(lab: Command): void {
  const d = DEFAULT_SUITE;
  lab
    .command('suite')
    .description('Run algorithms × parameterisations × instances (shipped + seeded random) × settings (exact and sampled); write a Markdown report with SVG plots')
    .option('--out <dir>', 'report folder (report.md, plots/, results.json)', 'lab-report')
    .option('--iters <n>', 'iterations per run', integer('--iters'), d.iters)
    .addOption(new Option('--algos <list>', 'comma-separated lab algorithms, NAME or NAME@EPOCHS').argParser(list).default(d.algos, `the ${d.algos.length} listed below`))
    .addOption(new Option('--policies <list>', 'comma-separated parameterisations').argParser(list).default(d.policies, d.policies.join(',')))
    .addOption(new Option('--instances <list>', 'comma-separated shipped instance names').argParser(list).default(d.instances, 'all of lab/instances'))
    .option('--random <n>', 'seeded random instances of the shipped size (random-1001, ...) added to the shipped ones', integer('--random'), d.random)
    .option('--hard <n>', 'seeded random instances of a harder family (hard-2001, ...: up to 4 turns and 4 values, decoys up to 0.8, biased start)', integer('--hard'), d.hard)
    .addOption(
      new Option('--optimizers <list>', 'comma-separated OPTIMIZER@LR, each run in exact mode; the first also in sampled mode').argParser(list).default(d.optimizers, d.optimizers.join(',')),
    )
    .option('--seeds <n>', 'sampled-mode seeds per run (0: no sampled mode)', integer('--seeds'), d.seeds)
    .option('--group <g>', 'sampled mode: rollouts per iteration', integer('--group'), d.group)
    .addOption(new Option('--workers <n>', 'worker threads').argParser(integer('--workers')).default(defaultWorkers(), 'up to 2, one per core'))
    .addHelpText('after', `\nDefault algorithms (${d.algos.length}): ${d.algos.join(', ')}\nProgress goes to stderr; the summary table and the report path to stdout.`)
    .action(labSuite);
}
