import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tickLabel } from '../../src/report/plots.js';
import { parseMetrics } from '../../src/report/run-dir.js';
import { evalK, formatDuration, rlEvalsFromStart, sftRlBoundary, statsSeries, successSeries, timeShares, wallUnit } from '../../src/report/series.js';

const metrics = (...lines: unknown[]) => parseMetrics(lines.map((l) => JSON.stringify(l) + '\n').join(''), 'm');

const RUN = metrics(
  { kind: 'sft', step: 10, time: { wallS: 20 } },
  { kind: 'eval', phase: 'sft', step: 10, split: 'test', greedy: 0.5, k: 4, passAtK: 0.7, avgAtK: 0.4, time: { wallS: 25, evalS: 5 } },
  { kind: 'eval', phase: 'sft', step: 10, split: 'heldout', greedy: 0.45, k: 4, time: { wallS: 28, evalS: 3 } },
  { kind: 'rl', iteration: 1, rho: { mean: 1, min: 0.9, max: 1.2 }, time: { wallS: 40, rolloutS: 8, updateS: 2 } },
  { kind: 'rl', iteration: 2, rho: null, time: { wallS: 52, rolloutS: 9, updateS: 2.5 } },
  { kind: 'eval', phase: 'rl', step: 2, split: 'test', greedy: 0.6, k: 4, time: { wallS: 56, evalS: 4 } },
);

test('successSeries: greedy, pass@k and avg@k per split, test before held-out, each with the points it has', () => {
  const s = successSeries(RUN.evals, (e) => e.wallS);
  assert.deepEqual(
    s.map((x) => [x.name, x.points, x.dash ?? null]),
    [
      [
        'greedy · test',
        [
          { x: 25, y: 0.5 },
          { x: 56, y: 0.6 },
        ],
        null,
      ],
      ['greedy · held-out', [{ x: 28, y: 0.45 }], null],
      ['pass@4 · test', [{ x: 25, y: 0.7 }], '6 3'],
      ['avg@4 · test', [{ x: 25, y: 0.4 }], '1.5 2.5'],
    ],
  );
  assert.equal(s[0]!.colour, '#4e79a7');
  assert.equal(s[1]!.colour, '#f28e2b');
  // An evaluation without a place on the axis (no wall time) is left out, not drawn at 0.
  assert.deepEqual(successSeries(metrics({ kind: 'eval', phase: 'rl', step: 1, split: 'test', greedy: 0.3 }).evals, (e) => e.wallS), []);
});

test('evalK names the k of pass@k, or "k" when the evaluations disagree', () => {
  assert.equal(evalK(RUN.evals), '4');
  assert.equal(evalK(metrics({ kind: 'eval', phase: 'rl', step: 1, split: 'test', k: 4 }, { kind: 'eval', phase: 'rl', step: 2, split: 'test', k: 8 }).evals), 'k');
});

test('the SFT→RL boundary is the last SFT wall time, and only exists when both phases do', () => {
  assert.equal(sftRlBoundary(RUN), 28);
  assert.equal(sftRlBoundary(metrics({ kind: 'sft', step: 1, time: { wallS: 5 } })), undefined);
  assert.equal(sftRlBoundary(metrics({ kind: 'rl', iteration: 1, time: { wallS: 5 } })), undefined);
});

test('timeShares splits the wall time into SFT training and evaluation, RL rollouts, updates, evaluation and the rest', () => {
  assert.deepEqual(timeShares(RUN), [
    { name: 'SFT training', seconds: 20 }, // 28 s to the boundary, 8 of them evaluating
    { name: 'SFT evaluation', seconds: 8 },
    { name: 'RL rollouts', seconds: 17 },
    { name: 'RL updates', seconds: 4.5 },
    { name: 'RL evaluation', seconds: 4 },
    { name: 'other', seconds: 2.5 }, // 56 − 53.5
  ]);
  // The summary's wall time is the total when there is one; a run without RL is all SFT.
  assert.deepEqual(timeShares(metrics({ kind: 'sft', step: 1, time: { wallS: 10 } }), { wallS: 12 }), [
    { name: 'SFT training', seconds: 12 },
    { name: 'SFT evaluation', seconds: 0 },
    { name: 'other', seconds: 0 },
  ]);
  assert.deepEqual(timeShares(metrics()), [{ name: 'other', seconds: 0 }]);
});

test('statsSeries: the mean as the line, min–max as the band, iterations without the statistic left out', () => {
  const s = statsSeries(RUN.rl, (r) => r.rho, 'ρ', '#000');
  assert.deepEqual(s, { name: 'ρ', colour: '#000', points: [{ x: 1, y: 1 }], band: [{ x: 1, lo: 0.9, hi: 1.2 }] });
  assert.equal(
    statsSeries(RUN.rl, (r) => r.ratio, 'ratio', '#000'),
    undefined,
  );
});

test('wall-time units and durations read as a person reads them', () => {
  assert.deepEqual(wallUnit(90), { unit: 's', perS: 1 });
  assert.deepEqual(wallUnit(900), { unit: 'min', perS: 1 / 60 });
  assert.deepEqual(wallUnit(9000), { unit: 'h', perS: 1 / 3600 });
  assert.deepEqual([4.25, 42.4, 450, 9000].map(formatDuration), ['4.3 s', '42 s', '7.5 min', '2.5 h']);
});

test('tick labels carry the decimals their spacing needs', () => {
  assert.deepEqual(
    [
      [0.0025, 0.0005],
      [0.25, 0.25],
      [0.5, 0.1],
      [40, 20],
      [20000, 5000],
      [0, 0.1],
    ].map(([v, step]) => tickLabel(v!, step!)),
    ['0.0025', '0.25', '0.5', '40', '20k', '0'],
  );
});

test("RL's evaluations start at iteration 0 with SFT's latest evaluation of the same splits", () => {
  assert.deepEqual(
    rlEvalsFromStart(RUN.evals).map((e) => [e.phase, e.step, e.split, e.greedy]),
    [
      ['rl', 0, 'test', 0.5],
      ['rl', 2, 'test', 0.6],
    ],
  );
  const own = metrics({ kind: 'eval', phase: 'sft', step: 3, split: 'test', greedy: 0.1 }, { kind: 'eval', phase: 'rl', step: 0, split: 'test', greedy: 0.2 });
  assert.deepEqual(rlEvalsFromStart(own.evals), [own.evals[1]]);
  assert.deepEqual(rlEvalsFromStart(metrics({ kind: 'eval', phase: 'sft', step: 3, split: 'test', greedy: 0.1 }).evals), []);
});
