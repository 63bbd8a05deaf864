/**
 * Reads a training run directory (config.json, metrics.jsonl, samples/, summary.json) into plain records for the
 * report. A run may still be in progress or may have skipped a phase, so everything but metrics.jsonl is optional
 * and every field but a record's position (step, iteration) may be missing; what could not be read becomes a note
 * in the report instead of an error. metrics.jsonl is the one file the report cannot do without: a missing file or
 * a malformed line is a UserError that names the line.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';

/** Mean, min and max over one iteration: of the importance ratio over tokens, of ρ over trajectories. */
export interface Stats {
  mean: number;
  min: number;
  max: number;
}

/** One block of SFT steps. */
export interface SftRecord {
  step: number;
  examples?: number;
  loss?: number;
  tokens?: number;
  wallS?: number;
  stepS?: number;
}

/** One RL iteration. */
export interface RlRecord {
  iteration: number;
  episodes?: number;
  /** Episodes whose environment failed: excluded from the update. */
  excluded?: number;
  reward?: number;
  success?: number;
  contextTokens?: number;
  responseTokens?: number;
  loss?: number;
  kl?: number;
  clipFraction?: number;
  ratio?: Stats;
  rho?: Stats;
  entropy?: number;
  gradNorm?: number;
  /** PPO's value loss (runs with a critic). */
  valueLoss?: number;
  /** Share of the iteration's episodes per label (`episodeLabels`: the trap family's early choice). */
  labels?: Record<string, number>;
  wallS?: number;
  rolloutS?: number;
  updateS?: number;
}

export type Phase = 'sft' | 'rl';

/** One evaluation on one split, after SFT step or RL iteration `step`. */
export interface EvalRecord {
  phase: Phase;
  step: number;
  split: string;
  n?: number;
  greedy?: number;
  k?: number;
  passAtK?: number;
  avgAtK?: number;
  wallS?: number;
  evalS?: number;
}

export interface WarningRecord {
  message: string;
  wallS?: number;
  /** 1-based line in metrics.jsonl. */
  line: number;
}

export interface Metrics {
  sft: SftRecord[];
  rl: RlRecord[];
  evals: EvalRecord[];
  warnings: WarningRecord[];
}

export interface SampleMessage {
  role: string;
  content: string;
  toolCalls?: { name: string; arguments: unknown }[];
  invalidToolCalls?: { raw: string; error: string }[];
}

export interface SampleEpisode {
  split?: string;
  taskId?: string;
  success?: boolean;
  reward?: number;
  messages: SampleMessage[];
}

export interface SampleFile {
  /** File name inside samples/, e.g. `rl-30.json`. */
  file: string;
  phase: Phase;
  step: number;
  episodes: SampleEpisode[];
}

export interface Summary {
  seed?: number;
  algorithm?: string;
  sft?: { test?: number; heldout?: number } | null;
  rl?: { test?: number; heldout?: number } | null;
  wallS?: number;
  finalCheckpoint?: string;
}

export interface RunData {
  dir: string;
  /** config.json as parsed, or undefined when absent or unreadable (see notes). */
  config?: unknown;
  metrics: Metrics;
  /** The latest evaluation's samples that could be read, or undefined. */
  samples?: SampleFile;
  summary?: Summary;
  /** Things the report could not read or that are missing, one sentence each. */
  notes: string[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a numeric field: absent and null (how JSON writes NaN) are missing; any other non-number is an error. */
function num(obj: Json, key: string, where: () => string): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number') throw new UserError(`${where()}: '${key}' must be a number, got ${JSON.stringify(v)}`);
  return v;
}

function shares(obj: Json, key: string, where: () => string): Record<string, number> | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new UserError(`${where()}: '${key}' must be an object of label shares or null`);
  const inner = () => `${where()}: '${key}'`;
  return Object.fromEntries(Object.keys(v).flatMap((label) => {
    const share = num(v, label, inner);
    return share === undefined ? [] : [[label, share]];
  }));
}

function stats(obj: Json, key: string, where: () => string): Stats | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new UserError(`${where()}: '${key}' must be an object {mean, min, max} or null`);
  const inner = () => `${where()}: '${key}'`;
  const mean = num(v, 'mean', inner);
  const min = num(v, 'min', inner);
  const max = num(v, 'max', inner);
  return mean === undefined || min === undefined || max === undefined ? undefined : { mean, min, max };
}

function required(value: number | undefined, key: string, kind: string, where: () => string): number {
  if (value === undefined) throw new UserError(`${where()}: a '${kind}' record needs a numeric '${key}'`);
  return value;
}

/** Drops undefined fields, so records compare and print as what the file held. */
function defined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

