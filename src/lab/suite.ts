import type { SuiteOptions } from './suite-plan.js';
import { planSuite, suiteInstances, suiteSettings } from './suite-plan.js';
import type { SuiteReportInput } from './report.js';
import { summaryTable, writeSuiteReport } from './report.js';
import { runSuiteJobs } from './suite-run.js';

export interface SuiteRunOptions extends SuiteOptions {
  out: string;
  workers: number;
  /** The command line, quoted in the report. */
  command: string;
  /** Progress lines (stderr in the CLI). */
  progress: (line: string) => void;
}

function duration(s: number): string {
  return s < 60 ? `${s.toFixed(0)}s` : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

/** Plans, runs and reports the suite; returns the report path and the end-of-run summary table. */
export async function runSuite(o: SuiteRunOptions): Promise<{ reportPath: string; summary: string; input: SuiteReportInput }> {
  const jobs = planSuite(o);
  const instances = suiteInstances(o);
  const settings = [...new Set(suiteSettings(o).map((s) => s.label))];
  o.progress(`lab suite: ${jobs.length} runs (${o.algos.length} algorithms × ${o.policies.length} policies × ${instances.length} instances × ${settings.length} settings), ${o.iters} iterations each, ${o.workers} worker(s)`);
  const start = performance.now();
  let lastShown = -1;
  const results = await runSuiteJobs(jobs, o.workers, (done) => {
    const pct = Math.floor((100 * done) / jobs.length);
    if (pct === lastShown || (pct % 5 !== 0 && done !== jobs.length)) return;
    lastShown = pct;
    const elapsed = (performance.now() - start) / 1000;
    const eta = done < jobs.length ? `, ~${duration((elapsed / done) * (jobs.length - done))} left` : '';
    o.progress(`  ${String(pct).padStart(3)}%  ${done}/${jobs.length} runs, ${duration(elapsed)} elapsed${eta}`);
  });
  const input: SuiteReportInput = {
    results,
    instances,
    algos: o.algos,
    policies: o.policies,
    settings,
    iters: o.iters,
    group: o.group,
    seconds: (performance.now() - start) / 1000,
    workers: o.workers,
    command: o.command,
  };
  const reportPath = writeSuiteReport(input, o.out);
  return { reportPath, summary: summaryTable(input), input };
}
