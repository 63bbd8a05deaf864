import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderReport } from '../../src/report/render.js';
import { readRunDir } from '../../src/report/run-dir.js';
import { formatCall } from '../../src/report/transcripts.js';
import { FIXTURE_DIR } from './make-run-dir.js';

function seeupo(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/seeupo.js', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function withFixtureCopy(edit: (dir: string) => void, check: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'seeupo-report-'));
  try {
    cpSync(FIXTURE_DIR, dir, { recursive: true });
    edit(dir);
    check(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Rewrites metrics.jsonl line by line: `map` returns the new record, or null to drop the line. */
function editMetrics(dir: string, map: (rec: Record<string, unknown>) => Record<string, unknown> | null): void {
  const path = join(dir, 'metrics.jsonl');
  const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  writeFileSync(path, lines.map(map).filter((l) => l !== null).map((l) => JSON.stringify(l) + '\n').join(''));
}

/** The SVG whose title (aria-label) is `title`. */
function chart(html: string, title: string): string {
  const start = html.indexOf(`aria-label="${title}"`);
  assert.ok(start >= 0, `no chart titled '${title}'`);
  return html.slice(start, html.indexOf('</svg>', start));
}

/** Each series drawn in a chart, with its point count. */
function seriesIn(svg: string): Record<string, number> {
  return Object.fromEntries([...svg.matchAll(/data-series="([^"]+)" data-points="(\d+)"/g)].map((m) => [m[1]!, Number(m[2])]));
}

const SECTIONS = ['summary', 'notes', 'success', 'sft', 'rl', 'time', 'transcripts', 'config'];

test('the fixture report has every section, every series with its points, and nothing external', () => {
  const html = renderReport(readRunDir(FIXTURE_DIR));
  for (const id of SECTIONS) assert.match(html, new RegExp(`id="${id}"`), id);

  // Greedy evaluations along each phase (SFT: on validation), pass@4 and avg@4 only at each phase's final one.
  const sampled = (n: number) => ({ 'pass@4 · test': n, 'pass@4 · held-out': n, 'avg@4 · test': n, 'avg@4 · held-out': n });
  assert.deepEqual(seriesIn(chart(html, 'SFT: task success by step')), { 'greedy · test': 1, 'greedy · held-out': 1, 'greedy · validation': 4, ...sampled(1) });
  // RL's curves start at iteration 0 with SFT's final evaluation (the checkpoint RL starts from).
  assert.deepEqual(seriesIn(chart(html, 'RL: task success by iteration')), { 'greedy · test': 7, 'greedy · held-out': 7, ...sampled(2) });
  const wall = chart(html, 'Task success by wall time');
  assert.deepEqual(seriesIn(wall), { 'greedy · test': 7, 'greedy · held-out': 7, 'greedy · validation': 4, ...sampled(2) });
  assert.equal([...wall.matchAll(/class="marker"/g)].length, 1);
  assert.match(wall, />SFT → RL</);
  assert.match(wall, />wall time since the run started \(min\)</);

  assert.deepEqual(seriesIn(chart(html, 'SFT loss (assistant tokens)')), { loss: 16 });
  assert.deepEqual(seriesIn(chart(html, 'Reward of the training batches')), { reward: 30, success: 30 });
  assert.deepEqual(seriesIn(chart(html, 'Approximate KL, sampling → updated policy')), { KL: 30 });
  assert.deepEqual(seriesIn(chart(html, 'Clip fraction')), { 'clip fraction': 30 });
  assert.deepEqual(seriesIn(chart(html, 'Entropy (−mean log-prob of sampled tokens)')), { entropy: 30 });
  assert.deepEqual(seriesIn(chart(html, 'Gradient norm')), { 'gradient norm': 30 });
  const ratio = chart(html, 'Importance ratio π/π_old');
  assert.deepEqual(seriesIn(ratio), { 'ratio mean (band: min–max)': 30 });
  assert.match(ratio, /data-band="ratio mean \(band: min–max\)"/);
  const rho = chart(html, 'ρ: the sequential-update correction');
  assert.deepEqual(seriesIn(rho), { 'ρ mean (band: min–max)': 30 });
  assert.match(rho, /data-band="ρ mean/);
  assert.deepEqual(seriesIn(chart(html, 'Episodes excluded (environment failures)')), { excluded: 30 });
  assert.deepEqual(seriesIn(chart(html, 'Seconds per RL iteration')), { rollouts: 30, update: 30 });
  assert.deepEqual(seriesIn(chart(html, 'Tokens per RL iteration')), { 'context (read)': 30, 'response (sampled)': 30 });
  const shares = [...chart(html, 'Where the wall time went').matchAll(/data-share="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(shares, ['SFT training', 'SFT evaluation', 'RL rollouts', 'RL updates', 'RL evaluation', 'other']);

  // The summary table, from summary.json.
  assert.match(html, /<tr><td>after SFT<\/td><td>59\.0%<\/td><td>53\.4%<\/td><\/tr>/);
  assert.match(html, /<tr><td>after RL<\/td><td>70\.1%<\/td><td>67\.4%<\/td><\/tr>/);
  assert.match(html, /<tr><td>RL − SFT<\/td><td>\+11\.1 points<\/td><td>\+14\.0 points<\/td><\/tr>/);
  // The latest evaluation of each split: SFT's final one is at its best step (300), validation's at the last (400).
  assert.match(html, /<tr><td>SFT step 300<\/td><td>test<\/td><td>500<\/td><td>59\.0%<\/td><td>[\d.]+%<\/td><td>[\d.]+%<\/td><\/tr>/);
  assert.match(html, /<tr><td>SFT step 400<\/td><td>validation<\/td><td>100<\/td><td>[\d.]+%<\/td><td>–<\/td><td>–<\/td><\/tr>/);
  assert.match(html, /RL episodes: <b>7680, 2 excluded \(environment failures\)<\/b>/);
  assert.match(html, /warning \(metrics\.jsonl line 39, at 3\.9 min\): 2 episodes excluded: environment timed out after 5000 ms/);

  // Transcripts: the latest evaluation's file, solved first, calls written as calls, invalid blocks flagged.
  assert.match(html, /From the latest evaluation, <code>samples\/rl-30\.json<\/code> \(RL iteration 30\): the trainer saved 4 episodes there, 2 of them solved; 4 shown/);
  assert.match(html, /heldout-00011<\/b> · split heldout · reward 0 · 0 tool calls · 1 invalid<\/summary>/);
  const order = [...html.matchAll(/<span class="(ok|fail)">/g)].map((m) => m[1]);
  assert.deepEqual(order, ['ok', 'ok', 'fail', 'fail']);
  assert.ok(html.includes('<pre class="call">mv(source=&quot;budget.xlsx&quot;, destination=&quot;archive&quot;)</pre>'));
  assert.match(html, /<pre class="call invalid"[^>]*>\{&quot;name&quot;: &quot;wc&quot;.*not a valid call: not valid JSON<\/pre>/);
  // The config, pretty-printed in a collapsible block.
  assert.match(html, /<details class="config"><summary>config\.json[^<]*<\/summary><pre>\{\n {2}&quot;seed&quot;: 0,/);

  // Self-contained: no scripts, no links or sources, no URL but the SVG namespace.
  assert.doesNotMatch(html, /<script|<link|\ssrc=|\shref=/i);
  assert.deepEqual([...new Set(html.match(/https?:\/\/[^"\s<]+/g))], ['http://www.w3.org/2000/svg']);
});

test('a run without RL (SFT only) still renders: no RL charts, no boundary, an "after SFT" row only', () => {
  withFixtureCopy(
    (dir) => {
      editMetrics(dir, (r) => (r.kind === 'rl' || (r.kind === 'eval' && r.phase === 'rl') || r.kind === 'warning' ? null : r));
      rmSync(join(dir, 'samples', 'rl-25.json'));
      rmSync(join(dir, 'samples', 'rl-30.json'));
      const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(join(dir, 'summary.json'), JSON.stringify({ ...summary, rl: null }));
    },
    (dir) => {
      const html = renderReport(readRunDir(dir));
      for (const id of SECTIONS.filter((s) => s !== 'notes')) assert.match(html, new RegExp(`id="${id}"`), id);
      assert.match(html, /No RL iteration recorded \(RL skipped, or not started\)\./);
      assert.doesNotMatch(html, /RL: task success by iteration|class="marker"|Seconds per RL iteration|after RL|RL episodes/);
      assert.deepEqual(seriesIn(chart(html, 'Task success by wall time'))['greedy · validation'], 4);
      assert.match(html, /<tr><td>after SFT<\/td><td>59\.0%<\/td><td>53\.4%<\/td><\/tr>/);
      assert.match(html, /samples\/sft-300\.json<\/code> \(SFT step 300\)/);
    },
  );
});

test('a run without ρ (an algorithm with no sequential correction) renders without the ρ chart and says why', () => {
  withFixtureCopy(
    (dir) => editMetrics(dir, (r) => (r.kind === 'rl' ? { ...r, rho: null } : r)),
    (dir) => {
      const html = renderReport(readRunDir(dir));
      assert.doesNotMatch(html, /ρ: the sequential-update correction/);
      assert.match(html, /No ρ statistics recorded/);
      assert.deepEqual(seriesIn(chart(html, 'Importance ratio π/π_old')), { 'ratio mean (band: min–max)': 30 });
    },
  );
});

test('a run without SFT (--sft-steps 0) renders: RL charts, no SFT chart, no boundary', () => {
  withFixtureCopy(
    (dir) => editMetrics(dir, (r) => (r.kind === 'sft' || (r.kind === 'eval' && r.phase === 'sft') ? null : r)),
    (dir) => {
      const html = renderReport(readRunDir(dir));
      assert.match(html, /No SFT phase in this run/);
      assert.doesNotMatch(html, /SFT: task success by step|class="marker"|SFT training:/);
      assert.deepEqual(seriesIn(chart(html, 'RL: task success by iteration'))['greedy · test'], 6); // no SFT evaluation to start from
    },
  );
});

test('a run in progress (a few SFT lines, nothing else yet) renders with what there is', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seeupo-report-'));
  try {
    writeFileSync(join(dir, 'metrics.jsonl'), '{"kind":"sft","step":25,"loss":2.1,"time":{"wallS":4}}\n{"kind":"sft","step":50,"loss":1.7,"time":{"wallS":8}}\n{"kind":"sft","st');
    const html = renderReport(readRunDir(dir));
    assert.match(html, /status: <b>in progress \(no summary\.json yet\)<\/b>/);
    assert.match(html, /No evaluation recorded yet\./);
    assert.match(html, /<p class="note">No evaluation yet\.<\/p>/);
    assert.doesNotMatch(html, /after SFT|after RL/);
    assert.match(html, /No transcripts: the run directory has no readable <code>samples\/<\/code> file yet\./);
    assert.match(html, /No readable config\.json\./);
    assert.match(html, /algorithm: <b>–<\/b>.*seed: <b>–<\/b>/);
    // With the resolved config written (the trainer writes it first), the algorithm and seed come from it.
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ seed: 5, algorithm: { name: 'grpo', overrides: {} } }));
    assert.match(renderReport(readRunDir(dir)), /algorithm: <b>grpo<\/b><\/span><span>seed: <b>5<\/b>/);
    assert.match(html, /line 3 is incomplete \(a write in progress\?\) and was left out\./);
    assert.deepEqual(seriesIn(chart(html, 'SFT loss (assistant tokens)')), { loss: 2 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('formatCall writes a call as name(key=value) with JSON values', () => {
  assert.equal(formatCall('mv', { source: 'a b.pdf', destination: 'x' }), 'mv(source="a b.pdf", destination="x")');
  assert.equal(formatCall('ls', {}), 'ls()');
  assert.equal(formatCall('f', { n: 2, flags: [true, null], opt: { k: 'v' } }), 'f(n=2, flags=[true, null], opt={"k": "v"})');
  assert.equal(formatCall('g', 'raw'), 'g("raw")');
});

test('seeupo report DIR writes DIR/report.html and says where; --out elsewhere; mistakes are one line, exit 2', () => {
  withFixtureCopy(
    () => {},
    (dir) => {
      const r = seeupo('report', dir);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, `report written to ${join(dir, 'report.html')}\n`);
      // The page is a function of the run directory: the same bytes on every run of the report.
      assert.equal(readFileSync(join(dir, 'report.html'), 'utf8'), renderReport(readRunDir(dir)));
      assert.match(readFileSync(join(dir, 'report.html'), 'utf8'), /^<!DOCTYPE html>/);

      const out = join(dir, 'elsewhere.html');
      const o = seeupo('report', dir, '--out', out);
      assert.equal(o.code, 0, o.err);
      assert.equal(o.out, `report written to ${out}\n`);
      assert.ok(existsSync(out));

      const noDir = seeupo('report', dir, '--out', join(dir, 'missing', 'r.html'));
      assert.equal(noDir.code, 2);
      assert.match(noDir.err, /^seeupo: cannot write .*missing\/r\.html: ENOENT/);

      const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n');
      lines[6] = '{"kind": "sft", "step": ';
      writeFileSync(join(dir, 'metrics.jsonl'), lines.join('\n'));
      const bad = seeupo('report', dir);
      assert.equal(bad.code, 2);
      assert.equal(bad.err.split('\n').length, 2); // one line and its newline
      assert.match(bad.err, new RegExp(`^seeupo: ${join(dir, 'metrics.jsonl')} line 7 is not valid JSON: `));
    },
  );
  const empty = mkdtempSync(join(tmpdir(), 'seeupo-report-'));
  try {
    mkdirSync(join(empty, 'samples'));
    const r = seeupo('report', empty);
    assert.equal(r.code, 2);
    assert.equal(r.err, `seeupo: ${empty} has no metrics.jsonl: not a training run directory (or the run has not started)\n`);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
  const help = seeupo('report', '--help');
  assert.equal(help.code, 0);
  assert.match(help.out, /Usage: seeupo report \[options\] <dir>/);
  assert.match(help.out, /--out <file>/);
});
