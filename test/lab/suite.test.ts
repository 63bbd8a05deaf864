import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/core/errors.js';
import { DEFAULT_SUITE, parseOptimizerEntry, parseSuiteAlgo, planSuite, suiteSettings } from '../../src/lab/suite-plan.js';
import { runSuite } from '../../src/lab/suite.js';
import { lineChart, ticks } from '../../src/lab/svg.js';

const tiny = {
  ...DEFAULT_SUITE,
  algos: ['seeupo', 'grpo@2'],
  policies: ['tabular', 'linear:2'],
  instances: ['coordination-2x2'],
  random: 1,
  optimizers: ['adam@0.1', 'sgd@1'],
  seeds: 1,
  group: 4,
  iters: 3,
};

test('suite plan: algorithms × policies × instances × settings, with NAME@EPOCHS and OPTIMIZER@LR entries', () => {
  const jobs = planSuite(tiny);
  // 2 algorithms × 2 policies × (1 shipped + 1 random) instances × (2 exact + 1 sampled seed) settings
  assert.equal(jobs.length, 2 * 2 * 2 * 3);
  const withHard = planSuite({ ...tiny, hard: 2 });
  assert.equal(withHard.length, 2 * 2 * 4 * 3);
  assert.deepEqual([...new Set(withHard.map((j) => j.instance.name))], ['coordination-2x2', 'random-1001', 'hard-2001', 'hard-2002']);
  assert.deepEqual(parseSuiteAlgo('grpo@4'), { label: 'grpo@4', algo: 'grpo', epochs: 4 });
  assert.deepEqual(parseOptimizerEntry('sgd@0.5'), { optimizer: 'sgd', lr: 0.5 });
  assert.deepEqual(suiteSettings(tiny).map((s) => [s.label, s.exact, s.seed]), [
    ['exact · adam 0.1', true, 0],
    ['exact · sgd 1', true, 0],
    ['sampled · adam 0.1', false, 0],
  ]);
  const cases: [Partial<typeof tiny>, RegExp][] = [
    [{ algos: ['nope'] }, /unknown lab algorithm 'nope'/],
    [{ algos: ['grpo@x'] }, /must be NAME or NAME@EPOCHS/],
    [{ optimizers: ['adam'] }, /must be OPTIMIZER@LR/],
    [{ instances: ['missing'] }, /no shipped instance named missing/],
    [{ policies: ['mlp'] }, /unknown --policy/],
    [{ iters: 0 }, /--iters/],
    [{ hard: -1 }, /--hard/],
  ];
  for (const [over, re] of cases) {
    assert.throws(() => planSuite({ ...tiny, ...over }), (e: unknown) => e instanceof UserError && re.test((e as Error).message), String(re));
  }
});

test('a tiny suite writes report.md, one SVG per instance and setting, and results.json; workers give the same results', async () => {
  const out1 = mkdtempSync(join(tmpdir(), 'seeupo-suite-'));
  const out2 = mkdtempSync(join(tmpdir(), 'seeupo-suite-'));
  const lines: string[] = [];
  const a = await runSuite({ ...tiny, out: out1, workers: 1, command: 'seeupo lab suite (test)', progress: (l) => lines.push(l) });
  const b = await runSuite({ ...tiny, out: out2, workers: 2, command: 'seeupo lab suite (test)', progress: () => {} });
  assert.equal(a.reportPath, join(out1, 'report.md'));
  assert.deepEqual(a.input.results.map((r) => r.J), b.input.results.map((r) => r.J));
  assert.match(lines[0]!, /24 runs/);
  assert.match(lines[lines.length - 1]!, /100%/);
  const md = readFileSync(a.reportPath, 'utf8');
  for (const section of ['## The claims', '### Claim 1', '### Claim 4', '## Scoreboards', '## J per iteration']) assert.ok(md.includes(section), section);
  const svgs = readdirSync(join(out1, 'plots')).filter((f) => f !== 'overview.svg');
  assert.equal(svgs.length, 2 * 3);
  assert.ok(md.includes('(plots/overview.svg)'));
  const overview = readFileSync(join(out1, 'plots', 'overview.svg'), 'utf8');
  // 2 algorithms × 3 settings × 2 policies cells, each labelled optimal/runs (2 instances per cell).
  assert.equal((overview.match(/>\d\/2</g) ?? []).length, 2 * 3 * 2);
  for (const f of svgs) {
    assert.ok(md.includes(`(plots/${f})`), `report links ${f}`);
    const svg = readFileSync(join(out1, 'plots', f), 'utf8');
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal((svg.match(/<polyline/g) ?? []).length, 2 * 2, `${f}: one line per algorithm per panel`);
  }
  const results = JSON.parse(readFileSync(join(out1, 'results.json'), 'utf8'));
  assert.equal(results.length, 24);
  assert.equal(results[0].J.length, 4);
  assert.match(a.summary, /seeupo\s+\d+\/4 · \d+\s+\d+\/4 · \d+\s+\d+\/4 · \d+/);
});

test('svg: ticks are round numbers inside the range; the chart escapes names', () => {
  assert.deepEqual(ticks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(ticks(0.27, 1.03, 5), [0.4, 0.6, 0.8, 1]);
  assert.deepEqual(ticks(0, 150, 4), [0, 50, 100, 150]);
  const svg = lineChart([{ title: 'a<b', series: [{ name: 'x&y', values: [0, 1] }], reference: 1 }], { title: 't', xLabel: 'k', yLabel: 'J', colours: new Map([['x&y', '#000']]) });
  assert.ok(svg.includes('a&lt;b') && svg.includes('x&amp;y') && !svg.includes('x&y'));
});

test('CLI `lab suite` prints progress on stderr and the summary with the report path on stdout', () => {
  const out = mkdtempSync(join(tmpdir(), 'seeupo-suite-'));
  const r = spawnSync(
    process.execPath,
    ['bin/seeupo.js', 'lab', 'suite', '--out', out, '--iters', '2', '--algos', 'seeupo,reinforce', '--policies', 'tabular', '--instances', 'coordination-2x2', '--random', '0', '--optimizers', 'sgd@1', '--seeds', '1', '--group', '3', '--workers', '1'],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /lab suite: 4 runs/);
  assert.match(r.stdout, /Report: .*report\.md/);
  assert.ok(existsSync(join(out, 'report.md')));
  assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /G = 3 rollouts/);
  const bad = spawnSync(process.execPath, ['bin/seeupo.js', 'lab', 'suite', '--optimizers', 'adam'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--optimizers entry 'adam' must be OPTIMIZER@LR/);
});
