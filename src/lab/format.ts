import type { LabRunResult } from './run.js';

/** Plain-text table with right-aligned columns (first column left-aligned). */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: readonly string[]) => cells.map((x, c) => (c === 0 ? x.padEnd(widths[c]!) : x.padStart(widths[c]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

/** The iterations a readable table shows: about `count` evenly spaced ones, always the first and the last. */
export function sampledIterations(iters: number, count = 20): number[] {
  const every = Math.max(1, Math.ceil(iters / count));
  const ks: number[] = [];
  for (let k = 0; k < iters; k += every) ks.push(k);
  ks.push(iters);
  return ks;
}

/** `lab run` without --json: J at evenly spaced iterations, then the summary. */
export function formatRun(result: LabRunResult): string {
  const J = result.J;
  const rows = sampledIterations(J.length - 1).map((k) => [String(k), J[k]!.toFixed(6), (result.summary.optimum - J[k]!).toFixed(6)]);
  const s = result.summary;
  let out = textTable(['iter', 'J', 'gap'], rows);
  out += `\n${s.algo} on ${s.instance}: J = ${s.J.toFixed(6)}, optimum ${s.optimum}, gap ${s.gap.toExponential(3)}, ` + `${s.violations} violation${s.violations === 1 ? '' : 's'} of monotonic improvement\n`;
  if (result.skippedSteps > 0) out += `${result.skippedSteps} optimizer step(s) skipped (non-finite loss or gradient)\n`;
  return out;
}
