import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/core/errors.js';
import { parseMetrics, readRunDir } from '../../src/report/run-dir.js';
import { FIXTURE_DIR } from './make-run-dir.js';

const jsonl = (...lines: unknown[]) => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l)) + '\n').join('');

function copyFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'seeupo-report-'));
  cpSync(FIXTURE_DIR, dir, { recursive: true });
  return dir;
}

test('parseMetrics reads each kind of record, timing from time, tokens from tokens', () => {
  const m = parseMetrics(
    jsonl(
      { kind: 'sft', step: 200, examples: 3200, loss: 0.41, tokens: 256000, time: { wallS: 31.2, stepS: 0.15 } },
      { kind: 'rl', iteration: 12, episodes: 256, excluded: 1, reward: 0.62, success: 0.6, tokens: { context: 9000, response: 2000 }, loss: 0.01, kl: 0.002, clipFraction: 0.05, ratio: { mean: 1, min: 0.8, max: 1.3 }, rho: null, entropy: 0.3, gradNorm: 0.8, time: { wallS: 412.5, rolloutS: 6.1, updateS: 3.2 } },
      { kind: 'eval', phase: 'rl', step: 12, split: 'heldout', n: 500, greedy: 0.61, k: 4, passAtK: 0.8, avgAtK: 0.55, time: { wallS: 420, evalS: 7.5 } },
      { kind: 'warning', message: 'env timed out', time: { wallS: 400 } },
    ),
    'm.jsonl',
  );
  assert.deepEqual(m.sft, [{ step: 200, examples: 3200, loss: 0.41, tokens: 256000, wallS: 31.2, stepS: 0.15 }]);
  assert.deepEqual(m.rl, [
    { iteration: 12, episodes: 256, excluded: 1, reward: 0.62, success: 0.6, contextTokens: 9000, responseTokens: 2000, loss: 0.01, kl: 0.002, clipFraction: 0.05, ratio: { mean: 1, min: 0.8, max: 1.3 }, entropy: 0.3, gradNorm: 0.8, wallS: 412.5, rolloutS: 6.1, updateS: 3.2 },
  ]);
  assert.deepEqual(m.evals, [{ phase: 'rl', step: 12, split: 'heldout', n: 500, greedy: 0.61, k: 4, passAtK: 0.8, avgAtK: 0.55, wallS: 420, evalS: 7.5 }]);
  assert.deepEqual(m.warnings, [{ message: 'env timed out', wallS: 400, line: 4 }]);
});

test('parseMetrics tolerates missing optional fields, null (NaN) values, blank lines and unknown kinds', () => {
  const m = parseMetrics(jsonl({ kind: 'rl', iteration: 1, kl: null }, '', { kind: 'checkpoint', path: 'x' }, { kind: 'sft', step: 5 }), 'm.jsonl');
  assert.deepEqual(m.rl, [{ iteration: 1 }]);
  assert.deepEqual(m.sft, [{ step: 5 }]);
});

test("parseMetrics keeps an rl line's episode-label shares (the trap family's early choice)", () => {
  const m = parseMetrics(jsonl({ kind: 'rl', iteration: 1, episodes: 64, episodeLabels: { good: 0.25, trap: 0.75, none: null } }, { kind: 'rl', iteration: 2, episodeLabels: null }), 'm.jsonl');
  assert.deepEqual(m.rl, [{ iteration: 1, episodes: 64, labels: { good: 0.25, trap: 0.75 } }, { iteration: 2 }]);
});

test('a malformed line is a UserError that names the file and the line', () => {
  const good = JSON.stringify({ kind: 'sft', step: 1 });
  const cases: [string, RegExp][] = [
    [`${good}\n{"kind": "sft", "step": 2\n${good}\n`, /^run\/metrics\.jsonl line 2 is not valid JSON: /],
    [`${good}\n${good}\n[1, 2]\n`, /^run\/metrics\.jsonl line 3 is not a metrics record: expected a JSON object with a string 'kind'$/],
    [`{"step": 1}\n`, /^run\/metrics\.jsonl line 1 is not a metrics record/],
    [`${good}\n{"kind": "rl", "iteration": 2, "kl": "high"}\n`, /^run\/metrics\.jsonl line 2: 'kl' must be a number, got "high"$/],
    [`{"kind": "rl", "kl": 0.1}\n`, /^run\/metrics\.jsonl line 1: a 'rl' record needs a numeric 'iteration'$/],
    [`{"kind": "eval", "phase": "warmup", "step": 1, "split": "test"}\n`, /^run\/metrics\.jsonl line 1: an 'eval' record needs 'phase' "sft" or "rl", got "warmup"$/],
    [`{"kind": "sft", "step": 1, "time": {"wallS": "late"}}\n`, /^run\/metrics\.jsonl line 1: 'time': 'wallS' must be a number/],
    [`{"kind": "rl", "iteration": 1, "rho": {"mean": 1, "min": "a", "max": 2}}\n`, /^run\/metrics\.jsonl line 1: 'rho': 'min' must be a number/],
    [`{"kind": "rl", "iteration": 1, "episodeLabels": 0.5}\n`, /^run\/metrics\.jsonl line 1: 'episodeLabels' must be an object of label shares or null$/],
    [`{"kind": "rl", "iteration": 1, "episodeLabels": {"good": "most"}}\n`, /^run\/metrics\.jsonl line 1: 'episodeLabels': 'good' must be a number/],
    // A terminated last line is a finished write: malformed is malformed.
    [`${good}\n{"kind": "sf\n`, /^run\/metrics\.jsonl line 2 is not valid JSON/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseMetrics(text, 'run/metrics.jsonl'),
      (err: unknown) => err instanceof UserError && message.test(err.message),
      text,
    );
  }
});

