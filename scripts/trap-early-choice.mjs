// The early choice of a model trained on the trap family (docs/tasks.md): on n tasks of a split, with the tasks and
// budgets it was trained with, the share of episodes whose first turn lists with ls(a=True) (good), only with ls()
// (trap) or not at all (none), and the success of each, greedy and with k samples per task at temperature 1.
//   node scripts/trap-early-choice.mjs --checkpoint RUN/checkpoints/final [--split test] [--n 200] [--k 4] [--seed 0]
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const dist = join(import.meta.dirname, '..', 'dist', 'src');
const { values } = parseArgs({
  options: {
    checkpoint: { type: 'string' },
    split: { type: 'string', default: 'test' },
    n: { type: 'string', default: '200' },
    k: { type: 'string', default: '4' },
    seed: { type: 'string', default: '0' },
  },
});
if (!values.checkpoint) throw new Error('--checkpoint DIR is required');
const dir = values.checkpoint;
const [{ parseConfig }, { readJsonFile }, { readCheckpoint }, { createLocalLearner }, render, { localRolloutPolicy }, { trainConfigSchema }, { generatedTaskSource }, trainer, { playEpisodes }, tasks] =
  await Promise.all(
    ['core/config.js', 'core/json-file.js', 'policy/checkpoint.js', 'policy/native/select.js', 'render/index.js', 'rollout/local-policy.js', 'train/config.js', 'train/generated-tasks.js', 'train/trainer.js', 'rollout/episodes.js', 'envs/tasks/index.js'].map(
      (m) => import(join(dist, m)),
    ),
  );
const configFile = join(dir, trainer.TRAIN_CONFIG_FILE);
const config = parseConfig(trainConfigSchema, readJsonFile(configFile), configFile);
if (config.tasks.family !== 'trap') throw new Error(`${dir} was not trained on the trap family`);
const ckpt = await readCheckpoint(dir);
const learner = await createLocalLearner({ config: ckpt.config, seed: 0, threads: config.threads, backend: 'auto' });
await learner.load(dir);
const renderer = render.createRenderer(render.loadRendererSpec(dir));
const rollout = trainer.rolloutOptionsFor(config, renderer, localRolloutPolicy(learner));
const source = generatedTaskSource(config.tasks, config.seed);
const n = Number(values.n);
const k = Number(values.k);
const seed = Number(values.seed);
const taskList = Array.from({ length: n }, (_, i) => source.task(values.split, i));
const specs = (copies) => taskList.flatMap((t) => Array.from({ length: copies }, (_, c) => ({ id: `early:${t.id}:${c}`, taskId: t.id, groupId: t.id, task: t.entry })));

function summarise(episodes) {
  const by = { good: [], trap: [], none: [] };
  for (const e of episodes) by[tasks.earlyChoice(e.messages)].push(e.success);
  const share = (xs) => xs.length / episodes.length;
  const success = (xs) => (xs.length === 0 ? null : xs.filter(Boolean).length / xs.length);
  return {
    episodes: episodes.length,
    success: success(episodes.map((e) => e.success)),
    good: share(by.good),
    trap: share(by.trap),
    none: share(by.none),
    successIfGood: success(by.good),
    successIfTrap: success(by.trap),
  };
}

const greedy = await playEpisodes(specs(1), { ...rollout, temperature: 0, seed });
const sampled = k > 0 ? await playEpisodes(specs(k), { ...rollout, temperature: 1, seed: seed + 1 }) : [];
process.stdout.write(`${JSON.stringify({ checkpoint: dir, split: values.split, n, k, greedy: summarise(greedy), sampled: k > 0 ? summarise(sampled) : null })}\n`);
await learner.dispose();
