/** The compare's results as rows of text: the Markdown table printed to stdout, and the report's HTML table. */
import { labelNames, LABEL_WINDOW, type AlgorithmSummary, type FamilyStart, type PairedDifference, type RunCurves } from './analysis.js';
import { KL_SPIKE_FACTOR, type Interval } from './stats.js';

export const TABLE_HEADER = [
  'algorithm',
  'seeds',
  'test final',
  'held-out final',
  'test AUC',
  'held-out AUC',
  'drops',
  'largest drop',
  `KL spikes (>${KL_SPIKE_FACTOR}× median)`,
  'CPU min/run',
] as const;

/** The labels a family's runs give their episodes (the trap family: its first turn's choice), in the order first seen. */
function familyLabels(family: string, summaries: readonly AlgorithmSummary[]): string[] {
  return labelNames(summaries.filter((s) => s.family === family));
}

/** A success rate in percent, with its interval: `45.2 [41.0, 49.1]`. */
export function pctInterval(i: Interval | undefined): string {
  if (!i) return '–';
  const p = (x: number) => (100 * x).toFixed(1);
  // One seed has no interval: the seeds column says so.
  return i.n < 2 ? p(i.mean) : `${p(i.mean)} [${p(i.lo)}, ${p(i.hi)}]`;
}

function countInterval(i: Interval): string {
  const f = (x: number) => x.toFixed(1);
  return i.n < 2 ? f(i.mean) : `${f(i.mean)} [${f(i.lo)}, ${f(i.hi)}]`;
}

/** One row per algorithm of a family, and first the success they all start from (after SFT). */
export function familyRows(family: string, summaries: readonly AlgorithmSummary[], start: FamilyStart | undefined): string[][] {
  const rows: string[][] = [];
  if (start) rows.push(['start (after SFT)', String(start.seeds.length), pctInterval(start.success.test), pctInterval(start.success.heldout), '', '', '', '', '', '']);
  for (const s of summaries.filter((x) => x.family === family)) {
    rows.push([
      s.algorithm,
      String(s.seeds.length),
      pctInterval(s.final.test),
      pctInterval(s.final.heldout),
      pctInterval(s.auc.test),
      pctInterval(s.auc.heldout),
      pctInterval(s.dropShare),
      pctInterval(s.largestDrop),
      countInterval(s.klSpikes),
      s.cpuS === null ? '–' : (s.cpuS / 60).toFixed(1),
    ]);
  }
  return rows;
}

/** A table with the sentence that says how to read it. */
export interface NotedTable {
  header: string[];
  rows: string[][];
  note: string;
}

/** A family's episode-label table: per algorithm, each label's share in the last LABEL_WINDOW iterations' rollouts. */
export function labelTable(family: string, summaries: readonly AlgorithmSummary[]): NotedTable | null {
  const labels = familyLabels(family, summaries);
  if (labels.length === 0) return null;
  const mine = summaries.filter((s) => s.family === family);
  return { header: ['algorithm', 'seeds', ...labels.map((l) => `'${l}'`)], rows: mine.map((s) => [s.algorithm, String(s.seeds.length), ...labels.map((l) => pctInterval(s.labels[l]))]), note: LABEL_NOTE };
}

const LABEL_NOTE = `Share of the episodes sampled in the last ${LABEL_WINDOW} RL iterations (at the rollout temperature) with each label, in percent: mean over seeds [95% bootstrap interval]. The trap family labels its first turn's choice: 'good' lists with ls(a=True), 'trap' with ls() only.`;

/**
 * A family's final success seed by seed: per algorithm (rows) and seed (columns) `test / held-out` in percent. Where
 * the outcome of a seed is all or nothing (the trap family), this says more than a mean and its interval.
 */
export function perSeedTable(family: string, runs: readonly RunCurves[]): NotedTable | null {
  const mine = runs.filter((r) => r.family === family);
  if (mine.length === 0) return null;
  const seeds = [...new Set(mine.map((r) => r.seed))].sort((a, b) => a - b);
  const algorithms = [...new Set(mine.map((r) => r.algorithm))];
  const final = (r: RunCurves | undefined, split: 'test' | 'heldout') => {
    const p = r?.success[split].at(-1);
    return p === undefined ? '–' : (100 * p.y).toFixed(1);
  };
  const rows = algorithms.map((a) => [a, ...seeds.map((seed) => {
    const r = mine.find((x) => x.algorithm === a && x.seed === seed);
    return r === undefined ? '' : `${final(r, 'test')} / ${final(r, 'heldout')}`;
  })]);
  return { header: ['algorithm', ...seeds.map((s) => `seed ${s}`)], rows, note: 'Final greedy success per seed, test / held-out, in percent.' };
}

export const PAIRED_HEADER = ['algorithm', 'seeds', 'test final − seeupo', 'held-out final − seeupo'] as const;

/** A difference of success rates in points, signed, with its interval: `+1.5 [-0.5, 3.0]`. */
export function pointsInterval(i: Interval | undefined): string {
  if (!i) return '–';
  const p = (x: number) => {
    const t = (100 * x).toFixed(1);
    return t === '-0.0' ? '+0.0' : x >= 0 ? `+${t}` : t;
  };
  return i.n < 2 ? p(i.mean) : `${p(i.mean)} [${p(i.lo)}, ${p(i.hi)}]`;
}

export function pairedRows(family: string, paired: readonly PairedDifference[]): string[][] {
  return paired.filter((d) => d.family === family).map((d) => [d.algorithm, String(d.seeds.length), pointsInterval(d.final.test), pointsInterval(d.final.heldout)]);
}

/** Markdown: per family a heading and the table (success in percent, mean over seeds [95% bootstrap interval]). */
export function markdownTables(families: readonly string[], summaries: readonly AlgorithmSummary[], starts: readonly FamilyStart[], paired: readonly PairedDifference[] = [], runs: readonly RunCurves[] = []): string {
  const out: string[] = [];
  const md = (header: readonly string[], rows: readonly (readonly string[])[]) => [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
  const noted = (t: NotedTable | null) => (t ? [...md(t.header, t.rows), '', t.note, ''] : []);
  for (const family of families) {
    out.push(`### Task family: ${family}`, '', ...md(TABLE_HEADER, familyRows(family, summaries, starts.find((s) => s.family === family))), '');
    out.push(...noted(labelTable(family, summaries)));
    const p = pairedRows(family, paired);
    if (p.length > 0) out.push(...md(PAIRED_HEADER, p), '');
    out.push(...noted(perSeedTable(family, runs)));
  }
  out.push(`Success in percent, greedy; mean over seeds [95% bootstrap interval]. AUC: average success over the RL phase. Drops: share of consecutive evaluations where success fell. − seeupo: final success minus seeupo's on the same seed (same SFT weights, same tasks), in points, mean over the seeds both have.`);
  return out.join('\n') + '\n';
}
