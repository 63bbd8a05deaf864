import type { ChatMessage } from '../core/messages.js';
import type { BfclEntry } from '../envs/bfcl/data.js';
import type { Env } from '../envs/env.js';

export const SPLITS = ['train', 'test', 'heldout'] as const;
export type Split = (typeof SPLITS)[number];

/** One task the trainer plays: a BFCL-format entry, which BfclEnv plays and the BFCL checker scores. */
export interface TrainTask {
  readonly id: string;
  readonly split: Split;
  readonly entry: BfclEntry;
}

/**
 * Where the trainer's tasks come from: an unlimited, seeded stream per split, with ground-truth demonstrations.
 * Task `index` of a split is the same task whenever it is asked for (resumed runs replay the same tasks).
 */
export interface TaskSource {
  /** The API classes the tasks use: the tools the compact renderer gives a token each. */
  readonly classes: readonly string[];
  /** Every word that can appear in the tasks' text: one token each in the compact renderer. */
  readonly words: readonly string[];
  task(split: Split, index: number): TrainTask;
  /** The task solved by its ground truth, played through `env` (the trainer's), as the messages of an episode. */
  demonstration(task: TrainTask, env: Env<BfclEntry>): Promise<ChatMessage[]>;
  /**
   * What an episode did, as a label whose shares evaluations and RL iterations record (`episodeLabels`): the trap
   * family's early choice (good, trap, none). Absent where the tasks have no such label. Reads messages only.
   */
  episodeLabel?(messages: readonly ChatMessage[]): string;
}