test('an unterminated last line that does not parse is a write in progress: left out, with a note', () => {
  const notes: string[] = [];
  const m = parseMetrics(`${JSON.stringify({ kind: 'sft', step: 1 })}\n{"kind": "sft", "st`, 'metrics.jsonl', notes);
  assert.deepEqual(m.sft, [{ step: 1 }]);
  assert.deepEqual(notes, ['metrics.jsonl line 2 is incomplete (a write in progress?) and was left out.']);
  // Unterminated but complete: read as usual.
  assert.deepEqual(parseMetrics(`${JSON.stringify({ kind: 'sft', step: 1 })}\n${JSON.stringify({ kind: 'sft', step: 2 })}`, 'm').sft, [{ step: 1 }, { step: 2 }]);
});

test('records written again after a resume: the later line wins, and records come out in step order', () => {
  const m = parseMetrics(
    jsonl(
      { kind: 'rl', iteration: 1, reward: 0.1 },
      { kind: 'rl', iteration: 2, reward: 0.2 },
      { kind: 'rl', iteration: 3, reward: 0.3 },
      { kind: 'rl', iteration: 3, reward: 0.33 },
      { kind: 'rl', iteration: 2, reward: 0.22 },
      { kind: 'eval', phase: 'rl', step: 2, split: 'test', greedy: 0.5 },
      { kind: 'eval', phase: 'sft', step: 9, split: 'test', greedy: 0.4 },
      { kind: 'eval', phase: 'rl', step: 2, split: 'test', greedy: 0.55 },
    ),
    'm',
  );
  assert.deepEqual(
    m.rl.map((r) => [r.iteration, r.reward]),
    [
      [1, 0.1],
      [2, 0.22],
      [3, 0.33],
    ],
  );
  assert.deepEqual(
    m.evals.map((e) => [e.phase, e.step, e.greedy]),
    [
      ['sft', 9, 0.4],
      ['rl', 2, 0.55],
    ],
  );
});

test('readRunDir: the fixture, the latest readable samples file, notes for unreadable optional files', () => {
  const run = readRunDir(FIXTURE_DIR);
  assert.equal(run.metrics.sft.length, 16);
  assert.equal(run.metrics.rl.length, 30);
  assert.equal(run.metrics.evals.length, 18);
  assert.equal(run.metrics.warnings.length, 1);
  assert.equal(run.samples?.file, 'rl-30.json');
  assert.equal(run.samples?.episodes.length, 4);
  assert.deepEqual(run.summary, { seed: 0, algorithm: 'seeupo', sft: { test: 0.59, heldout: 0.534 }, rl: { test: 0.701, heldout: 0.674 }, wallS: 465.115, finalCheckpoint: 'checkpoints/final' });
  assert.deepEqual(run.notes, []);

  const dir = copyFixture();
  try {
    writeFileSync(join(dir, 'samples', 'rl-30.json'), '[{"split": "test"');
    writeFileSync(join(dir, 'config.json'), '{oops');
    writeFileSync(join(dir, 'summary.json'), '[]');
    const broken = readRunDir(dir);
    assert.equal(broken.samples?.file, 'rl-25.json');
    assert.equal(broken.config, undefined);
    assert.equal(broken.summary, undefined);
    assert.equal(broken.notes.length, 3);
    assert.match(broken.notes[0]!, /^config\.json could not be read: /);
    assert.equal(broken.notes[1], 'summary.json is not a JSON object and was skipped.');
    assert.match(broken.notes[2]!, /^samples\/rl-30\.json could not be read: /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readRunDir: no directory, or no metrics.jsonl, is a one-line UserError', () => {
  assert.throws(() => readRunDir('/nonexistent/run'), { name: 'UserError', message: '/nonexistent/run is not a directory' });
  const dir = mkdtempSync(join(tmpdir(), 'seeupo-report-'));
  try {
    assert.throws(() => readRunDir(dir), { name: 'UserError', message: `${dir} has no metrics.jsonl: not a training run directory (or the run has not started)` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
