import { parentPort } from 'node:worker_threads';
import { runSuiteJob } from './suite-run.js';
import type { SuiteJob } from './suite-plan.js';

/** A suite worker thread: runs the jobs it is sent, one at a time, and posts each result back. */
if (!parentPort) throw new Error('suite-worker.js runs only as a worker thread');
const port = parentPort;
port.on('message', (job: SuiteJob | null) => {
  if (job === null) {
    port.close();
    return;
  }
  runSuiteJob(job).then(
    (result) => port.postMessage({ ok: true, result }),
    (err: unknown) => port.postMessage({ ok: false, id: job.id, error: err instanceof Error ? err.stack ?? err.message : String(err) }),
  );
});
