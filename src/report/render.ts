/**
 * The run report as one self-contained HTML page: inline CSS and SVG, no scripts, no external resources, so it
 * opens from disk, attaches to an e-mail and survives being copied off the machine that trained.
 */
import { basename, resolve } from 'node:path';
import { PALETTE } from '../lab/svg.js';
import { esc, shareBar, stackedBars, xyChart, type LineSeries } from './plots.js';
import type { EvalRecord, Phase, RunData } from './run-dir.js';
import { evalK, formatDuration, latestPerSplit, rlEvalsFromStart, phaseEvals, rlPoints, sftRlBoundary, splitLabel, statsSeries, successSeries, timeShares, wallUnit } from './series.js';
import { transcriptsHtml } from './transcripts.js';

const HALF = 520;
const FULL = 1060;

export const CSS = `
body { font-family: Helvetica, Arial, sans-serif; color: #222; margin: 0; background: #f6f6f4; }
main { max-width: ${FULL + 40}px; margin: 0 auto; padding: 16px 20px 40px; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #ccc; }
.sub { color: #555; margin: 0 0 8px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 14px; }
.card { background: white; border: 1px solid #ddd; border-radius: 4px; padding: 6px; }
.grid, section > .card { margin-bottom: 14px; }
svg.chart { width: 100%; height: auto; display: block; }
table { border-collapse: collapse; background: white; margin: 6px 0 10px; }
th, td { border: 1px solid #ddd; padding: 4px 10px; text-align: right; font-variant-numeric: tabular-nums; }
th:first-child, td:first-child { text-align: left; }
th { background: #efefec; }
.facts { display: flex; flex-wrap: wrap; gap: 6px 22px; margin: 8px 0; }
.facts span b { font-weight: 600; }
.note { color: #7a5b00; background: #fff8e0; border: 1px solid #f0e0a0; padding: 6px 10px; border-radius: 4px; }
ul.notes { margin: 6px 0; }
details.episode { background: white; border: 1px solid #ddd; border-radius: 4px; margin: 10px 0; padding: 6px 10px; }
details.episode > summary { cursor: pointer; padding: 2px 0 6px; }
.ok { color: white; background: #59a14f; padding: 1px 6px; border-radius: 3px; }
.fail { color: white; background: #e15759; padding: 1px 6px; border-radius: 3px; }
.msg { display: grid; grid-template-columns: 80px 1fr; gap: 8px; border-top: 1px solid #eee; padding: 4px 0; }
.msg .role { color: #666; font-size: 12px; padding-top: 4px; }
.msg.user .role { color: #4e79a7; } .msg.assistant .role { color: #b07aa1; } .msg.tool .role { color: #59a14f; }
details.msg.system { display: block; color: #666; font-size: 12px; }
pre { margin: 2px 0; white-space: pre-wrap; word-break: break-word; font-family: Menlo, Consolas, monospace; font-size: 12px; }
.msg.tool pre { color: #444; background: #f7f7f7; padding: 2px 4px; }
pre.call { color: #1f3f6e; background: #eef3fa; padding: 2px 4px; border-left: 3px solid #4e79a7; }
pre.call.invalid { color: #8a1c1c; background: #fbeaea; border-left-color: #e15759; }
pre.empty { color: #999; }
.cut { color: #999; }
details.config pre { background: white; border: 1px solid #ddd; padding: 8px; }
`;

