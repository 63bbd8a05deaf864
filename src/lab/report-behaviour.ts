import type { SuiteRunResult } from './suite-run.js';
import { OPTIMAL_GAP } from './run.js';

/**
 * The report's comparison of SeeUPO measured against the behaviour policy with SeeUPO measured against the
 * phase-start weights (issue 13): every `…seeupo-behaviour…` variant in the suite beside its phase counterpart
 * (the same label without `-behaviour`), run by run, on the shared parameterisations (every policy but
 * `tabular`), where the two references differ.
 */
export interface BehaviourRow {
  variant: string;
  counterpart: string;
  setting: string;
  runs: number;
  optimal: [phase: number, behaviour: number];
  runsWithDrop: [phase: number, behaviour: number];
  drops: [phase: number, behaviour: number];
  /** Runs where the phase counterpart fails (misses the optimum or drops) and the behaviour variant does not. */
  fixed: number;
  /** Runs where the phase counterpart succeeds (optimum, no drop) and the behaviour variant fails. */
  broken: number;
}

const succeeds = (r: SuiteRunResult) => r.summary.gap < OPTIMAL_GAP && r.summary.violations === 0;
const key = (r: SuiteRunResult) => `${r.instance}|${r.policy}|${r.setting}|${r.seed}`;

/** The phase-reference counterpart of a behaviour variant's label (`seeupo-behaviour-no-clamp@4` → `seeupo-no-clamp@4`). */
export function phaseCounterpart(label: string): string | null {
  return label.includes('seeupo-behaviour') ? label.replace('seeupo-behaviour', 'seeupo') : null;
}

export function behaviourComparison(results: readonly SuiteRunResult[], algos: readonly string[], settings: readonly string[]): BehaviourRow[] {
  const shared = results.filter((r) => r.policy !== 'tabular');
  const rows: BehaviourRow[] = [];
  for (const variant of algos) {
    const counterpart = phaseCounterpart(variant);
    if (counterpart === null || !algos.includes(counterpart)) continue;
    for (const setting of settings) {
      const phase = new Map(shared.filter((r) => r.algo === counterpart && r.setting === setting).map((r) => [key(r), r]));
      const pairs = shared.filter((r) => r.algo === variant && r.setting === setting && phase.has(key(r))).map((b) => [phase.get(key(b))!, b] as const);
      if (pairs.length === 0) continue;
      const count = (f: (r: SuiteRunResult) => number) => [pairs.reduce((s, [p]) => s + f(p), 0), pairs.reduce((s, [, b]) => s + f(b), 0)] as [number, number];
      rows.push({
        variant,
        counterpart,
        setting,
        runs: pairs.length,
        optimal: count((r) => (r.summary.gap < OPTIMAL_GAP ? 1 : 0)),
        runsWithDrop: count((r) => (r.summary.violations > 0 ? 1 : 0)),
        drops: count((r) => r.summary.violations),
        fixed: pairs.filter(([p, b]) => !succeeds(p) && succeeds(b)).length,
        broken: pairs.filter(([p, b]) => succeeds(p) && !succeeds(b)).length,
      });
    }
  }
  return rows;
}

/** The report section (empty when the suite ran no behaviour variant beside its counterpart). */
export function behaviourSection(results: readonly SuiteRunResult[], algos: readonly string[], settings: readonly string[]): string {
  const rows = behaviourComparison(results, algos, settings);
  if (rows.length === 0) return '';
  const arrow = ([p, b]: [number, number]) => `${p} → ${b}`;
  const lines = [
    '## SeeUPO against the behaviour policy\n',
    `Each \`…seeupo-behaviour…\` variant beside its counterpart measured against the phase-start weights, run by run, on the shared parameterisations only (every policy but tabular). Cells \`phase → behaviour\`. *Fails*: misses the optimum (gap ≥ ${OPTIMAL_GAP}) or has a drop in J.\n`,
    '| behaviour variant | counterpart | setting | runs | reach the optimum | runs with a drop | drops | counterpart fails, behaviour does not | counterpart succeeds, behaviour fails |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.variant} | ${r.counterpart} | ${r.setting} | ${r.runs} | ${arrow(r.optimal)} | ${arrow(r.runsWithDrop)} | ${arrow(r.drops)} | ${r.fixed} | ${r.broken} |`),
  ];
  return lines.join('\n') + '\n';
}
