import { Option, type Command } from 'commander';
import { join } from 'node:path';
import { parseConfig } from '../core/config.js';
import { UserError } from '../core/errors.js';
import { loadTrainConfig, trainConfigSchema, type TrainConfig } from '../train/config.js';
import { generatedTaskSource } from '../train/generated-tasks.js';
import { RunDir } from '../train/run-dir.js';
import { train } from '../train/trainer.js';
import { integer } from './flags.js';
import { terminalProgress } from './train-progress.js';

interface TrainFlags {
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
  ].filter((s): s is string => s !== null);
  if (flags.resume !== undefined) {
    if (flags.config !== undefined || flags.set.length > 0 || shorthand.length > 0 || flags.out !== undefined) {
      throw new UserError('--resume continues a run with its own config.json: drop --config, --set, --out and the other config flags');
    }
    const run = RunDir.open(flags.resume);
    return parseConfig(trainConfigSchema, run.readConfig(), join(flags.resume, 'config.json'));
  }
  return loadTrainConfig(flags.config, [...flags.set, ...shorthand]);
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
    process.stdout.write(`after SFT: ${fmt(s.sft)}\nafter RL:  ${fmt(s.rl)}\nrun: ${out} (${s.wallS.toFixed(0)} s)\n`);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train an agent: SFT warm start on demonstrations, then RL (SeeUPO by default) on generated tool tasks')
    .option('--config <file>', 'training config, YAML or JSON (docs/training.md); default: the built-in run')
    .option('--set <key=value>', 'override one config value, e.g. --set rollout.groupSize=4 (repeatable)', collect, [])
    .option('--print-config', 'print the resolved config and exit')
    .option('--out <dir>', 'run directory (default runs/<algorithm>-seed<seed>-<time>)')
    .option('--resume <dir>', 'continue the run in <dir> from its latest checkpoint, exactly')
    .option('--seed <n>', 'seed (= --set seed=N)', integer('--seed'))
    .option('--sft-steps <n>', 'SFT steps at most; 0 skips SFT (= --set sft.steps=N)', integer('--sft-steps'))
    .option('--iterations <n>', 'RL iterations (= --set rl.iterations=N)', integer('--iterations'))
    .addOption(new Option('--backend <name>', 'policy back end (= --set backend=NAME)').choices(['auto', 'native', 'tfjs']))
    .action(trainAction);
}
