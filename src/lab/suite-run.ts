import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { makeInstance } from './instance.js';
import type { LabSummary } from './run.js';
import { runLab } from './run.js';
import type { SuiteJob } from './suite-plan.js';

export interface SuiteRunResult {
  id: number;
  instance: string;
  algo: string;
  policy: string;
  setting: string;
  exact: boolean;
  seed: number;
  J: number[];
  summary: LabSummary;
  skippedSteps: number;
  ms: number;
}

export async function runSuiteJob(job: SuiteJob): Promise<SuiteRunResult> {
  const start = performance.now();
  const inst = makeInstance(job.instance);
  const r = await runLab(inst, {
    algo: job.algo.algo,
    policy: job.policy,
    exact: job.setting.exact,
    iters: job.iters,
    lr: job.setting.lr,
    epochs: job.algo.epochs,
    optimizer: job.setting.optimizer,
    group: job.group,
    seed: job.setting.seed,
  });
  return {
    id: job.id,
    instance: inst.name,
    algo: job.algo.label,
    policy: job.policy,
    setting: job.setting.label,
    exact: job.setting.exact,
    seed: job.setting.seed,
    J: r.J,
    summary: { ...r.summary, algo: job.algo.label },
    skippedSteps: r.skippedSteps,
    ms: performance.now() - start,
  };
}

export function defaultWorkers(): number {
  return Math.max(1, Math.min(2, availableParallelism()));
}

/**
 * Runs the jobs on `workers` worker threads (1: in this thread), handing each worker the next job as soon as it
 * finishes one; results come back in job order. `onDone` is called after every job (for progress).
 */
export async function runSuiteJobs(jobs: readonly SuiteJob[], workers: number, onDone: (done: number, result: SuiteRunResult) => void): Promise<SuiteRunResult[]> {
  const results: SuiteRunResult[] = new Array(jobs.length);
  let done = 0;
  if (workers <= 1) {
    for (const job of jobs) {
      results[job.id] = await runSuiteJob(job);
      onDone(++done, results[job.id]!);
    }
    return results;
  }
  let next = 0;
  const url = new URL('./suite-worker.js', import.meta.url);
  await Promise.all(
    Array.from({ length: Math.min(workers, jobs.length) }, () => {
      const worker = new Worker(url);
      return new Promise<void>((resolve, reject) => {
        const feed = () => worker.postMessage(next < jobs.length ? jobs[next++]! : null);
        worker.on('message', (msg: { ok: true; result: SuiteRunResult } | { ok: false; id: number; error: string }) => {
          if (!msg.ok) {
            void worker.terminate();
            reject(new Error(`suite job ${msg.id} failed: ${msg.error}`));
            return;
          }
          results[msg.result.id] = msg.result;
          onDone(++done, msg.result);
          feed();
        });
        worker.on('error', reject);
        worker.on('exit', () => resolve());
        feed();
      });
    }),
  );
  return results;
}
