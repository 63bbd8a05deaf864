import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { parseConfig } from '../core/config.js';
import { UserError } from '../core/errors.js';
import { readJsonFile } from '../core/json-file.js';
import { percent } from '../core/percent.js';
import { readCheckpoint } from '../policy/checkpoint.js';
import { createLocalLearner } from '../policy/native/select.js';
import { createRenderer, loadRendererSpec } from '../render/index.js';
import { localRolloutPolicy } from '../rollout/local-policy.js';
import { trainConfigSchema } from '../train/config.js';
import { evaluateSplit } from '../train/evaluate.js';
import { generatedTaskSource } from '../train/generated-tasks.js';
import { SPLITS, type Split } from '../train/task-source.js';
import { rolloutOptionsFor } from '../train/model-setup.js';
import { TRAIN_CONFIG_FILE } from '../train/trainer.js';
import { integer } from './flags.js';

interface EvalFlags {
  checkpoint: string;
  split: Split;
  n: number;
  k: number;
  first: number;
  seed: number;
  backend: 'auto' | 'native' | 'tfjs';
  json?: boolean;
}

/** `seeupo eval`: a saved model's task success on a split, with the tasks and budgets it was trained with. */
async function evalAction(flags: EvalFlags): Promise<void> {
  const dir = flags.checkpoint;
  const configFile = join(dir, TRAIN_CONFIG_FILE);
  if (!existsSync(configFile)) throw new UserError(`${dir} has no ${TRAIN_CONFIG_FILE}: not a model saved by seeupo train`);
  const config = parseConfig(trainConfigSchema, readJsonFile(configFile), configFile);
  const renderer = createRenderer(loadRendererSpec(dir));
  const ckpt = await readCheckpoint(dir);
  if (ckpt.config.contextLength !== config.model.contextLength) throw new UserError(`${dir}: its model and ${TRAIN_CONFIG_FILE} disagree on the context length`);
  const learner = await createLocalLearner({ config: ckpt.config, seed: 0, threads: config.threads, backend: flags.backend });
  try {
    await learner.load(dir);
    const t0 = Date.now();
    const e = await evaluateSplit({
      source: generatedTaskSource(config.tasks, config.seed),
      split: flags.split,
      first: flags.first,
      n: flags.n,
      k: flags.k,
      seed: flags.seed,
      rollout: rolloutOptionsFor(config, renderer, localRolloutPolicy(learner)),
    });
    const result = { checkpoint: dir, split: e.split, n: e.n, greedy: e.greedy, k: e.k, passAtK: e.passAtK, avgAtK: e.avgAtK, failed: e.failed, seconds: (Date.now() - t0) / 1000 };
    if (flags.json) process.stdout.write(JSON.stringify(result) + '\n');
    else {
      const pct = (x: number | null) => (x === null ? '-' : percent(x));
      process.stdout.write(`${e.split}: ${e.n} tasks, greedy success ${pct(e.greedy)}`);
      if (e.k > 0) process.stdout.write(`, pass@${e.k} ${pct(e.passAtK)}, avg@${e.k} ${pct(e.avgAtK)}`);
      process.stdout.write(`${e.failed > 0 ? ` (${e.failed} failed episodes)` : ''} [${result.seconds.toFixed(1)} s]\n`);
    }
  } finally {
    await learner.dispose();
  }
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description("evaluate a saved model on generated tasks (greedy success; pass@k and avg@k with --k)")
    .requiredOption('--checkpoint <dir>', 'a model saved by seeupo train (e.g. RUN/checkpoints/final)')
    .addOption(new Option('--split <name>', 'task split').choices([...SPLITS]).default('test'))
    .option('--n <count>', 'tasks to evaluate', integer('--n'), 500)
    .option('--k <count>', 'samples per task at temperature 1 for pass@k and avg@k (0: greedy only)', integer('--k'), 0)
    .option('--first <index>', 'index of the first task of the split', integer('--first'), 0)
    .option('--seed <n>', 'seed of the sampling draws', integer('--seed'), 0)
    .addOption(new Option('--backend <name>', 'policy back end').choices(['auto', 'native', 'tfjs']).default('auto'))
    .option('--json', 'print one JSON object')
    .action(evalAction);
}
