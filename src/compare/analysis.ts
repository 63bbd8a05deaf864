/**
 * From a compare directory's finished runs to what the report and the table show: per (family, algorithm), the
 * success curves over RL iterations and episodes (mean over seeds, 95% bootstrap interval), and the final success,
 * area under the curve, drops and KL spikes of each run, summarised the same way. Iteration 0 of every curve is
 * the SFT run's evaluation: where all the algorithms of a seed start.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../core/rng.js';
import { parseMetrics, type Metrics } from '../report/run-dir.js';
import type { CompareFile, RunRecord } from './runner.js';
import { bootstrapMean, drops, klSpikes, normalisedArea, type CurvePoint, type Interval } from './stats.js';

export const SPLITS = ['test', 'heldout'] as const;
export type EvalSplit = (typeof SPLITS)[number];

/** The bootstrap's seed: every interval draws from its own labelled sub-stream of it, so the numbers are stable. */
export const BOOTSTRAP_SEED = 0;

/**
 * RL iterations at the end of a run whose sampled episodes give its label shares: what the policy does at the
 * training temperature, over 4 × B × G episodes, so less bimodal than one greedy evaluation.
 */
export const LABEL_WINDOW = 4;

/** Per label, its share among the episodes of the last LABEL_WINDOW iterations that carry labels. */
export function lastLabelShares(rl: Metrics['rl']): Record<string, number> {
  const recent = rl.filter((r) => r.labels !== undefined).slice(-LABEL_WINDOW);
  const weight = recent.reduce((a, r) => a + (r.episodes ?? 1), 0);
  const out: Record<string, number> = {};
  for (const r of recent) for (const [label, share] of Object.entries(r.labels!)) out[label] = (out[label] ?? 0) + (share * (r.episodes ?? 1)) / weight;
  return out;
}

export interface RunCurves {
  id: string;
  family: string;
  algorithm: string;
  seed: number;
  /** Greedy success per evaluation, x = RL iteration (0: the SFT run's evaluation). */
  success: Record<EvalSplit, CurvePoint[]>;
  /** Episodes played up to the end of each iteration (0 at iteration 0). */
  episodesAt: Map<number, number>;
  kl: (number | undefined)[];
  /**
   * Per episode label (the trap family's early choice: good, trap, none), its share among the episodes sampled in
   * the last LABEL_WINDOW RL iterations; empty when the run's tasks label no episodes.
   */
  labels: Record<string, number>;
  cpuS?: number;
  wallS?: number;
}

export interface CurveInterval extends Interval {
  iteration: number;
  episodes: number;
}

export interface AlgorithmSummary {
  family: string;
  algorithm: string;
  seeds: number[];
  curves: Record<EvalSplit, CurveInterval[]>;
  final: Record<EvalSplit, Interval>;
  /** Normalised area under the success curve: the average success over the RL phase, iteration 0 included. */
  auc: Record<EvalSplit, Interval>;
  /** Share of consecutive evaluation pairs (both splits) whose success fell. */
  dropShare: Interval;
  /** The largest fall of success between consecutive evaluations (either split). */
  largestDrop: Interval;
  /** Iterations whose KL exceeds KL_SPIKE_FACTOR × the run's median KL. */
  klSpikes: Interval;
  /** Per episode label, its share in the last LABEL_WINDOW iterations' rollouts, over seeds. */
  labels: Record<string, Interval>;
  /** CPU seconds per run (mean over seeds). */
  cpuS: number | null;
}

export interface FamilyStart {
  family: string;
  seeds: number[];
  success: Record<EvalSplit, Interval>;
}

function readMetrics(dir: string): Metrics | null {
  const file = join(dir, 'metrics.jsonl');
  return existsSync(file) ? parseMetrics(readFileSync(file, 'utf8'), file) : null;
}

/** The SFT run's evaluation after SFT (its best checkpoint) on each split. */
function sftSuccess(m: Metrics): Partial<Record<EvalSplit, number>> {
  const out: Partial<Record<EvalSplit, number>> = {};
  for (const split of SPLITS) {
    const e = m.evals.filter((x) => x.phase === 'sft' && x.split === split && x.greedy !== undefined).at(-1);
    if (e) out[split] = e.greedy!;
  }
  return out;
}

