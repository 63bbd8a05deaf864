import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lastLabelShares, pairedDifferences, summarise, type RunCurves } from '../../src/compare/analysis.js';
import type { CompareFile, RunRecord } from '../../src/compare/runner.js';
import { markdownTables } from '../../src/compare/table.js';

function run(algorithm: string, seed: number, test: number[], heldout: number[], kl: number[] = [1, 1, 1, 1], labels: Record<string, number> = {}): RunCurves {
  const pts = (ys: number[]) => ys.map((y, i) => ({ x: 2 * i, y }));
  return { id: `default/${algorithm}-seed${seed}`, family: 'default', algorithm, seed, success: { test: pts(test), heldout: pts(heldout) }, episodesAt: new Map([[0, 0], [2, 20], [4, 40]]), kl, labels, cpuS: 60 };
}

function record(r: RunCurves): RunRecord {
  return { id: r.id, kind: 'rl', family: r.family, algorithm: r.algorithm, seed: r.seed, dir: '/nowhere', configFile: '/nowhere.json', settings: {}, budget: {}, command: 'seeupo train', status: 'finished' };
}

const runs = [
  run('seeupo', 0, [0.4, 0.5, 0.6], [0.4, 0.4, 0.5]),
  run('seeupo', 1, [0.5, 0.5, 0.5], [0.5, 0.6, 0.5], [1, 1, 1, 10]),
  run('grpo', 0, [0.4, 0.3, 0.5], [0.4, 0.5, 0.6]),
  run('grpo', 1, [0.5, 0.6, 0.7], [0.5, 0.5, 0.4]),
  run('grpo', 2, [0.2, 0.2, 0.2], [0.2, 0.2, 0.2]),
];
const data: CompareFile = { version: 1, invocations: [], families: { default: {} }, runs: runs.map(record) };

test('summarise: per algorithm, curves, final success, AUC, drops and KL spikes over seeds (hand values)', () => {
  const [seeupo, grpo] = summarise(data, runs);
  assert.equal(seeupo!.algorithm, 'seeupo');
  assert.deepEqual(seeupo!.seeds, [0, 1]);
  // Final test success: 0.6 and 0.5; two seeds: the interval spans them.
  assert.ok(Math.abs(seeupo!.final.test.mean - 0.55) < 1e-12);
  assert.equal(seeupo!.final.test.lo, 0.5);
  assert.equal(seeupo!.final.test.hi, 0.6);
  // AUC of [0.4, 0.5, 0.6] over x 0..4 is 0.5; of [0.5, 0.5, 0.5] 0.5.
  assert.ok(Math.abs(seeupo!.auc.test.mean - 0.5) < 1e-12);
  // Drops: seed 0 has 0 of 4 pairs (test and held-out), seed 1 has 1 of 4 (held-out 0.6 → 0.5): shares 0 and 0.25.
  assert.ok(Math.abs(seeupo!.dropShare.mean - 0.125) < 1e-12);
  assert.ok(Math.abs(seeupo!.largestDrop.mean - 0.05) < 1e-12);
  // KL spikes: seed 1 has one iteration above 3× its median.
  assert.equal(seeupo!.klSpikes.mean, 0.5);
  // The curve: iteration 2 (20 episodes), test success 0.5 on both seeds.
  assert.deepEqual(seeupo!.curves.test[1], { mean: 0.5, lo: 0.5, hi: 0.5, n: 2, iteration: 2, episodes: 20 });
  assert.deepEqual(grpo!.seeds, [0, 1, 2]);
  assert.equal(grpo!.cpuS, 60);
});

test('pairedDifferences: the final success minus seeupo\'s on the same seed, over the seeds both have', () => {
  const [d] = pairedDifferences(runs);
  assert.equal(d!.algorithm, 'grpo');
  assert.deepEqual(d!.seeds, [0, 1]); // grpo's seed 2 has no seeupo run to pair with
  // test: 0.5 − 0.6 = −0.1 and 0.7 − 0.5 = +0.2; held-out: 0.6 − 0.5 = +0.1 and 0.4 − 0.5 = −0.1
  assert.ok(Math.abs(d!.final.test.mean - 0.05) < 1e-12);
  assert.ok(Math.abs(d!.final.test.lo - -0.1) < 1e-12 && Math.abs(d!.final.test.hi - 0.2) < 1e-12);
  assert.ok(Math.abs(d!.final.heldout.mean) < 1e-12);
  const md = markdownTables(['default'], summarise(data, runs), [], pairedDifferences(runs), runs);
  // Seed by seed: final test / held-out success; grpo's seed 2 has no seeupo run, so seeupo's cell is empty.
  assert.match(md, /^\| algorithm \| seed 0 \| seed 1 \| seed 2 \|$/m);
  assert.match(md, /^\| seeupo \| 60\.0 \/ 50\.0 \| 50\.0 \/ 50\.0 \|  \|$/m);
  assert.match(md, /^\| grpo \| 50\.0 \/ 60\.0 \| 70\.0 \/ 40\.0 \| 20\.0 \/ 20\.0 \|$/m);
  assert.match(md, /^\| grpo \| 2 \| \+5\.0 \[-10\.0, \+20\.0\] \| \+0\.0 \[-10\.0, \+10\.0\] \|$/m);
  assert.match(md, /^\| seeupo \| 2 \| 55\.0 \[50\.0, 60\.0\] \| 50\.0 \[50\.0, 50\.0\] \| 50\.0 \[50\.0, 50\.0\] \| /m);
});

test('lastLabelShares: the label shares of the last 4 labelled iterations, weighted by their episodes', () => {
  const it = (iteration: number, episodes: number, good: number) => ({ iteration, episodes, labels: { good, trap: 1 - good } });
  // Iteration 1 falls outside the window; the other four weigh 10, 10, 10 and 30 episodes.
  const shares = lastLabelShares([it(1, 10, 1), it(2, 10, 0), it(3, 10, 0.5), it(4, 10, 0.5), it(5, 30, 1), { iteration: 6 }]);
  assert.ok(Math.abs(shares.good! - (0 + 5 + 5 + 30) / 60) < 1e-12);
  assert.ok(Math.abs(shares.trap! - 20 / 60) < 1e-12);
  assert.deepEqual(lastLabelShares([{ iteration: 1, episodes: 4 }]), {});
});

test('a family whose runs label episodes gets a table of each label\'s share over seeds', () => {
  const labelled = [run('seeupo', 0, [0, 0.5], [0, 0.5], [1, 1], { good: 0.8, trap: 0.2 }), run('seeupo', 1, [0, 0], [0, 0], [1, 1], { good: 0.2, trap: 0.6, none: 0.2 })];
  const [s] = summarise({ ...data, runs: labelled.map(record) }, labelled);
  assert.ok(Math.abs(s!.labels.good!.mean - 0.5) < 1e-12);
  assert.ok(Math.abs(s!.labels.none!.mean - 0.1) < 1e-12); // a label a run never saw counts as 0 there
  const md = markdownTables(['default'], [s!], []);
  assert.match(md, /^\| algorithm \| seeds \| 'good' \| 'trap' \| 'none' \|$/m);
  assert.match(md, /^\| seeupo \| 2 \| 50\.0 \[20\.0, 80\.0\] \| 40\.0 \[20\.0, 60\.0\] \| 10\.0 \[0\.0, 20\.0\] \|$/m);
  // Families without labels keep the plain table.
  assert.doesNotMatch(markdownTables(['default'], summarise(data, runs), []), /'good'/);
});