function pct(x: number | undefined): string {
  return x === undefined ? '–' : `${(100 * x).toFixed(1)}%`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return `<table><tr>${header.map((h) => `<th>${h}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</table>`;
}

function card(svg: string): string {
  return `<div class="card">${svg}</div>`;
}

/** The latest greedy success on test and held-out in one phase: what the summary says before summary.json exists. */
function latestGreedy(evals: readonly EvalRecord[], phase: Phase): { test?: number; heldout?: number } | undefined {
  const latest = latestPerSplit(evals, phase);
  const at = (split: string) => latest.find((e) => e.split === split)?.greedy;
  return latest.some((e) => e.split === 'test' || e.split === 'heldout') ? { test: at('test'), heldout: at('heldout') } : undefined;
}

/** The last step any record of a phase reached (SFT records, or evaluations when those are all there is). */
function lastStep(steps: readonly number[]): number | undefined {
  return steps.length === 0 ? undefined : Math.max(...steps);
}

function summarySection(run: RunData): string {
  const { metrics: m, summary: s } = run;
  const lastSft = lastStep(m.sft.map((r) => r.step));
  const lastRl = lastStep(m.rl.map((r) => r.iteration));
  const episodes = m.rl.reduce((t, r) => t + (r.episodes ?? 0), 0);
  const excluded = m.rl.reduce((t, r) => t + (r.excluded ?? 0), 0);
  const share = timeShares(m, s);
  const wall = share.reduce((t, x) => t + x.seconds, 0);
  // Before summary.json exists, the resolved config says which algorithm and seed the run uses.
  const config = (typeof run.config === 'object' && run.config !== null ? run.config : {}) as { seed?: unknown; algorithm?: { name?: unknown } };
  const algorithm = s?.algorithm ?? (typeof config.algorithm?.name === 'string' ? config.algorithm.name : undefined);
  const seed = s?.seed ?? (typeof config.seed === 'number' ? config.seed : undefined);
  const facts: [string, string][] = [
    ['algorithm', esc(algorithm ?? '–')],
    ['seed', seed !== undefined ? String(seed) : '–'],
    ['status', s ? 'finished' : 'in progress (no summary.json yet)'],
    ['wall time', formatDuration(wall)],
    ['SFT steps', lastSft !== undefined ? String(lastSft) : 'none'],
    ['RL iterations', lastRl !== undefined ? String(lastRl) : 'none'],
  ];
  if (m.rl.length > 0) facts.push(['RL episodes', `${episodes}${excluded > 0 ? `, ${excluded} excluded (environment failures)` : ''}`]);
  if (s?.finalCheckpoint) facts.push(['final checkpoint', `<code>${esc(s.finalCheckpoint)}</code>`]);
  const out: string[] = [`<div class="facts">${facts.map(([k, v]) => `<span>${k}: <b>${v}</b></span>`).join('')}</div>`];

  const sft = s ? (s.sft ?? undefined) : latestGreedy(m.evals, 'sft');
  const rl = s ? (s.rl ?? undefined) : latestGreedy(m.evals, 'rl');
  const rows: string[][] = [];
  if (sft) rows.push(['after SFT', pct(sft.test), pct(sft.heldout)]);
  if (rl) rows.push(['after RL', pct(rl.test), pct(rl.heldout)]);
  if (sft && rl) {
    const diff = (a?: number, b?: number) => (a === undefined || b === undefined ? '–' : `${b >= a ? '+' : '−'}${Math.abs(100 * (b - a)).toFixed(1)} points`);
    rows.push(['RL − SFT', diff(sft.test, rl.test), diff(sft.heldout, rl.heldout)]);
  }
  out.push(`<p class="sub">Greedy task success${s ? ' (summary.json)' : ' at the latest evaluation of each phase (the run has not written summary.json)'}:</p>`);
  out.push(rows.length > 0 ? table(['', 'test', 'held-out'], rows) : '<p class="note">No evaluation yet.</p>');

  const k = evalK(m.evals);
  const evalRows: string[][] = [];
  for (const phase of ['sft', 'rl'] as const) {
    for (const e of latestPerSplit(m.evals, phase)) {
      evalRows.push([`${phase === 'sft' ? 'SFT step' : 'RL iteration'} ${e.step}`, esc(splitLabel(e.split)), e.n !== undefined ? String(e.n) : '–', pct(e.greedy), pct(e.passAtK), pct(e.avgAtK)]);
    }
  }
  if (evalRows.length > 0) {
    out.push('<p class="sub">Latest evaluation of each split in each phase:</p>');
    out.push(table(['after', 'split', 'tasks', 'greedy', `pass@${k}`, `avg@${k}`], evalRows));
  }
  return out.join('\n');
}

function notesSection(run: RunData): string {
  const items = [...run.notes.map(esc), ...run.metrics.warnings.map((w) => `warning (metrics.jsonl line ${w.line}${w.wallS !== undefined ? `, at ${formatDuration(w.wallS)}` : ''}): ${esc(w.message)}`)];
  if (items.length === 0) return '';
  return `<h2 id="notes">Notes and warnings</h2><ul class="notes">${items.map((i) => `<li>${i}</li>`).join('')}</ul>`;
}

function successSection(run: RunData): string {
  const m = run.metrics;
  if (m.evals.length === 0) return '<p class="note">No evaluation recorded yet.</p>';
  const charts: string[] = [];
  const sftEvals = phaseEvals(m.evals, 'sft');
  const rlEvals = rlEvalsFromStart(m.evals);
  const y: [number, number] = [0, 1];
  if (sftEvals.length > 0) charts.push(card(xyChart({ title: 'SFT: task success by step', xLabel: 'SFT step', yLabel: 'success', series: successSeries(sftEvals, (e) => e.step), yRange: y, width: HALF })));
  if (rlEvals.length > 0) charts.push(card(xyChart({ title: 'RL: task success by iteration', xLabel: 'RL iteration', yLabel: 'success', series: successSeries(rlEvals, (e) => e.step), yRange: y, width: HALF })));
  const walls = m.evals.map((e) => e.wallS).filter((w): w is number => w !== undefined);
  const out = [`<div class="grid">${charts.join('')}</div>`];
  if (walls.length > 0) {
    const { unit, perS } = wallUnit(Math.max(...walls));
    const boundary = sftRlBoundary(m);
    out.push(
      card(
        xyChart({
          title: 'Task success by wall time',
          xLabel: `wall time since the run started (${unit})`,
          yLabel: 'success',
          series: successSeries(m.evals, (e) => (e.wallS === undefined ? undefined : e.wallS * perS)),
          xRange: [0, Math.max(...walls) * perS],
          yRange: y,
          markers: boundary === undefined ? [] : [{ x: boundary * perS, label: 'SFT → RL' }],
          width: FULL,
        }),
      ),
    );
  }
  return out.join('\n');
}

function sftSection(run: RunData): string {
  const sft = run.metrics.sft;
  if (sft.length === 0) return '<p class="note">No SFT phase in this run (skipped, or not started).</p>';
  const loss = sft.flatMap((r) => (r.loss === undefined ? [] : [{ x: r.step, y: r.loss }]));
  return `<div class="grid">${card(xyChart({ title: 'SFT loss (assistant tokens)', xLabel: 'SFT step', yLabel: 'cross-entropy', series: [{ name: 'loss', colour: PALETTE[0]!, points: loss }], width: HALF }))}</div>`;
}

function rlSection(run: RunData): string {
  const rl = run.metrics.rl;
  if (rl.length === 0) return '<p class="note">No RL iteration recorded (RL skipped, or not started).</p>';
  const line = (title: string, yLabel: string, series: LineSeries[], yRange?: [number, number]) =>
    card(xyChart({ title, xLabel: 'RL iteration', yLabel, series, width: HALF, ...(yRange ? { yRange } : {}) }));
  const one = (name: string, colour: string, pick: (r: (typeof rl)[number]) => number | undefined): LineSeries[] => [{ name, colour, points: rlPoints(rl, pick) }];
  const charts = [
    line('Reward of the training batches', 'mean over episodes', [
      { name: 'reward', colour: PALETTE[4]!, points: rlPoints(rl, (r) => r.reward) },
      { name: 'success', colour: PALETTE[0]!, dash: '6 3', points: rlPoints(rl, (r) => r.success) },
    ]),
    line('Approximate KL, sampling → updated policy', 'KL(π_old ‖ π)', one('KL', PALETTE[2]!, (r) => r.kl)),
    line('Clip fraction', 'share of tokens clipped', one('clip fraction', PALETTE[6]!, (r) => r.clipFraction)),
    line('Entropy (−mean log-prob of sampled tokens)', 'nats per token', one('entropy', PALETTE[3]!, (r) => r.entropy)),
  ];
  const ratio = statsSeries(rl, (r) => r.ratio, 'ratio mean (band: min–max)', PALETTE[0]!);
  if (ratio) charts.push(line('Importance ratio π/π_old', 'ratio', [ratio]));
  const rho = statsSeries(rl, (r) => r.rho, 'ρ mean (band: min–max)', PALETTE[1]!);
  if (rho) charts.push(line('ρ: the sequential-update correction', 'ρ', [rho]));
  charts.push(line('Gradient norm', '‖g‖', one('gradient norm', PALETTE[8]!, (r) => r.gradNorm)));
  charts.push(line('Policy loss', 'loss', one('loss', PALETTE[9]!, (r) => r.loss)));
  if (rl.some((r) => r.valueLoss !== undefined)) charts.push(line("Critic's value loss", 'clipped value loss', one('value loss', PALETTE[5]!, (r) => r.valueLoss)));
  if (rl.some((r) => (r.excluded ?? 0) > 0)) charts.push(line('Episodes excluded (environment failures)', 'episodes', one('excluded', PALETTE[2]!, (r) => r.excluded)));
  const note = rho ? '' : '<p class="sub">No ρ statistics recorded: the algorithm has no sequential-update correction (or the run did not log it).</p>';
  return `${note}<div class="grid">${charts.join('')}</div>`;
}

function timeSection(run: RunData): string {
  const m = run.metrics;
  const colours: Record<string, string> = { 'SFT training': PALETTE[0]!, 'SFT evaluation': '#a0c4e4', 'RL rollouts': PALETTE[1]!, 'RL updates': PALETTE[4]!, 'RL evaluation': PALETTE[5]!, other: PALETTE[9]! };
  const shares = timeShares(m, run.summary).map((s) => ({ name: s.name, colour: colours[s.name]!, value: s.seconds, label: formatDuration(s.seconds) }));
  const out = [card(shareBar('Where the wall time went', shares, FULL))];
  if (m.rl.length > 0) {
    out.push(
      `<div class="grid">${card(
        stackedBars({
          title: 'Seconds per RL iteration',
          xLabel: 'RL iteration',
          yLabel: 'seconds',
          x: m.rl.map((r) => r.iteration),
          stacks: [
            { name: 'rollouts', colour: PALETTE[1]!, values: m.rl.map((r) => r.rolloutS ?? 0) },
            { name: 'update', colour: PALETTE[4]!, values: m.rl.map((r) => r.updateS ?? 0) },
          ],
          width: HALF,
        }),
      )}${card(
        xyChart({
          title: 'Tokens per RL iteration',
          xLabel: 'RL iteration',
          yLabel: 'tokens',
          series: [
            { name: 'context (read)', colour: PALETTE[0]!, points: rlPoints(m.rl, (r) => r.contextTokens) },
            { name: 'response (sampled)', colour: PALETTE[1]!, points: rlPoints(m.rl, (r) => r.responseTokens) },
          ],
          width: HALF,
        }),
      )}</div>`,
    );
  }
  return out.join('\n');
}

function configSection(run: RunData): string {
  if (run.config === undefined) return '<p class="note">No readable config.json.</p>';
  return `<details class="config"><summary>config.json (the resolved training configuration)</summary><pre>${esc(JSON.stringify(run.config, null, 2))}</pre></details>`;
}

/** The whole report page for one run. */
export function renderReport(run: RunData): string {
  const name = basename(resolve(run.dir));
  const sections: [string, string, string][] = [
    ['summary', 'Summary', summarySection(run)],
    ['success', 'Task success (evaluations)', successSection(run)],
    ['sft', 'SFT training', sftSection(run)],
    ['rl', 'RL training', rlSection(run)],
    ['time', 'Time', timeSection(run)],
    ['transcripts', 'What the agent did', transcriptsHtml(run.samples)],
    ['config', 'Configuration', configSection(run)],
  ];
  const body = sections.map(([id, title, html], i) => (i === 0 ? `<section id="${id}">${html}</section>${notesSection(run)}` : `<section id="${id}"><h2>${title}</h2>${html}</section>`));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>seeupo run report: ${esc(name)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>seeupo run report: ${esc(name)}</h1>
<p class="sub">Run directory <code>${esc(run.dir)}</code>. How to read this page: docs/report.md.</p>
${body.join('\n')}
</main>
</body>
</html>
`;
}
