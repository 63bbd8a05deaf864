import { Option, type Command } from 'commander';
import { join } from 'node:path';
import { parseConfig } from '../core/config.js';
import { UserError } from '../core/errors.js';
import { percent as pct } from '../core/percent.js';
import { loadTrainConfig, trainConfigSchema, type TrainConfig } from '../train/config.js';
import { generatedTaskSource } from '../train/generated-tasks.js';
import { RunDir } from '../train/run-dir.js';
import { train } from '../train/trainer.js';
import { integer, positiveNumber } from './flags.js';
import { terminalProgress } from './train-progress.js';

interface TrainFlags {
  /** Settings a command fixes (sft: no RL), applied after the user's. */
  fixed?: string[];
  demos?: string;
  init?: string;
  seconds?: number;
  config?: string;
  set: string[];
  printConfig?: boolean;
  out?: string;
  resume?: string;
  seed?: number;
  sftSteps?: number;
  iterations?: number;
  backend?: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The run's config: from --resume's run directory as it was, or from --config, --set and the shorthand flags. */
export function trainConfigFromFlags(flags: TrainFlags): TrainConfig {
  const shorthand = [
    flags.seed !== undefined ? `seed=${flags.seed}` : null,
    flags.sftSteps !== undefined ? `sft.steps=${flags.sftSteps}` : null,
    flags.iterations !== undefined ? `rl.iterations=${flags.iterations}` : null,
    flags.backend !== undefined ? `backend=${flags.backend}` : null,
    flags.demos !== undefined ? `sft.demonstrationsFile=${JSON.stringify(flags.demos)}` : null,
    flags.init !== undefined ? `init=${JSON.stringify(flags.init)}` : null,
    flags.seconds !== undefined ? `sft.maxSeconds=${flags.seconds}` : null,
  ].filter((s): s is string => s !== null);
  if (flags.resume !== undefined) {
    if (flags.config !== undefined || flags.set.length > 0 || shorthand.length > 0 || flags.out !== undefined) {
      throw new UserError('--resume continues a run with its own config.json: drop --config, --set, --out and the other config flags');
    }
    const run = RunDir.open(flags.resume);
    return parseConfig(trainConfigSchema, run.readConfig(), join(flags.resume, 'config.json'));
  }
  return loadTrainConfig(flags.config, [...flags.set, ...shorthand, ...(flags.fixed ?? [])]);
}

async function trainAction(flags: TrainFlags): Promise<void> {
  const config = trainConfigFromFlags(flags);
  if (flags.printConfig) {
    process.stdout.write(JSON.stringify(config, null, 2) + '\n');
    return;
  }
  const out = flags.resume ?? flags.out ?? join('runs', `${config.algorithm.name}-seed${config.seed}-${timestamp()}`);
  const progress = terminalProgress();
  let stopRequested = false;
  const onSigint = () => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    progress.log('interrupted: saving a checkpoint at the next step boundary (Ctrl-C again to quit at once)');
  };
  process.on('SIGINT', onSigint);
  try {
    progress.log(`seeupo train: ${config.algorithm.name}, seed ${config.seed}, run directory ${out}`);
    if (config.sft.steps === 0 && config.rl.iterations === 0) throw new UserError('nothing to do: both sft.steps and rl.iterations are 0');
    const result = await train({
      config,
      out,
      resume: flags.resume !== undefined,
      source: generatedTaskSource(config.tasks, config.seed),
      progress,
      shouldStop: () => stopRequested,
    });
    if (result.interrupted) {
      process.stderr.write(`stopped; checkpoint saved. Continue with: seeupo train --resume ${out}\n`);
      process.exitCode = 130;
      return;
    }
    const s = result.summary!;
    const fmt = (r: { test: number; heldout: number } | null) => (r ? `test ${pct(r.test)}, held-out ${pct(r.heldout)}` : 'skipped');
    process.stdout.write(`after SFT: ${fmt(s.sft)}\nafter RL:  ${fmt(s.rl)}\nrun: ${out} (${s.wallS.toFixed(0)} s)\nreport: ${result.report}\n`);
  } finally {
    process.off('SIGINT', onSigint);
  }
}


function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** The flags `train` and `sft` share: the config and its shorthands, the run directory, resuming. */
function configOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'training config, YAML or JSON (docs/training.md); default: the built-in run')
    .option('--set <key=value>', 'override one config value, e.g. --set rollout.groupSize=4 (repeatable)', collect, [])
    .option('--print-config', 'print the resolved config and exit')
    .option('--out <dir>', 'run directory (default runs/<algorithm>-seed<seed>-<time>)')
    .option('--resume <dir>', 'continue the run in <dir> from its latest checkpoint, exactly')
    .option('--seed <n>', 'seed (= --set seed=N)', integer('--seed'))
    .option('--sft-steps <n>', 'SFT steps at most; 0 skips SFT (= --set sft.steps=N)', integer('--sft-steps'))
    .addOption(new Option('--backend <name>', 'policy back end (= --set backend=NAME)').choices(['auto', 'native', 'tfjs']));
}

export function registerTrain(program: Command): void {
  configOptions(program.command('train'))
    .description('train an agent: SFT warm start on demonstrations, then RL (SeeUPO by default) on generated tool tasks')
    .option('--iterations <n>', 'RL iterations (= --set rl.iterations=N)', integer('--iterations'))
    .action(trainAction);
  configOptions(program.command('sft'))
    .description('supervised warm start only: SFT on demonstrations, keeping the best checkpoint by validation success')
    .option('--demos <file>', 'learn from a JSONL file of demonstrations (= --set sft.demonstrationsFile=FILE)')
    .option('--init <dir>', 'start from a saved model, e.g. RUN/checkpoints/sft-best (= --set init=DIR)')
    .option('--seconds <s>', 'stop after this much wall time (= --set sft.maxSeconds=S)', positiveNumber('--seconds'))
    .action((flags: TrainFlags) => trainAction({ ...flags, fixed: flags.resume === undefined ? ['rl.iterations=0'] : [] }));
}