function parseRecord(rec: Json, line: number, where: () => string, into: Metrics): void {
  const time = isObject(rec.time) ? rec.time : {};
  const inTime = () => `${where()}: 'time'`;
  const wallS = num(time, 'wallS', inTime);
  switch (rec.kind) {
    case 'sft':
      into.sft.push(
        defined({
          step: required(num(rec, 'step', where), 'step', 'sft', where),
          examples: num(rec, 'examples', where),
          loss: num(rec, 'loss', where),
          tokens: num(rec, 'tokens', where),
          wallS,
          stepS: num(time, 'stepS', inTime),
        }),
      );
      return;
    case 'rl': {
      const tokens = isObject(rec.tokens) ? rec.tokens : {};
      const inTokens = () => `${where()}: 'tokens'`;
      into.rl.push(
        defined({
          iteration: required(num(rec, 'iteration', where), 'iteration', 'rl', where),
          episodes: num(rec, 'episodes', where),
          excluded: num(rec, 'excluded', where),
          reward: num(rec, 'reward', where),
          success: num(rec, 'success', where),
          contextTokens: num(tokens, 'context', inTokens),
          responseTokens: num(tokens, 'response', inTokens),
          loss: num(rec, 'loss', where),
          kl: num(rec, 'kl', where),
          clipFraction: num(rec, 'clipFraction', where),
          ratio: stats(rec, 'ratio', where),
          rho: stats(rec, 'rho', where),
          entropy: num(rec, 'entropy', where),
          gradNorm: num(rec, 'gradNorm', where),
          valueLoss: num(rec, 'valueLoss', where),
          labels: shares(rec, 'episodeLabels', where),
          wallS,
          rolloutS: num(time, 'rolloutS', inTime),
          updateS: num(time, 'updateS', inTime),
        }),
      );
      return;
    }
    case 'eval': {
      if (rec.phase !== 'sft' && rec.phase !== 'rl') throw new UserError(`${where()}: an 'eval' record needs 'phase' "sft" or "rl", got ${JSON.stringify(rec.phase)}`);
      if (typeof rec.split !== 'string') throw new UserError(`${where()}: an 'eval' record needs a string 'split'`);
      into.evals.push(
        defined({
          phase: rec.phase,
          step: required(num(rec, 'step', where), 'step', 'eval', where),
          split: rec.split,
          n: num(rec, 'n', where),
          greedy: num(rec, 'greedy', where),
          k: num(rec, 'k', where),
          passAtK: num(rec, 'passAtK', where),
          avgAtK: num(rec, 'avgAtK', where),
          wallS,
          evalS: num(time, 'evalS', inTime),
        }),
      );
      return;
    }
    case 'warning':
      into.warnings.push(defined({ message: String(rec.message ?? ''), wallS, line }));
      return;
    default:
    // Kinds this report does not know yet (a newer trainer) are skipped, not errors.
  }
}

/**
 * Keeps the last record per key, in key order: a resumed run may write an iteration again after restarting from
 * its last checkpoint, and the later line is the one that counts.
 */
function lastPerKey<T>(records: readonly T[], key: (r: T) => string, order: (r: T) => number): T[] {
  const byKey = new Map<string, T>();
  for (const r of records) {
    byKey.delete(key(r));
    byKey.set(key(r), r);
  }
  return [...byKey.values()].sort((a, b) => order(a) - order(b));
}

/**
 * Parses metrics.jsonl's text. A last line without its newline that does not parse is a write in progress and is
 * left out (with a note); any other line that is not a JSON object with a string `kind` is a UserError naming it.
 */
export function parseMetrics(text: string, file: string, notes: string[] = []): Metrics {
  const out: Metrics = { sft: [], rl: [], evals: [], warnings: [] };
  const lines = text.split('\n');
  const unterminated = lines[lines.length - 1] !== '';
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const where = () => `${file} line ${line}`;
    let rec: unknown;
    try {
      rec = JSON.parse(raw);
    } catch (err) {
      if (unterminated && i === lines.length - 1) {
        notes.push(`${file} line ${line} is incomplete (a write in progress?) and was left out.`);
        return;
      }
      throw new UserError(`${where()} is not valid JSON: ${(err as Error).message}`);
    }
    if (!isObject(rec) || typeof rec.kind !== 'string') throw new UserError(`${where()} is not a metrics record: expected a JSON object with a string 'kind'`);
    parseRecord(rec, line, where, out);
  });
  return {
    sft: lastPerKey(out.sft, (r) => String(r.step), (r) => r.step),
    rl: lastPerKey(out.rl, (r) => String(r.iteration), (r) => r.iteration),
    evals: lastPerKey(out.evals, (r) => `${r.phase}/${r.step}/${r.split}`, (r) => (r.phase === 'sft' ? 0 : 1e12) + r.step),
    warnings: out.warnings,
  };
}

