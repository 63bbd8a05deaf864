/**
 * The report's numbers, computed from a run's records: which curves to draw, where SFT ends, where the time went.
 * Pure functions of the parsed records, so each is tested on exact values apart from the drawing.
 */
import { PALETTE } from '../lab/svg.js';
import type { LineSeries, Point } from './plots.js';
import type { EvalRecord, Metrics, Phase, RlRecord, Stats, Summary } from './run-dir.js';

/** Colour per evaluation split: test and held-out keep theirs in every chart. */
export function splitColour(split: string, splits: readonly string[]): string {
  if (split === 'test') return PALETTE[0]!;
  if (split === 'heldout') return PALETTE[1]!;
  return PALETTE[(2 + splits.filter((s) => s !== 'test' && s !== 'heldout').indexOf(split)) % PALETTE.length]!;
}

export function splitLabel(split: string): string {
  return split === 'heldout' ? 'held-out' : split;
}

/**
 * The k of pass@k in the evaluations that sampled ("k" when they disagree or say nothing). Greedy-only evaluations
 * (the trainer's periodic ones write k = 0 and null rates) do not count.
 */
export function evalK(evals: readonly EvalRecord[]): string {
  const ks = new Set(evals.filter((e) => e.passAtK !== undefined || e.avgAtK !== undefined).map((e) => e.k).filter((k) => k !== undefined));
  return ks.size === 1 ? String([...ks][0]) : 'k';
}

/** Splits in the order test, held-out, then the others by first appearance. */
export function evalSplits(evals: readonly EvalRecord[]): string[] {
  const all = [...new Set(evals.map((e) => e.split))];
  const rank = (s: string) => (s === 'test' ? 0 : s === 'heldout' ? 1 : 2);
  return all.sort((a, b) => rank(a) - rank(b));
}

/** The latest evaluation (highest step) of each split in one phase, splits in `evalSplits` order. */
export function latestPerSplit(evals: readonly EvalRecord[], phase: Phase): EvalRecord[] {
  const ofPhase = phaseEvals(evals, phase);
  return evalSplits(ofPhase).map((split) => ofPhase.filter((e) => e.split === split).reduce((a, b) => (b.step >= a.step ? b : a)));
}

/**
 * Success curves: greedy (solid), pass@k (dashed) and avg@k (dotted) per split. `x` places an evaluation: its
 * step or iteration, or its wall time; evaluations it gives no place (undefined) are left out.
 */
export function successSeries(evals: readonly EvalRecord[], x: (e: EvalRecord) => number | undefined): LineSeries[] {
  const k = evalK(evals);
  const splits = evalSplits(evals);
  const metrics: { key: 'greedy' | 'passAtK' | 'avgAtK'; label: string; dash?: string }[] = [
    { key: 'greedy', label: 'greedy' },
    { key: 'passAtK', label: `pass@${k}`, dash: '6 3' },
    { key: 'avgAtK', label: `avg@${k}`, dash: '1.5 2.5' },
  ];
  const out: LineSeries[] = [];
  for (const m of metrics) {
    for (const split of splits) {
      const points: Point[] = [];
      for (const e of evals) {
        const px = x(e);
        const py = e[m.key];
        if (e.split === split && px !== undefined && py !== undefined) points.push({ x: px, y: py });
      }
      // By x: an evaluation written later at an earlier step (SFT's final one, at its best step) stays in place.
      points.sort((a, b) => a.x - b.x);
      if (points.length > 0) out.push({ name: `${m.label} · ${splitLabel(split)}`, colour: splitColour(split, splits), points, dots: true, ...(m.dash ? { dash: m.dash } : {}) });
    }
  }
  return out;
}

export function phaseEvals(evals: readonly EvalRecord[], phase: Phase): EvalRecord[] {
  return evals.filter((e) => e.phase === phase);
}

/**
 * Seconds into the run at which SFT ended: the last wall time of any SFT record or SFT evaluation. Undefined when
 * the run has no SFT phase or no RL phase yet (nothing to separate).
 */
export function sftRlBoundary(m: Metrics): number | undefined {
  if (m.rl.length === 0 && !m.evals.some((e) => e.phase === 'rl')) return undefined;
  const sftWalls = [...m.sft.map((r) => r.wallS), ...m.evals.filter((e) => e.phase === 'sft').map((e) => e.wallS)].filter((w): w is number => w !== undefined);
  return sftWalls.length === 0 ? undefined : Math.max(...sftWalls);
}

