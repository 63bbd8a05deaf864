// The evidence of docs/training.md: for each seed, the default `seeupo train`, then a control that continues SFT
// from the same best SFT checkpoint, on the same demonstrations, for the compute the run spent in RL; then a
// table of test and held-out success (greedy, avg@4) after SFT, after RL and for the control, over 500 tasks each.
//   node scripts/training-evidence.mjs [--seeds 0,1,2] [--out runs/evidence] [--parallel 2] [--set key=value ...]
//                                      [--greedy-tasks 2000]
// `--set` goes to both the run and its control. Runs already finished in --out are reused, so a stopped evidence
// run continues where it was.
// The control's budget is CPU time, not wall time: the runs share the machine with each other (and whatever else
// runs), so equal wall time buys unequal compute. The control gets as many SFT steps as the RL phase's CPU seconds
// buy at the SFT phase's own CPU cost per step (its validations included, as the RL phase's evaluations are).
// Then each of the three models (after SFT, after RL, the control) is evaluated greedily on the first
// --greedy-tasks tasks of each split with `seeupo eval` (cheap, and 4× the tasks of the runs' own evaluations: the
// differences between models are a few points, and 500 tasks alone have a standard error of ~2.2 points).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { seeds: { type: 'string', default: '0,1,2' }, out: { type: 'string', default: 'runs/evidence' }, parallel: { type: 'string', default: '2' }, set: { type: 'string', multiple: true, default: [] }, 'greedy-tasks': { type: 'string', default: '2000' } } });
const greedyTasks = Number(values['greedy-tasks']);
const sets = values.set.flatMap((kv) => ['--set', kv]);
const seeds = values.seeds.split(',').map(Number);
const bin = join(import.meta.dirname, '..', 'bin', 'seeupo.js');

function run(args, log) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.stderr.on('data', (d) => (text += d));
    child.on('exit', (code) => {
      writeFileSync(log, text);
      code === 0 ? resolve() : reject(new Error(`seeupo ${args.join(' ')} failed (${code}); see ${log}`));
    });
  });
}

const metrics = (dir) => readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const finalEvals = (dir, phase) => Object.fromEntries(metrics(dir).filter((m) => m.kind === 'eval' && m.phase === phase && m.n >= 500).map((m) => [m.split, m]));

async function seedJob(seed) {
  const main = join(values.out, `seeupo-s${seed}`);
  if (!existsSync(join(main, 'summary.json'))) await run(['train', '--seed', String(seed), ...sets, ...(existsSync(join(main, 'config.json')) ? ['--resume', main] : ['--out', main])], `${main}.log`);
  const m = metrics(main);
  const lastSft = m.filter((x) => x.kind === 'sft').at(-1);
  // The RL phase's compute: its iterations and periodic evaluations, not the 500-task evaluations before and after
  // it. The first iteration's own cost is taken as the mean of the others' (its start is not logged).
  const rl = m.filter((x) => x.kind === 'rl');
  const rlCpuS = ((rl.at(-1).time.cpuS - rl[0].time.cpuS) * rl.length) / (rl.length - 1);
  const controlSteps = Math.round(rlCpuS / (lastSft.time.cpuS / lastSft.step));
  const control = join(values.out, `control-s${seed}`);
  if (!existsSync(join(control, 'summary.json'))) {
    await run(['sft', '--seed', String(seed), ...sets, '--init', join(main, 'checkpoints', 'sft-best'), '--set', `sft.steps=${controlSteps}`, '--set', 'sft.patience=1000000', '--out', control], `${control}.log`);
  }
  const models = { sft: join(main, 'checkpoints', 'sft-best'), rl: join(main, 'checkpoints', 'final'), control: join(control, 'checkpoints', 'final') };
  const greedy = {};
  for (const [name, dir] of Object.entries(models)) {
    greedy[name] = {};
    for (const split of ['test', 'heldout']) greedy[name][split] = await greedyEval(dir, split, join(values.out, `greedy${greedyTasks}-${name}-s${seed}-${split}.json`));
  }
  return { seed, rlCpuS, controlSteps, sft: finalEvals(main, 'sft'), rl: finalEvals(main, 'rl'), control: finalEvals(control, 'sft'), greedy };
}

/** `seeupo eval --json` of one model on one split, cached in `file`. */
async function greedyEval(checkpoint, split, file) {
  if (!existsSync(file)) {
    const log = `${file}.log`;
    await run(['eval', '--checkpoint', checkpoint, '--split', split, '--n', String(greedyTasks), '--json'], log);
    writeFileSync(file, readFileSync(log, 'utf8'));
  }
  return JSON.parse(readFileSync(file, 'utf8')).greedy;
}

const queue = [...seeds];
const results = [];
await Promise.all(
  Array.from({ length: Number(values.parallel) }, async () => {
    while (queue.length > 0) results.push(await seedJob(queue.shift()));
  }),
);
results.sort((a, b) => a.seed - b.seed);
const pct = (x) => (x === null || x === undefined ? '-' : (100 * x).toFixed(1));
const lines = ['| seed | split | after SFT greedy / avg@4 | after RL greedy / avg@4 | SFT control greedy / avg@4 | RL CPU s / control steps |', '|---|---|---|---|---|---|'];
for (const r of results) {
  for (const split of ['test', 'heldout']) {
    const cell = (e) => (e ? `${pct(e.greedy)} / ${pct(e.avgAtK)}` : '-');
    lines.push(`| ${r.seed} | ${split} | ${cell(r.sft[split])} | ${cell(r.rl[split])} | ${cell(r.control[split])} | ${r.rlCpuS.toFixed(0)} / ${r.controlSteps} |`);
  }
}
// Differences over seeds: mean and a 95% t-interval (the seeds are the unit: each run's 500-task estimates are paired).
const T95 = { 1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262 };
const interval = (xs) => {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return `${(100 * mean).toFixed(1)} (one seed)`;
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  const h = (T95[n - 1] ?? 1.96) * sd / Math.sqrt(n);
  return `${(100 * mean).toFixed(1)} [${(100 * (mean - h)).toFixed(1)}, ${(100 * (mean + h)).toFixed(1)}]`;
};
lines.push('', `| difference, points (mean over seeds [95% interval]) | split | greedy, 500 tasks | avg@4, 500 tasks | greedy, ${greedyTasks} tasks |`, '|---|---|---|---|---|');
for (const [label, a, b] of [['RL − SFT', 'rl', 'sft'], ['RL − SFT control', 'rl', 'control']]) {
  for (const split of ['test', 'heldout']) {
    const have = results.filter((r) => r[a][split] && r[b][split]);
    if (have.length === 0) continue;
    const d = (key) => have.map((r) => r[a][split][key] - r[b][split][key]);
    const dGreedy = have.map((r) => r.greedy[a][split] - r.greedy[b][split]);
    lines.push(`| ${label} (${have.length} seeds) | ${split} | ${interval(d('greedy'))} | ${interval(d('avgAtK'))} | ${interval(dGreedy)} |`);
  }
}
lines.push('', `| seed | greedy on ${greedyTasks} tasks, test / held-out: after SFT | after RL | SFT control |`, '|---|---|---|---|');
for (const r of results) {
  const cell = (name) => `${pct(r.greedy[name].test)} / ${pct(r.greedy[name].heldout)}`;
  lines.push(`| ${r.seed} | ${cell('sft')} | ${cell('rl')} | ${cell('control')} |`);
}
writeFileSync(join(values.out, 'evidence.md'), lines.join('\n') + '\n');
process.stdout.write(lines.join('\n') + '\n');
