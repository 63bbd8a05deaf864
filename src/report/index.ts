/**
 * `seeupo report`: one self-contained HTML page from a training run directory (format: docs/report.md).
 * The trainer calls `writeRunReport` at the end of a run; the CLI calls it on any run directory, finished or not.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { renderReport } from './render.js';
import { readRunDir } from './run-dir.js';

export { readRunDir, parseMetrics, type RunData, type Metrics } from './run-dir.js';
export { renderReport } from './render.js';

/** Reads run directory `dir`, writes the report to `out` (default `dir/report.html`) and returns its path. */
export function writeRunReport(dir: string, out: string = join(dir, 'report.html')): string {
  const html = renderReport(readRunDir(dir));
  try {
    writeFileSync(out, html);
  } catch (err) {
    throw new UserError(`cannot write ${out}: ${(err as Error).message}`);
  }
  return out;
}
