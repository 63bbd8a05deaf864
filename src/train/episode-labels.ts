import type { Episode } from '../rollout/episodes.js';
import type { TaskSource } from './task-source.js';

/** The share of episodes under each label of the source's `episodeLabel` (labels in first-seen order), or null without one. */
export function episodeLabelShares(source: TaskSource, episodes: readonly Episode[]): Record<string, number> | null {
  if (!source.episodeLabel || episodes.length === 0) return null;
  const counts = new Map<string, number>();
  for (const e of episodes) {
    const label = source.episodeLabel(e.messages);
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return Object.fromEntries([...counts].map(([label, n]) => [label, n / episodes.length]));
}