/** The unit that keeps a wall-time axis readable: seconds up to 2 minutes, minutes up to 2 hours, then hours. */
export function wallUnit(maxS: number): { unit: 's' | 'min' | 'h'; perS: number } {
  if (maxS <= 120) return { unit: 's', perS: 1 };
  if (maxS <= 7200) return { unit: 'min', perS: 1 / 60 };
  return { unit: 'h', perS: 1 / 3600 };
}

/** A duration as a person reads it: 42 s, 5.3 min, 2.1 h. */
export function formatDuration(s: number): string {
  if (s < 120) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** One RL quantity per iteration, skipping iterations that did not record it. */
export function rlPoints(rl: readonly RlRecord[], pick: (r: RlRecord) => number | undefined): Point[] {
  const out: Point[] = [];
  for (const r of rl) {
    const y = pick(r);
    if (y !== undefined) out.push({ x: r.iteration, y });
  }
  return out;
}

/** A ratio statistic as a mean line inside its min–max band; undefined when no iteration recorded it. */
export function statsSeries(rl: readonly RlRecord[], pick: (r: RlRecord) => Stats | undefined, name: string, colour: string): LineSeries | undefined {
  const rows = rl.flatMap((r) => {
    const s = pick(r);
    return s ? [{ x: r.iteration, s }] : [];
  });
  if (rows.length === 0) return undefined;
  return { name, colour, points: rows.map(({ x, s }) => ({ x, y: s.mean })), band: rows.map(({ x, s }) => ({ x, lo: s.min, hi: s.max })) };
}

export interface TimeShare {
  name: string;
  seconds: number;
}

/**
 * Where the run's wall time went: SFT training and evaluation up to the SFT→RL boundary, then RL rollouts, updates
 * and evaluations as recorded, and the rest (checkpoints, logging, whatever no record covers). The total is the
 * summary's wall time, or the latest wall time recorded while the run is in progress.
 */
export function timeShares(m: Metrics, summary?: Summary): TimeShare[] {
  const walls = [...m.sft.map((r) => r.wallS), ...m.rl.map((r) => r.wallS), ...m.evals.map((e) => e.wallS)].filter((w): w is number => w !== undefined);
  const total = summary?.wallS ?? (walls.length === 0 ? 0 : Math.max(...walls));
  const sum = (xs: readonly (number | undefined)[]) => xs.reduce<number>((t, x) => t + (x ?? 0), 0);
  const hasRl = m.rl.length > 0 || m.evals.some((e) => e.phase === 'rl');
  const sftEnd = hasRl ? (sftRlBoundary(m) ?? 0) : total;
  const sftEval = sum(phaseEvals(m.evals, 'sft').map((e) => e.evalS));
  const rollout = sum(m.rl.map((r) => r.rolloutS));
  const update = sum(m.rl.map((r) => r.updateS));
  const rlEval = sum(phaseEvals(m.evals, 'rl').map((e) => e.evalS));
  const shares: TimeShare[] = [];
  if (m.sft.length > 0 || sftEval > 0) {
    shares.push({ name: 'SFT training', seconds: Math.max(0, sftEnd - sftEval) });
    shares.push({ name: 'SFT evaluation', seconds: sftEval });
  }
  if (hasRl) {
    shares.push({ name: 'RL rollouts', seconds: rollout });
    shares.push({ name: 'RL updates', seconds: update });
    shares.push({ name: 'RL evaluation', seconds: rlEval });
  }
  shares.push({ name: 'other', seconds: Math.max(0, total - shares.reduce((t, s) => t + s.seconds, 0)) });
  return shares;
}

/**
 * The RL phase's evaluations, starting at iteration 0 with SFT's final evaluation of the splits RL evaluates: RL
 * starts from the checkpoint that evaluation measured, so it is where the RL curves begin. Left as it is when RL
 * evaluated at iteration 0 itself.
 */
export function rlEvalsFromStart(evals: readonly EvalRecord[]): EvalRecord[] {
  const rl = phaseEvals(evals, 'rl');
  if (rl.length === 0 || rl.some((e) => e.step === 0)) return rl;
  const splits = new Set(rl.map((e) => e.split));
  const start = latestPerSplit(evals, 'sft')
    .filter((e) => splits.has(e.split))
    .map((e) => ({ ...e, phase: 'rl' as const, step: 0 }));
  return [...start, ...rl];
}
