/**
 * The compare report: one self-contained HTML page (inline CSS and SVG, no scripts), drawn with the run report's
 * chart helpers. Per task family: the results table, success against RL iteration and against episodes (mean over
 * seeds, shaded 95% bootstrap interval), baselines and SeeUPO's variants in separate charts; then the settings of
 * every run. docs/compare.md says how to read it.
 */
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ALGORITHM_NAMES } from '../algos/registry.js';
import { UserError } from '../core/errors.js';
import { PALETTE } from '../lab/svg.js';
import { esc, xyChart, type LineSeries } from '../report/plots.js';
import { CSS } from '../report/render.js';
import { familyStarts, pairedDifferences, readCurves, SPLITS, summarise, type AlgorithmSummary, type EvalSplit, type PairedDifference, type RunCurves } from './analysis.js';
import type { CompareFile } from './runner.js';
import { familyRows, labelTable, PAIRED_HEADER, pairedRows, perSeedTable, TABLE_HEADER, type NotedTable } from './table.js';

export const REPORT_FILE = 'report.html';

const SPLIT_LABEL: Record<EvalSplit, string> = { test: 'test', heldout: 'held-out' };

function table(header: readonly string[], rows: readonly (readonly string[])[], cls?: string): string {
  return `<table${cls ? ` class="${cls}"` : ''}><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</table>`;
}

/** A preset of the registry is a baseline; anything else (seeupo-no-ratio, seeupo@4) a variant, shown beside seeupo. */
function isBaseline(algorithm: string): boolean {
  return (ALGORITHM_NAMES as readonly string[]).includes(algorithm);
}

function chart(summaries: readonly AlgorithmSummary[], split: EvalSplit, x: 'iteration' | 'episodes', colours: Map<string, string>): string {
  const series: LineSeries[] = summaries.map((s) => {
    const pts = s.curves[split];
    return {
      name: `${s.algorithm} (${s.seeds.length})`,
      colour: colours.get(s.algorithm)!,
      points: pts.map((p) => ({ x: p[x], y: 100 * p.mean })),
      band: pts.map((p) => ({ x: p[x], lo: 100 * p.lo, hi: 100 * p.hi })),
      dots: true,
    };
  });
  return xyChart({
    title: `${SPLIT_LABEL[split]} success against ${x === 'iteration' ? 'RL iteration' : 'RL episodes'}`,
    xLabel: x === 'iteration' ? 'RL iteration (0: after SFT)' : 'RL episodes played',
    yLabel: 'greedy success, %',
    series,
    yRange: successRange(summaries.flatMap((s) => s.curves[split].flatMap((p) => [p.lo, p.hi]))),
    width: 520,
  });
}

/** The y range of success charts in percent: the data with a margin, within [0, 100], at least 10 points tall. */
function successRange(values: readonly number[]): [number, number] {
  if (values.length === 0) return [0, 100];
  let lo = Math.max(0, 100 * Math.min(...values) - 5);
  let hi = Math.min(100, 100 * Math.max(...values) + 5);
  if (hi - lo < 10) [lo, hi] = lo + 10 <= 100 ? [lo, lo + 10] : [90, 100];
  return [Math.floor(lo), Math.ceil(hi)];
}

function chartGroup(title: string, summaries: readonly AlgorithmSummary[], colours: Map<string, string>): string {
  if (summaries.length === 0) return '';
  const cards = SPLITS.flatMap((split) => (['iteration', 'episodes'] as const).map((x) => `<div class="card">${chart(summaries, split, x, colours)}</div>`));
  return `<h3>${esc(title)}</h3><div class="grid">${cards.join('')}</div>`;
}

function familySection(data: CompareFile, family: string, summaries: readonly AlgorithmSummary[], starts: ReturnType<typeof familyStarts>, paired: readonly PairedDifference[], curves: readonly RunCurves[]): string {
  const mine = summaries.filter((s) => s.family === family);
  const colours = new Map(mine.map((s, i) => [s.algorithm, PALETTE[i % PALETTE.length]!]));
  const baselines = mine.filter((s) => isBaseline(s.algorithm));
  const variants = mine.filter((s) => !isBaseline(s.algorithm));
  const seeupo = mine.find((s) => s.algorithm === 'seeupo');
  const variantGroup = variants.length > 0 ? [...(seeupo ? [seeupo] : []), ...variants] : [];
  const runs = data.runs.filter((r) => r.family === family);
  const pending = runs.filter((r) => r.status !== 'finished');
  return [
    `<h2 id="family-${esc(family)}">Task family: ${esc(family)}</h2>`,
    pending.length > 0 ? `<p class="note">${pending.length} of ${runs.length} runs of this family are not finished (${esc(pending.map((r) => `${r.id}: ${r.status}`).join(', '))}); the numbers are over the finished ones.</p>` : '',
    table(TABLE_HEADER, familyRows(family, summaries, starts.find((s) => s.family === family))),
    '<p class="sub">Greedy success in percent, mean over seeds [95% bootstrap interval]; the number in a legend is the number of seeds.</p>',
    notedTable(labelTable(family, summaries)),
    pairedRows(family, paired).length > 0
      ? `${table(PAIRED_HEADER, pairedRows(family, paired))}<p class="sub">Final success minus seeupo's on the same seed (the same SFT weights and tasks), in points: mean over the seeds both have [95% bootstrap interval].</p>`
      : '',
    notedTable(perSeedTable(family, curves)),
    chartGroup('Baselines', baselines, colours),
    chartGroup("SeeUPO's variants (ablations)", variantGroup, colours),
  ].join('\n');
}

