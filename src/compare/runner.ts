/**
 * Runs a compare's plan as separate `seeupo train` processes, `parallel` at a time, each after the runs it needs.
 * A finished run (summary.json) is reused; an unfinished one is continued with `--resume`; a run directory whose
 * config differs from the planned one is an error before anything runs. compare.json records every run: its
 * settings, command, status and time, and it accumulates over invocations into the same directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readJsonFile } from '../core/json-file.js';
import { UserError } from '../core/errors.js';
import { percent as pct } from '../core/percent.js';
import { budgetOf, type ComparePlan, type PlannedRun } from './plan.js';

export const COMPARE_FILE = 'compare.json';

export type RunStatus = 'finished' | 'failed' | 'stopped' | 'skipped' | 'pending';

/** A planned run as compare.json records it: what it is (not its full config: that is in configFile), and how it went. */
export interface RunRecord extends Omit<PlannedRun, 'config' | 'after'> {
  budget: Record<string, number>;
  /** The command that started the run (a resumed run ran `seeupo train --resume DIR` after it). */
  command: string;
  status: RunStatus;
  /** From the run's summary.json once finished. */
  wallS?: number;
  cpuS?: number;
  init?: { dir: string; sha256: string } | null;
  error?: string;
}

export interface CompareFile {
  version: 1;
  invocations: { argv: string[]; startedAt: string; wallS?: number }[];
  /** Per family: the config every run shares but for its settings. */
  families: Record<string, unknown>;
  runs: RunRecord[];
}

export interface RunnerOptions {
  parallel: number;
  argv: string[];
  /** Progress lines (stderr in the CLI). */
  log: (line: string) => void;
  /**
   * Aborted when the user asks to stop: no new run starts, and running ones save a checkpoint and end. Ctrl-C
   * (reason 'SIGINT') reaches the runs from the terminal itself; any other reason is forwarded to them as SIGINT.
   */
  stop?: AbortSignal;
}

/** The `seeupo` CLI of this package, which the runs are started with. */
function seeupoBin(): string {
  return fileURLToPath(new URL('../../../bin/seeupo.js', import.meta.url));
}

/** Equal as JSON values, whatever the order of object keys (a config read back from a file keeps the schema's). */
const sameJson = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

function canonical(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(canonical);
  if (typeof x !== 'object' || x === null) return x;
  return Object.fromEntries(Object.keys(x).sort().map((k) => [k, canonical((x as Record<string, unknown>)[k])]));
}

/** The first key path where two JSON values differ, for an error that says what changed. */
function firstDifference(a: unknown, b: unknown, path = ''): string {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && !Array.isArray(a) && !Array.isArray(b)) {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
      if (!sameJson(ao[k], bo[k])) return firstDifference(ao[k], bo[k], path === '' ? k : `${path}.${k}`);
    }
  }
  return path === '' ? '(root)' : path;
}

function readCompareFile(out: string): CompareFile | null {
  const file = join(out, COMPARE_FILE);
  return existsSync(file) ? (readJsonFile(file, 'compare file') as CompareFile) : null;
}

export function writeCompareFile(out: string, data: CompareFile): void {
  const file = join(out, COMPARE_FILE);
  writeFileSync(file + '.tmp', JSON.stringify(data, null, 2) + '\n');
  renameSync(file + '.tmp', file);
}

/** Checks the plan against what the directory already holds: the same family configs, the same run configs. */
function checkExisting(plan: ComparePlan, previous: CompareFile | null): void {
  for (const [family, config] of Object.entries(plan.families)) {
    const before = previous?.families[family];
    if (before !== undefined && !sameJson(before, config)) {
      throw new UserError(`${plan.out} holds a compare of family '${family}' with another config (first difference at '${firstDifference(before, config)}'): use another --out`);
    }
  }
  for (const run of plan.runs) {
    const file = join(run.dir, 'config.json');
    if (!existsSync(file)) continue;
    const existing = readJsonFile(file, 'run config');
    if (!sameJson(existing, run.config)) {
      throw new UserError(`${run.dir} was run with another config (first difference at '${firstDifference(existing, run.config)}'): use another --out`);
    }
  }
}

function summaryOf(dir: string): { wallS?: number; cpuS?: number; init?: { dir: string; sha256: string } | null; sft?: { test: number; heldout: number } | null; rl?: { test: number; heldout: number } | null } {
  return readJsonFile(join(dir, 'summary.json'), 'run summary') as ReturnType<typeof summaryOf>;
}

