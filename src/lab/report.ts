import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InstanceSpec } from './instance.js';
import { makeInstance } from './instance.js';
import { textTable } from './format.js';
import type { SuiteRunResult } from './suite-run.js';
import { behaviourSection } from './report-behaviour.js';
import { OPTIMAL_GAP } from './run.js';
import type { Panel } from './svg.js';
import { gridChart, lineChart, PALETTE } from './svg.js';

export { OPTIMAL_GAP };

export interface SuiteReportInput {
  results: readonly SuiteRunResult[];
  instances: readonly InstanceSpec[];
  algos: readonly string[];
  policies: readonly string[];
  settings: readonly string[];
  iters: number;
  group: number;
  seconds: number;
  workers: number;
  command: string;
}

interface Tally {
  runs: number;
  optimal: number;
  violatingRuns: number;
  violations: number;
  meanGap: number;
}

export function tally(rs: readonly SuiteRunResult[]): Tally {
  return {
    runs: rs.length,
    optimal: rs.filter((r) => r.summary.gap < OPTIMAL_GAP).length,
    violatingRuns: rs.filter((r) => r.summary.violations > 0).length,
    violations: rs.reduce((s, r) => s + r.summary.violations, 0),
    meanGap: rs.length === 0 ? 0 : rs.reduce((s, r) => s + r.summary.gap, 0) / rs.length,
  };
}

const cell = (t: Tally) => `${t.optimal}/${t.runs} · ${t.violatingRuns}`;

/** Algorithms drawn in the plots when the suite runs more than fit a legend (the claims' protagonists). */
const PLOTTED = ['seeupo', 'seeupo-no-ratio', 'seeupo-forward', 'seeupo-joint', 'reinforce', 'grpo', 'gspo', 'ppo-oracle', 'seeupo@4', 'grpo@4', 'gspo@4'];

function slug(s: string): string {
  return s.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
}

function mdTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n') + '\n';
}

/** Mean J per iteration over the runs (sampled mode: over seeds). */
function meanCurve(rs: readonly SuiteRunResult[]): number[] {
  const n = Math.min(...rs.map((r) => r.J.length));
  return Array.from({ length: n }, (_, k) => rs.reduce((s, r) => s + r.J[k]!, 0) / rs.length);
}

function where(r: SuiteRunResult): string {
  return `${r.algo} on ${r.instance} · ${r.policy} · ${r.setting}${r.exact ? '' : ` · seed ${r.seed}`}`;
}

/** A bullet list of runs (at most `limit`, then a count), or 'none'. */
function listRuns(rs: readonly SuiteRunResult[], limit = 8): string {
  if (rs.length === 0) return 'none.';
  const shown = rs.slice(0, limit).map((r) => `  - ${where(r)}: gap ${r.summary.gap.toFixed(3)}, ${r.summary.violations} drop${r.summary.violations === 1 ? '' : 's'}`);
  if (rs.length > limit) shown.push(`  - … and ${rs.length - limit} more (results.json has them all)`);
  return `${rs.length} run${rs.length === 1 ? '' : 's'}:\n\n${shown.join('\n')}\n`;
}