function notedTable(t: NotedTable | null): string {
  return t ? `${table(t.header, t.rows)}<p class="sub">${esc(t.note)}</p>` : '';
}

/** `{a: {b: 1}}` → [['a.b', 1]]. */
function flatten(obj: Record<string, unknown>, prefix = ''): [string, unknown][] {
  return Object.entries(obj).flatMap(([k, v]) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? flatten(v as Record<string, unknown>, `${prefix}${k}.`) : [[`${prefix}${k}`, v] as [string, unknown]],
  );
}

function settingsSection(data: CompareFile, out: string): string {
  const families = Object.entries(data.families)
    .map(([f, c]) => `<details class="config"><summary>family ${esc(f)}: the config every run shares but for its settings</summary><pre>${esc(JSON.stringify(c, null, 2))}</pre></details>`)
    .join('');
  const rows = data.runs.map((r) => [
    r.id,
    r.kind,
    r.algorithm ?? '–',
    String(r.seed),
    r.status,
    flatten(r.settings).map(([k, v]) => `${k}=${typeof v === 'string' ? v.split(out + '/').join('') : JSON.stringify(v)}`).join(', '),
    r.init?.sha256 ? r.init.sha256.slice(0, 12) : '–',
    r.wallS === undefined ? '–' : r.wallS.toFixed(0),
    r.cpuS === undefined ? '–' : r.cpuS.toFixed(0),
    r.command.split(out + '/').join(''),
  ]);
  const budgets = [...new Set(data.runs.filter((r) => r.kind === 'rl').map((r) => Object.entries(r.budget).map(([k, v]) => `${k} ${v}`).join(', ')))];
  return [
    families,
    `<p>RL budget of every RL run${budgets.length > 1 ? ' (they differ between families)' : ''}: ${budgets.map((b) => `<code>${esc(b)}</code>`).join(' ')}</p>`,
    table(['run', 'kind', 'algorithm', 'seed', 'status', 'settings', 'init weights (SHA-256)', 'wall s', 'CPU s', 'command (paths relative to the compare directory)'], rows, 'runs'),
    `<p class="sub">Invocations: ${data.invocations.map((i) => `<code>${esc(['seeupo', ...i.argv].join(' '))}</code> at ${esc(i.startedAt)}${i.wallS === undefined ? '' : ` (${(i.wallS / 60).toFixed(1)} min)`}`).join('; ')}</p>`,
  ].join('\n');
}

/** The whole page for a compare directory's compare.json. */
export function renderCompareReport(data: CompareFile, out: string): string {
  const curves = readCurves(data);
  const summaries = summarise(data, curves);
  const starts = familyStarts(data);
  const paired = pairedDifferences(curves);
  const families = Object.keys(data.families);
  const finished = data.runs.filter((r) => r.status === 'finished');
  const cpu = finished.reduce((a, r) => a + (r.cpuS ?? 0), 0);
  const facts = [
    ['families', families.join(', ')],
    ['algorithms', [...new Set(data.runs.filter((r) => r.kind === 'rl').map((r) => r.algorithm))].join(', ')],
    ['runs finished', `${finished.length} of ${data.runs.length}`],
    ['CPU time of the runs', `${(cpu / 3600).toFixed(2)} h`],
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>seeupo compare: ${esc(relative(process.cwd(), out) || out)}</title>
<style>${CSS}
h3 { font-size: 15px; margin: 16px 0 6px; }
td { white-space: nowrap; }
table.runs td { white-space: normal; font-size: 12px; text-align: left; }
table.runs td:nth-child(6), table.runs td:nth-child(10) { font-family: Menlo, Consolas, monospace; word-break: break-all; min-width: 180px; }
</style>
</head>
<body>
<main>
<h1>seeupo compare</h1>
<p class="sub">Every algorithm of a seed starts from the same SFT checkpoint (the SHA-256 of its weights is in the settings), plays the same tasks with the same rollout budget and is evaluated on the same tasks. How to read this page: docs/compare.md.</p>
<div class="facts">${facts.map(([k, v]) => `<span><b>${esc(k!)}:</b> ${esc(v!)}</span>`).join('')}</div>
${families.map((f) => familySection(data, f, summaries, starts, paired, curves)).join('\n')}
<h2 id="settings">Settings of every run</h2>
${settingsSection(data, out)}
</main>
</body>
</html>
`;
}

export function writeCompareReport(data: CompareFile, out: string): string {
  const file = join(out, REPORT_FILE);
  try {
    writeFileSync(file, renderCompareReport(data, out));
  } catch (err) {
    throw new UserError(`cannot write ${file}: ${(err as Error).message}`);
  }
  return file;
}
