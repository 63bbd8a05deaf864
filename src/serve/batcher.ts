import type { Rng } from '../core/rng.js';
import type { Learner, SampleOutput, SampleParams } from '../policy/learner.js';

/** Sampling settings of one request; `seed` absent when the client gave none. */
export interface JobParams extends Omit<SampleParams, 'seed'> {
  seed?: number;
}

interface Job {
  readonly prompts: readonly Int32Array[];
  readonly params: JobParams;
  readonly resolve: (out: SampleOutput[]) => void;
  readonly reject: (err: unknown) => void;
}

interface Task {
  readonly run: () => Promise<void>;
}

export interface BatcherOptions {
  /** Most prompt rows in one `Learner.sample` call. */
  maxBatchRows: number;
  /** Draws the seed of batches whose requests gave none. */
  rng: Rng;
}

/**
 * Runs concurrent requests through one learner, one call at a time, batching compatible requests into one
 * `Learner.sample` call. A request's result never depends on what it was batched with:
 * - greedy requests (temperature 0) draw nothing, so any greedy requests with the same limits share a call;
 * - requests without a seed share a call whose seed the server draws;
 * - a sampled request with a seed runs alone, its prompts as rows 0, 1, ... — exactly `learner.sample(prompts,
 *   {seed})` in-process, since `Learner.sample` draws row i from `Rng(seed).fork('sample:' + i)`.
 * Other work on the learner (scoring for top log-probs) runs through `exclusive`, in the same line.
 */
export class SampleBatcher {
  private readonly queue: Array<Job | Task> = [];
  private running = false;
  /** `Learner.sample` calls made and rows sampled, for the load test's figures. */
  readonly stats = { calls: 0, rows: 0, maxRowsPerCall: 0 };

  constructor(
    private readonly learner: Learner,
    private readonly opts: BatcherOptions,
  ) {}

  sample(prompts: readonly Int32Array[], params: JobParams): Promise<SampleOutput[]> {
    if (prompts.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ prompts, params, resolve, reject });
      this.pump();
    });
  }

  /** Runs `fn` with the learner to itself (no sampling call overlaps it). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise((resolve, reject) => {
      this.queue.push({ run: () => fn().then(resolve, reject) });
      this.pump();
    });
  }

  private pump(): void {
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    void this.runNext().finally(() => {
      this.running = false;
      this.pump();
    });
  }

  private async runNext(): Promise<void> {
    const first = this.queue.shift()!;
    if ('run' in first) return first.run();
    const jobs = [first];
    let rows = first.prompts.length;
    if (batchable(first.params)) {
      for (let i = 0; i < this.queue.length; ) {
        const other = this.queue[i]!;
        if ('prompts' in other && rows + other.prompts.length <= this.opts.maxBatchRows && compatible(first.params, other.params)) {
          jobs.push(other);
          rows += other.prompts.length;
          this.queue.splice(i, 1);
        } else i++;
      }
    }
    const seed = first.params.seed ?? this.opts.rng.nextUint32();
    const prompts = jobs.flatMap((j) => j.prompts);
    const { seed: _, ...shared } = first.params;
    try {
      const out = await this.learner.sample(prompts, { ...shared, seed });
      this.stats.calls++;
      this.stats.rows += prompts.length;
      this.stats.maxRowsPerCall = Math.max(this.stats.maxRowsPerCall, prompts.length);
      let at = 0;
      for (const j of jobs) {
        j.resolve(out.slice(at, at + j.prompts.length));
        at += j.prompts.length;
      }
    } catch (err) {
      for (const j of jobs) j.reject(err);
    }
  }
}

function batchable(p: JobParams): boolean {
  return p.temperature === 0 || p.seed === undefined;
}

function compatible(a: JobParams, b: JobParams): boolean {
  if (!batchable(b)) return false;
  if (a.maxTokens !== b.maxTokens || (a.topP ?? 1) !== (b.topP ?? 1) || (a.temperature ?? 1) !== (b.temperature ?? 1)) return false;
  // Greedy requests ignore their seeds; sampled ones here have none.
  const sa = a.stopTokens ?? [];
  const sb = b.stopTokens ?? [];
  return sa.length === sb.length && sa.every((t, i) => t === sb[i]);
}