/** Reads an optional JSON file: undefined when absent; a note (not an error) when it does not parse. */
function optionalJson(path: string, name: string, notes: string[]): unknown {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    notes.push(`${name} could not be read: ${(err as Error).message}`);
    return undefined;
  }
}

function parseEpisode(v: unknown): SampleEpisode | undefined {
  if (!isObject(v) || !Array.isArray(v.messages)) return undefined;
  const messages: SampleMessage[] = v.messages.filter(isObject).map((m) => {
    const msg: SampleMessage = { role: String(m.role ?? '?'), content: typeof m.content === 'string' ? m.content : '' };
    if (Array.isArray(m.toolCalls)) msg.toolCalls = m.toolCalls.filter(isObject).map((c) => ({ name: String(c.name ?? '?'), arguments: c.arguments ?? {} }));
    if (Array.isArray(m.invalidToolCalls)) msg.invalidToolCalls = m.invalidToolCalls.filter(isObject).map((c) => ({ raw: String(c.raw ?? ''), error: String(c.error ?? '') }));
    return msg;
  });
  return defined({
    split: typeof v.split === 'string' ? v.split : undefined,
    taskId: typeof v.taskId === 'string' ? v.taskId : undefined,
    success: typeof v.success === 'boolean' ? v.success : undefined,
    reward: typeof v.reward === 'number' ? v.reward : undefined,
    messages,
  });
}

const SAMPLE_NAME = /^(sft|rl)-(\d+)\.json$/;

/** The latest evaluation's samples (RL after SFT, then by step) that parse; files that do not are noted and skipped. */
function latestSamples(dir: string, notes: string[]): SampleFile | undefined {
  const samplesDir = join(dir, 'samples');
  if (!existsSync(samplesDir)) return undefined;
  const files = readdirSync(samplesDir)
    .map((file) => ({ file, m: SAMPLE_NAME.exec(file) }))
    .filter((f): f is { file: string; m: RegExpExecArray } => f.m !== null)
    .map(({ file, m }) => ({ file, phase: m[1] as Phase, step: Number(m[2]) }))
    .sort((a, b) => (a.phase === b.phase ? b.step - a.step : a.phase === 'rl' ? -1 : 1));
  for (const f of files) {
    const json = optionalJson(join(samplesDir, f.file), `samples/${f.file}`, notes);
    if (json === undefined) continue;
    if (!Array.isArray(json)) {
      notes.push(`samples/${f.file} is not an array of episodes and was skipped.`);
      continue;
    }
    return { ...f, episodes: json.map(parseEpisode).filter((e): e is SampleEpisode => e !== undefined) };
  }
  return undefined;
}

function parseSummary(v: unknown, notes: string[]): Summary | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) {
    notes.push('summary.json is not a JSON object and was skipped.');
    return undefined;
  }
  const splits = (x: unknown) => (isObject(x) ? defined({ test: typeof x.test === 'number' ? x.test : undefined, heldout: typeof x.heldout === 'number' ? x.heldout : undefined }) : null);
  return defined({
    seed: typeof v.seed === 'number' ? v.seed : undefined,
    algorithm: typeof v.algorithm === 'string' ? v.algorithm : undefined,
    sft: splits(v.sft),
    rl: splits(v.rl),
    wallS: typeof v.wallS === 'number' ? v.wallS : undefined,
    finalCheckpoint: typeof v.finalCheckpoint === 'string' ? v.finalCheckpoint : undefined,
  });
}

/** Reads everything the report shows from run directory `dir`. */
export function readRunDir(dir: string): RunData {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`${dir} is not a directory`);
  const metricsPath = join(dir, 'metrics.jsonl');
  if (!existsSync(metricsPath)) throw new UserError(`${dir} has no metrics.jsonl: not a training run directory (or the run has not started)`);
  const notes: string[] = [];
  const metrics = parseMetrics(readFileSync(metricsPath, 'utf8'), metricsPath, notes);
  const config = optionalJson(join(dir, 'config.json'), 'config.json', notes);
  const summary = parseSummary(optionalJson(join(dir, 'summary.json'), 'summary.json', notes), notes);
  const samples = latestSamples(dir, notes);
  const run: RunData = { dir, metrics, notes };
  if (config !== undefined) run.config = config;
  if (summary !== undefined) run.summary = summary;
  if (samples !== undefined) run.samples = samples;
  return run;
}
