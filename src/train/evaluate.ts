import { playEpisodes, type Episode, type EpisodeSpec, type RolloutOptions } from '../rollout/episodes.js';
import type { BfclEntry } from '../envs/bfcl/data.js';
import { episodeLabelShares } from './episode-labels.js';
import type { Split, TaskSource } from './task-source.js';

export interface SplitEvaluation {
  split: Split;
  n: number;
  /** Task success with greedy decoding. */
  greedy: number;
  /** Samples per task at temperature 1 for the two below (0: not measured). */
  k: number;
  /** Share of tasks solved by at least one of k samples. */
  passAtK: number | null;
  /** Mean success over the k samples (the SeeUPO paper's avg@k). */
  avgAtK: number | null;
  /** Failed episodes (environment errors), excluded from none of the rates: a failed episode is a failure here. */
  failed: number;
  /** Shares of the source's episode labels (the trap family's early choice) among the greedy and the sampled episodes; null without labels. */
  labels: { greedy: Record<string, number>; sampled: Record<string, number> | null } | null;
  /** The greedy episodes, for transcripts. */
  episodes: Episode[];
}

export interface EvaluateOptions {
  source: TaskSource;
  split: Split;
  /** Task indices of the split to evaluate on. */
  first: number;
  n: number;
  k: number;
  seed: number;
  rollout: Omit<RolloutOptions<BfclEntry>, 'temperature' | 'seed'>;
}

/** Greedy success on n tasks of a split, and pass@k / avg@k with k samples per task at temperature 1. */
export async function evaluateSplit(opts: EvaluateOptions): Promise<SplitEvaluation> {
  const { source, split, first, n, k } = opts;
  const tasks = Array.from({ length: n }, (_, i) => source.task(split, first + i));
  const specs = (copies: number): EpisodeSpec<BfclEntry>[] =>
    tasks.flatMap((t) => Array.from({ length: copies }, (_, c) => ({ id: `eval:${t.id}:${c}`, taskId: t.id, groupId: t.id, task: t.entry })));
  const greedy = await playEpisodes(specs(1), { ...opts.rollout, temperature: 0, seed: opts.seed });
  let passAtK: number | null = null;
  let avgAtK: number | null = null;
  let failed = greedy.filter((e) => e.trajectory.status === 'failed').length;
  const greedyLabels = episodeLabelShares(source, greedy);
  let sampledLabels: Record<string, number> | null = null;
  if (k > 0) {
    const sampled = await playEpisodes(specs(k), { ...opts.rollout, temperature: 1, seed: opts.seed + 1 });
    failed += sampled.filter((e) => e.trajectory.status === 'failed').length;
    sampledLabels = episodeLabelShares(source, sampled);
    let pass = 0;
    let wins = 0;
    for (let i = 0; i < n; i++) {
      const mine = sampled.slice(i * k, (i + 1) * k);
      const w = mine.filter((e) => e.success).length;
      wins += w;
      if (w > 0) pass++;
    }
    passAtK = pass / n;
    avgAtK = wins / (n * k);
  }
  const labels = greedyLabels ? { greedy: greedyLabels, sampled: sampledLabels } : null;
  return { split, n, greedy: greedy.filter((e) => e.success).length / n, k, passAtK, avgAtK, failed, labels, episodes: greedy };
}