function claimSections(inp: SuiteReportInput): string {
  const R = inp.results;
  const pick = (algos: readonly string[], exact?: boolean) => R.filter((r) => algos.includes(r.algo) && (exact === undefined || r.exact === exact));
  const bySetting = (rs: readonly SuiteRunResult[]) =>
    inp.settings
      .map((s) => [s, tally(rs.filter((r) => r.setting === s))] as const)
      .filter(([, t]) => t.runs > 0)
      .map(([s, t]) => `${s}: optimum in ${t.optimal}/${t.runs} runs, ${t.violatingRuns} runs with a drop (${t.violations} drops)`)
      .join('; ');
  const out: string[] = [];
  const present = (names: readonly string[]) => names.filter((n) => inp.algos.includes(n));

  const c1 = present(['reinforce']);
  out.push('### Claim 1 — REINFORCE with GRAE converges to the global optimum (γ = 1)\n');
  out.push(c1.length === 0 ? 'Not run (reinforce is not in --algos).\n' : `reinforce — ${bySetting(pick(c1))}.\n\nExact-mode runs short of the optimum: ${listRuns(pick(c1, true).filter((r) => r.summary.gap >= OPTIMAL_GAP))}\n`);

  const c2 = present(['grae-clip', 'grae-clip@4', 'grpo', 'grpo@4', 'ppo-oracle', 'ppo-oracle@4', 'reinforce++', 'gspo', 'gspo@4', 'seeupo', 'seeupo@4']);
  out.push('### Claim 2 — PPO-style clipped updates with GRAE lose monotonic improvement\n');
  if (c2.length === 0) out.push('Not run (no clipped algorithm in --algos).\n');
  else {
    for (const a of c2) out.push(`- ${a} — ${bySetting(pick([a]))}.`);
    out.push(`\nExact-mode runs of clipped algorithms with a drop: ${listRuns(pick(c2, true).filter((r) => r.summary.violations > 0))}\n`);
  }

  const c3 = present(['grpo', 'gspo', 'grpo@4', 'gspo@4']);
  out.push('### Claim 3 — GRPO / GSPO joint updates are not guaranteed to converge in multi-turn problems\n');
  if (c3.length === 0) out.push('Not run (neither grpo nor gspo in --algos).\n');
  else {
    for (const a of c3) out.push(`- ${a} — ${bySetting(pick([a]))}.`);
    if (inp.algos.includes('seeupo')) {
      const key = (r: SuiteRunResult) => `${r.instance}|${r.policy}|${r.setting}|${r.seed}`;
      const seeupo = new Map(pick(['seeupo']).map((r) => [key(r), r]));
      const joint = pick(['grpo', 'gspo']);
      const seeupoOnly = joint.filter((r) => r.summary.gap >= OPTIMAL_GAP && (seeupo.get(key(r))?.summary.gap ?? 1) < OPTIMAL_GAP);
      const jointOnly = joint.filter((r) => r.summary.gap < OPTIMAL_GAP && (seeupo.get(key(r))?.summary.gap ?? 0) >= OPTIMAL_GAP);
      out.push(`\nWhere SeeUPO reaches the optimum and GRPO/GSPO do not: ${listRuns(seeupoOnly)}`);
      out.push(`\nWhere GRPO/GSPO reach the optimum and SeeUPO does not: ${listRuns(jointOnly)}`);
    }
  }

  out.push('### Claim 4 — SeeUPO improves monotonically and reaches the optimum\n');
  if (!inp.algos.includes('seeupo')) out.push('Not run (seeupo is not in --algos).\n');
  else {
    const s = pick(['seeupo']);
    out.push(`seeupo — ${bySetting(s)}.\n`);
    out.push(`Exact-mode runs short of the optimum: ${listRuns(s.filter((r) => r.exact && r.summary.gap >= OPTIMAL_GAP))}`);
    out.push(`Exact-mode runs with a drop: ${listRuns(s.filter((r) => r.exact && r.summary.violations > 0))}\n`);
    const abl = present(['seeupo-no-ratio', 'seeupo-forward', 'seeupo-random', 'seeupo-no-clamp', 'seeupo-joint', 'seeupo@4']);
    if (abl.length > 0) {
      const key = (r: SuiteRunResult) => `${r.instance}|${r.policy}|${r.setting}|${r.seed}`;
      const base = new Map(s.map((r) => [key(r), r]));
      const rows = abl.map((a) => {
        const rs = pick([a]);
        const t = tally(rs);
        const differs = rs.filter((r) => Math.abs(r.summary.J - (base.get(key(r))?.summary.J ?? Number.NaN)) > 1e-6).length;
        const better = rs.filter((r) => r.summary.J > (base.get(key(r))?.summary.J ?? Infinity) + 1e-3).length;
        const worse = rs.filter((r) => r.summary.J < (base.get(key(r))?.summary.J ?? -Infinity) - 1e-3).length;
        return [a, `${t.optimal}/${t.runs}`, String(t.violatingRuns), `${differs}`, `${better}`, `${worse}`];
      });
      const t = tally(s);
      out.push('SeeUPO ablations over the same runs (final J compared run by run with seeupo):\n');
      out.push(mdTable(['variant', 'optimum reached', 'runs with a drop', 'final J differs (>1e-6)', 'better by >1e-3', 'worse by >1e-3'], [['seeupo', `${t.optimal}/${t.runs}`, String(t.violatingRuns), '—', '—', '—'], ...rows]));
    }
  }
  return out.join('\n') + '\n';
}

function scoreboards(inp: SuiteReportInput): string {
  const out: string[] = [];
  for (const s of inp.settings) {
    const rs = inp.results.filter((r) => r.setting === s);
    if (rs.length === 0) continue;
    out.push(`### ${s}\n`);
    const rows = inp.algos.map((a) => [a, ...inp.policies.map((p) => cell(tally(rs.filter((r) => r.algo === a && r.policy === p)))), tally(rs.filter((r) => r.algo === a)).meanGap.toFixed(3)]);
    out.push(mdTable(['algorithm', ...inp.policies, 'mean gap'], rows));
  }
  return out.join('\n');
}