/** Every finished RL run's curves, with iteration 0 from its SFT run. */
export function readCurves(data: CompareFile): RunCurves[] {
  const byId = new Map(data.runs.map((r) => [r.id, r]));
  const out: RunCurves[] = [];
  for (const run of data.runs) {
    if (run.kind !== 'rl' || run.status !== 'finished') continue;
    const m = readMetrics(run.dir);
    if (!m) continue;
    const sftRun = byId.get(`${run.family}/sft-seed${run.seed}`);
    const sftMetrics = sftRun ? readMetrics(sftRun.dir) : null;
    const start = sftMetrics ? sftSuccess(sftMetrics) : {};
    const success = { test: [] as CurvePoint[], heldout: [] as CurvePoint[] };
    for (const split of SPLITS) {
      if (start[split] !== undefined) success[split].push({ x: 0, y: start[split]! });
      for (const e of m.evals) if (e.phase === 'rl' && e.split === split && e.greedy !== undefined) success[split].push({ x: e.step, y: e.greedy });
    }
    const episodesAt = new Map<number, number>([[0, 0]]);
    let total = 0;
    for (const r of m.rl) episodesAt.set(r.iteration, (total += r.episodes ?? 0));
    out.push({ id: run.id, family: run.family, algorithm: run.algorithm!, seed: run.seed, success, episodesAt, kl: m.rl.map((r) => r.kl), labels: lastLabelShares(m.rl), cpuS: run.cpuS, wallS: run.wallS });
  }
  return out;
}

function interval(values: readonly number[], label: string): Interval {
  return bootstrapMean(values, new Rng(BOOTSTRAP_SEED).fork(label));
}

/** Per (family, algorithm) with at least one finished run, in the order the compare file lists them. */
export function summarise(data: CompareFile, runs: readonly RunCurves[] = readCurves(data)): AlgorithmSummary[] {
  const keys: { family: string; algorithm: string }[] = [];
  for (const r of data.runs) if (r.kind === 'rl' && !keys.some((k) => k.family === r.family && k.algorithm === r.algorithm)) keys.push({ family: r.family, algorithm: r.algorithm! });
  const out: AlgorithmSummary[] = [];
  for (const { family, algorithm } of keys) {
    const group = runs.filter((r) => r.family === family && r.algorithm === algorithm).sort((a, b) => a.seed - b.seed);
    if (group.length === 0) continue;
    const label = (what: string) => `${family}/${algorithm}/${what}`;
    const curves = { test: [] as CurveInterval[], heldout: [] as CurveInterval[] };
    const final = {} as Record<EvalSplit, Interval>;
    const auc = {} as Record<EvalSplit, Interval>;
    for (const split of SPLITS) {
      const xs = [...new Set(group.flatMap((r) => r.success[split].map((p) => p.x)))].sort((a, b) => a - b);
      for (const x of xs) {
        const ys = group.flatMap((r) => r.success[split].filter((p) => p.x === x).map((p) => p.y));
        const episodes = group.map((r) => r.episodesAt.get(x)).find((e) => e !== undefined) ?? 0;
        curves[split].push({ ...interval(ys, label(`${split}/${x}`)), iteration: x, episodes });
      }
      const withData = group.filter((r) => r.success[split].length > 0);
      if (withData.length > 0) {
        final[split] = interval(withData.map((r) => r.success[split].at(-1)!.y), label(`final/${split}`));
        auc[split] = interval(withData.map((r) => normalisedArea(r.success[split])), label(`auc/${split}`));
      }
    }
    const dropStats = group.map((r) => SPLITS.map((s) => drops(r.success[s].map((p) => p.y))));
    const share = dropStats.map((d) => {
      const pairs = d.reduce((a, x) => a + x.pairs, 0);
      return pairs === 0 ? 0 : d.reduce((a, x) => a + x.drops, 0) / pairs;
    });
    const cpu = group.map((r) => r.cpuS).filter((c): c is number => c !== undefined);
    const labels: Record<string, Interval> = {};
    const withLabels = group.filter((r) => Object.keys(r.labels).length > 0);
    for (const name of labelNames(group)) labels[name] = interval(withLabels.map((r) => r.labels[name] ?? 0), label(`label/${name}`));
    out.push({
      family,
      algorithm,
      seeds: group.map((r) => r.seed),
      curves,
      final,
      auc,
      dropShare: interval(share, label('drops')),
      largestDrop: interval(dropStats.map((d) => Math.max(...d.map((x) => x.largest))), label('largest-drop')),
      klSpikes: interval(group.map((r) => klSpikes(r.kl)), label('kl-spikes')),
      labels,
      cpuS: cpu.length === 0 ? null : cpu.reduce((a, b) => a + b, 0) / cpu.length,
    });
  }
  return out;
}