function commandLine(args: readonly string[]): string {
  return ['seeupo', ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Runs the plan; returns the compare file as it ends (runs that failed are in it with their error). */
export async function runCompare(plan: ComparePlan, opts: RunnerOptions): Promise<CompareFile> {
  const previous = readCompareFile(plan.out);
  checkExisting(plan, previous);
  mkdirSync(plan.out, { recursive: true });
  const unlock = lock(plan.out);
  try {
    return await execute(plan, opts, previous);
  } finally {
    unlock();
  }
}

/**
 * One compare at a time per directory: two would start the same runs twice. The lock names its process; a lock
 * whose process is gone (a compare killed outright) is taken over.
 */
function lock(out: string): () => void {
  const file = join(out, 'compare.lock');
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new UserError(`another compare (process ${pid}) is running in ${out}; wait for it, or stop it first`);
    }
  }
  writeFileSync(file, `${process.pid}\n`);
  return () => rmSync(file, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function execute(plan: ComparePlan, opts: RunnerOptions, previous: CompareFile | null): Promise<CompareFile> {
  const t0 = Date.now();
  const data: CompareFile = previous ?? { version: 1, invocations: [], families: {}, runs: [] };
  data.invocations.push({ argv: opts.argv, startedAt: new Date(t0).toISOString() });
  Object.assign(data.families, plan.families);
  const records = new Map<string, RunRecord>(data.runs.map((r) => [r.id, r]));
  for (const run of plan.runs) {
    const args = ['train', '--config', run.configFile, '--out', run.dir];
    const finished = existsSync(join(run.dir, 'summary.json'));
    records.set(run.id, {
      id: run.id,
      kind: run.kind,
      family: run.family,
      algorithm: run.algorithm,
      seed: run.seed,
      dir: run.dir,
      configFile: run.configFile,
      settings: run.settings,
      budget: budgetOf(run.config),
      command: commandLine(args),
      status: finished ? 'finished' : 'pending',
      ...(finished ? pickSummary(run.dir) : {}),
    });
    mkdirSync(dirname(run.configFile), { recursive: true });
    writeFileSync(run.configFile, JSON.stringify(run.config, null, 2) + '\n');
  }
  data.runs = [...records.values()];
  const save = () => writeCompareFile(plan.out, data);
  save();

  const todo = plan.runs.filter((r) => records.get(r.id)!.status !== 'finished');
  const resumable = todo.filter((r) => existsSync(join(r.dir, 'config.json'))).length;
  opts.log(`compare: ${plan.runs.length} runs in ${plan.out}: ${plan.runs.length - todo.length} finished before, ${resumable} to resume, ${todo.length - resumable} to start; ${opts.parallel} at a time`);

  const done = new Set(plan.runs.filter((r) => records.get(r.id)!.status === 'finished').map((r) => r.id));
  const failed = new Set<string>();
  const waiting = [...todo];
  const running = new Map<string, ChildProcess>();
  let started = 0;
  const stopped = () => opts.stop?.aborted === true;
  opts.stop?.addEventListener('abort', () => {
    if (opts.stop!.reason !== 'SIGINT') for (const c of running.values()) c.kill('SIGINT');
  });
  const finishedTimes: number[] = [];

  const startRun = (run: PlannedRun): Promise<void> => {
    const resume = existsSync(join(run.dir, 'config.json'));
    const args = resume ? ['train', '--resume', run.dir] : ['train', '--config', run.configFile, '--out', run.dir];
    const k = ++started;
    opts.log(`compare: [${k}/${todo.length}] ${resume ? 'resume' : 'start'} ${run.id}`);
    const logFile = join(plan.out, 'logs', `${run.id}.log`);
    mkdirSync(dirname(logFile), { recursive: true });
    const logStream = createWriteStream(logFile, { flags: 'a' });
    logStream.write(`$ ${commandLine(args)}\n`);
    const t = Date.now();
    return new Promise((resolveRun) => {
      const child = spawn(process.execPath, [seeupoBin(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      running.set(run.id, child);
      child.stdout!.pipe(logStream, { end: false });
      child.stderr!.pipe(logStream, { end: false });
      child.on('close', (code, signal) => {
        running.delete(run.id);
        logStream.end();
        const rec = records.get(run.id)!;
        if (code === 0 && existsSync(join(run.dir, 'summary.json'))) {
          Object.assign(rec, { status: 'finished', ...pickSummary(run.dir) });
          delete rec.error;
          done.add(run.id);
          finishedTimes.push((Date.now() - t) / 1000);
          const s = summaryOf(run.dir);
          const r = run.kind === 'sft' ? s.sft : s.rl;
          const left = waiting.length + running.size;
          const eta = left === 0 ? '' : `; about ${formatMinutes((mean(finishedTimes) * left) / opts.parallel)} left`;
          opts.log(`compare: done ${run.id} in ${((Date.now() - t) / 1000).toFixed(0)} s: test ${r ? pct(r.test) : '-'}, held-out ${r ? pct(r.heldout) : '-'} (${done.size}/${plan.runs.length} finished${eta})`);
        } else if (stopped() || code === 130) {
          rec.status = 'stopped';
          opts.log(`compare: stopped ${run.id} (the same command continues it from its last checkpoint)`);
        } else {
          rec.status = 'failed';
          rec.error = `exit ${code ?? signal}; see ${logFile}`;
          failed.add(run.id);
          opts.log(`compare: FAILED ${run.id} (exit ${code ?? signal}); its log: ${logFile}`);
        }
        save();
        resolveRun();
      });
    });
  };

  // A simple scheduler: the first waiting run whose dependencies are done starts whenever a slot is free.
  await new Promise<void>((resolveAll) => {
    const pump = () => {
      for (let i = 0; i < waiting.length; i++) {
        const run = waiting[i]!;
        if (run.after.some((id) => failed.has(id))) {
          waiting.splice(i--, 1);
          failed.add(run.id);
          const rec = records.get(run.id)!;
          rec.status = 'skipped';
          rec.error = `needs ${run.after.join(', ')}, which failed`;
          opts.log(`compare: skip ${run.id}: ${rec.error}`);
          save();
        }
      }
      while (running.size < opts.parallel && !stopped()) {
        const i = waiting.findIndex((r) => r.after.every((id) => done.has(id)));
        if (i < 0) break;
        const [run] = waiting.splice(i, 1);
        void startRun(run!).then(pump);
      }
      if (running.size === 0 && (waiting.length === 0 || stopped() || !waiting.some((r) => r.after.every((id) => done.has(id))))) resolveAll();
    };
    pump();
  });
  data.invocations[data.invocations.length - 1]!.wallS = (Date.now() - t0) / 1000;
  save();
  return data;
}

function pickSummary(dir: string): Pick<RunRecord, 'wallS' | 'cpuS' | 'init'> {
  const s = summaryOf(dir);
  return { wallS: s.wallS, cpuS: s.cpuS, init: s.init ?? null };
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

function formatMinutes(s: number): string {
  return s < 90 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`;
}
