import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { readJsonFile } from '../core/json-file.js';

/**
 * A run directory (docs/training.md): config.json, metrics.jsonl, checkpoints/, samples/, summary.json.
 * Checkpoints are written to a fresh folder and then named in `checkpoints/latest.json` by an atomic rename, so a
 * run killed at any moment (kill -9 included) resumes from the last complete checkpoint; metrics lines written after
 * it are dropped on resume and recomputed, identically but for their `time` fields.
 */
export class RunDir {
  constructor(readonly path: string) {}

  /** Throws unless a new run may be made in `path`. */
  static assertNew(path: string): void {
    if (existsSync(join(path, 'metrics.jsonl'))) {
      throw new UserError(`${path} already holds a run: continue it with --resume ${path}, or choose another --out`);
    }
  }

  static create(path: string, config: unknown): RunDir {
    RunDir.assertNew(path);
    mkdirSync(join(path, 'checkpoints'), { recursive: true });
    mkdirSync(join(path, 'samples'), { recursive: true });
    writeFileSync(join(path, 'config.json'), JSON.stringify(config, null, 2) + '\n');
    writeFileSync(join(path, 'metrics.jsonl'), '');
    return new RunDir(path);
  }

  static open(path: string): RunDir {
    if (!existsSync(join(path, 'config.json'))) throw new UserError(`${path} is not a run directory: it has no config.json`);
    return new RunDir(path);
  }

  readConfig(): unknown {
    return readJsonFile(join(this.path, 'config.json'));
  }

  get checkpoints(): string {
    return join(this.path, 'checkpoints');
  }

  appendMetrics(record: Record<string, unknown>): void {
    appendFileSync(join(this.path, 'metrics.jsonl'), JSON.stringify(record) + '\n');
  }

  metricsLineCount(): number {
    const text = readFileSync(join(this.path, 'metrics.jsonl'), 'utf8');
    return text.length === 0 ? 0 : text.split('\n').filter((l) => l.length > 0).length;
  }

  /** Keeps the first `lines` metrics lines (the ones the resumed checkpoint had seen). */
  truncateMetrics(lines: number): void {
    const file = join(this.path, 'metrics.jsonl');
    // A run killed while its directory was being created has no metrics file yet.
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const kept = text.split('\n').filter((l) => l.length > 0).slice(0, lines);
    writeFileSync(file + '.tmp', kept.map((l) => l + '\n').join(''));
    renameSync(file + '.tmp', file);
  }

  writeJson(name: string, value: unknown): void {
    const file = join(this.path, name);
    writeFileSync(file + '.tmp', JSON.stringify(value, null, 2) + '\n');
    renameSync(file + '.tmp', file);
  }

  /**
   * Saves a checkpoint: `write(dir)` fills a new folder, then `latest.json` names it (atomic rename), then older
   * numbered folders go.
   */
  async saveCheckpoint(state: unknown, write: (dir: string) => Promise<void>): Promise<void> {
    const existing = numberedCheckpoints(this.checkpoints);
    const n = existing.length > 0 ? Math.max(...existing) + 1 : 0;
    const name = `ckpt-${n}`;
    const dir = join(this.checkpoints, name);
    rmSync(dir, { recursive: true, force: true });
    await write(dir);
    writeFileSync(join(dir, 'trainer-state.json'), JSON.stringify(state, null, 2) + '\n');
    const pointer = join(this.checkpoints, 'latest.json');
    writeFileSync(pointer + '.tmp', JSON.stringify({ dir: name }) + '\n');
    renameSync(pointer + '.tmp', pointer);
    for (const m of existing) rmSync(join(this.checkpoints, `ckpt-${m}`), { recursive: true, force: true });
  }

  /** The latest complete checkpoint: its folder and trainer state, or null when there is none yet. */
  latestCheckpoint<S>(): { dir: string; state: S } | null {
    const pointer = join(this.checkpoints, 'latest.json');
    if (!existsSync(pointer)) return null;
    const { dir } = readJsonFile(pointer) as { dir: string };
    const path = join(this.checkpoints, dir);
    return { dir: path, state: readJsonFile(join(path, 'trainer-state.json')) as S };
  }
}

function numberedCheckpoints(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => /^ckpt-(\d+)$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]));
}