/** The episode labels the runs record, in the order first seen. */
export function labelNames(runs: readonly { labels: Record<string, unknown> }[]): string[] {
  return [...new Set(runs.flatMap((r) => Object.keys(r.labels)))];
}

/** An algorithm against a reference algorithm on the seeds both finished: the difference of final success, seed by seed. */
export interface PairedDifference {
  family: string;
  algorithm: string;
  reference: string;
  seeds: number[];
  /** Final success of the algorithm minus the reference's, mean over the shared seeds [95% bootstrap interval]. */
  final: Record<EvalSplit, Interval>;
}

/**
 * Paired differences against `reference` (seeupo): within a seed both started from the same weights and played the
 * same tasks, so the seed-by-seed difference removes what the seed alone decides (the SFT checkpoint's quality).
 */
export function pairedDifferences(runs: readonly RunCurves[], reference = 'seeupo'): PairedDifference[] {
  const out: PairedDifference[] = [];
  const keys = [...new Map(runs.map((r) => [`${r.family}\u0000${r.algorithm}`, r])).values()];
  for (const { family, algorithm } of keys) {
    if (algorithm === reference) continue;
    const ref = new Map(runs.filter((r) => r.family === family && r.algorithm === reference).map((r) => [r.seed, r]));
    const mine = runs.filter((r) => r.family === family && r.algorithm === algorithm && ref.has(r.seed)).sort((a, b) => a.seed - b.seed);
    const final = {} as Record<EvalSplit, Interval>;
    for (const split of SPLITS) {
      const d = mine.filter((r) => r.success[split].length > 0 && ref.get(r.seed)!.success[split].length > 0).map((r) => r.success[split].at(-1)!.y - ref.get(r.seed)!.success[split].at(-1)!.y);
      if (d.length > 0) final[split] = interval(d, `${family}/${algorithm}-${reference}/${split}`);
    }
    if (Object.keys(final).length > 0) out.push({ family, algorithm, reference, seeds: mine.map((r) => r.seed), final });
  }
  return out;
}

/** Per family, the success every algorithm starts from: the SFT runs' evaluation, over seeds. */
export function familyStarts(data: CompareFile): FamilyStart[] {
  const families = [...new Set(data.runs.map((r) => r.family))];
  const out: FamilyStart[] = [];
  for (const family of families) {
    const sft = data.runs.filter((r): r is RunRecord => r.kind === 'sft' && r.family === family && r.status === 'finished').sort((a, b) => a.seed - b.seed);
    const values = sft.map((r) => ({ seed: r.seed, s: readMetrics(r.dir) })).map(({ seed, s }) => ({ seed, v: s ? sftSuccess(s) : {} }));
    const success = {} as Record<EvalSplit, Interval>;
    for (const split of SPLITS) {
      const ys = values.map((x) => x.v[split]).filter((y): y is number => y !== undefined);
      if (ys.length > 0) success[split] = interval(ys, `${family}/sft/${split}`);
    }
    if (Object.keys(success).length > 0) out.push({ family, seeds: values.map((x) => x.seed), success });
  }
  return out;
}