function plots(inp: SuiteReportInput, outDir: string): string {
  mkdirSync(join(outDir, 'plots'), { recursive: true });
  const plotted = inp.algos.length <= PALETTE.length ? inp.algos : PLOTTED.filter((a) => inp.algos.includes(a));
  const colours = new Map(plotted.map((a, i) => [a, PALETTE[i % PALETTE.length]!]));
  const out: string[] = [];
  if (plotted.length < inp.algos.length) out.push(`Plotted: ${plotted.join(', ')} (the scoreboards above cover all ${inp.algos.length}). Sampled mode: mean J over seeds.\n`);
  for (const spec of inp.instances) {
    const inst = makeInstance(spec);
    out.push(`### ${inst.name}\n\n${spec.description ?? ''} Optimum ${inst.optimum}.\n`);
    for (const s of inp.settings) {
      const rs = inp.results.filter((r) => r.instance === inst.name && r.setting === s);
      if (rs.length === 0) continue;
      const panels: Panel[] = inp.policies.map((p) => ({
        title: p,
        reference: inst.optimum,
        series: plotted
          .map((a) => ({ name: a, runs: rs.filter((r) => r.policy === p && r.algo === a) }))
          .filter((x) => x.runs.length > 0)
          .map((x) => ({ name: x.name, values: meanCurve(x.runs) })),
      }));
      const file = `plots/${slug(inst.name)}--${slug(s)}.svg`;
      writeFileSync(join(outDir, file), lineChart(panels, { title: `${inst.name} — ${s}`, xLabel: 'iteration', yLabel: 'exact J', colours }));
      out.push(`![${inst.name}, ${s}](${file})\n`);
    }
  }
  return out.join('\n');
}

/** The overview figure: every algorithm × (setting, parameterisation), coloured by the share reaching the optimum. */
function overview(inp: SuiteReportInput, outDir: string): string {
  mkdirSync(join(outDir, 'plots'), { recursive: true });
  const groups = inp.settings.map((s) => ({ name: s, columns: inp.policies }));
  const cells = inp.algos.map((a) =>
    inp.settings.flatMap((s) =>
      inp.policies.map((p) => {
        const t = tally(inp.results.filter((r) => r.algo === a && r.setting === s && r.policy === p));
        return { fill: t.runs === 0 ? 0 : t.optimal / t.runs, label: `${t.optimal}/${t.runs}`, flag: t.violatingRuns > 0 };
      }),
    ),
  );
  const file = 'plots/overview.svg';
  const note = `cell: runs reaching the optimum (gap < ${OPTIMAL_GAP}) / runs, greener = more; red corner: some run had a drop in J`;
  writeFileSync(join(outDir, file), gridChart('Which algorithms reach the optimum, and which ever lose J', groups, inp.algos, cells, note));
  return `![overview](${file})\n`;
}

/** Writes report.md, plots/*.svg and results.json into `outDir`; returns the report's path. */
export function writeSuiteReport(inp: SuiteReportInput, outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'results.json'), JSON.stringify(inp.results.map((r) => ({ ...r, J: r.J.map((x) => Number(x.toPrecision(12))) }))) + '\n');
  const instRows = inp.instances.map((spec) => {
    const inst = makeInstance(spec);
    return [inst.name, String(inst.turnCount), inst.actions.join('×'), String(inst.jointCount), String(inst.optimum), inst.bernoulli ? 'bernoulli' : '—'];
  });
  const md = [
    '# SeeUPO convergence lab — suite report\n',
    `Generated by \`${inp.command}\` in ${inp.seconds.toFixed(0)} s on ${inp.workers} worker thread(s): ${inp.results.length} runs = ${inp.algos.length} algorithms × ${inp.policies.length} parameterisations × ${inp.instances.length} instances × ${inp.settings.length} settings${inp.settings.some((s) => s.startsWith('sampled')) ? ' (sampled mode once per seed)' : ''}; ${inp.iters} iterations each; sampled mode draws G = ${inp.group} rollouts per iteration.\n`,
    `**How to read it.** J is the exact expected reward of the policy after each iteration (also in sampled mode). A run *reaches the optimum* when its final gap (optimum − J) is below ${OPTIMAL_GAP}; a *drop* is an iteration with J(k+1) < J(k) − 1e-9 (a violation of monotonic improvement). Scoreboard cells read \`optimal/runs · runs with a drop\`. The numbers are what this run found; docs/lab.md says what they mean for each claim.\n`,
    overview(inp, outDir),
    '## The claims\n',
    claimSections(inp),
    behaviourSection(inp.results, inp.algos, inp.settings),
    '## Scoreboards\n',
    scoreboards(inp),
    '## Instances\n',
    mdTable(['instance', 'turns', 'actions per turn', 'joint actions', 'optimum', 'noise'], instRows),
    '\n## J per iteration\n',
    plots(inp, outDir),
  ].join('\n');
  const path = join(outDir, 'report.md');
  writeFileSync(path, md);
  return path;
}

/** The summary table printed at the end of `lab suite`: per algorithm and setting, optimum reached and drops. */
export function summaryTable(inp: SuiteReportInput): string {
  const header = ['algorithm', ...inp.settings.filter((s, i, a) => a.indexOf(s) === i)];
  const rows = inp.algos.map((a) => [a, ...header.slice(1).map((s) => cell(tally(inp.results.filter((r) => r.algo === a && r.setting === s))))]);
  return textTable(header, rows) + `(cells: runs reaching the optimum / runs · runs with a drop in J)\n`;
}
