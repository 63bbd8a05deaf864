/** What the trainer's phases (SFT, RL, evaluations) share: the run's state, its context, and derived seeds. */
import { Rng } from '../core/rng.js';
import type { BfclEntry } from '../envs/bfcl/data.js';
import type { Learner } from '../policy/learner.js';
import type { Renderer } from '../render/index.js';
import type { RolloutOptions } from '../rollout/episodes.js';
import type { RolloutPolicy } from '../rollout/policy.js';
import type { TrainConfig } from './config.js';
import type { LearnedCritic } from './critic.js';
import type { RlRollouts } from './rollout-server.js';
import type { RunDir } from './run-dir.js';
import type { TaskSource } from './task-source.js';

/** The folder of an RL checkpoint that holds the critic's weights and optimizer state (algorithms with GAE). */
export const CRITIC_DIR = 'critic';

/** Validation tasks are test-distribution tasks from this index on: disjoint from the evaluation tasks (0, 1, ...). */
export const VALIDATION_OFFSET = 1_000_000;

/** Where a run stands; saved with every checkpoint, so a resumed run continues exactly. */
export interface TrainerState {
  phase: 'sft' | 'rl' | 'done';
  sftStep: number;
  bestValidation: number;
  bestStep: number;
  evalsWithoutImprovement: number;
  rlIteration: number;
  metricsLines: number;
  wallS: number;
  cpuS: number;
  sftResult: { test: number; heldout: number } | null;
  rlResult: { test: number; heldout: number } | null;
  /** SHA-256 of the weights file `init` named, as loaded (null: random initial weights). */
  initSha256?: string | null;
}

/** What a long run tells the person watching it. */
export interface TrainProgress {
  start(phase: 'sft' | 'rl' | 'eval', total: number, done: number): void;
  update(done: number, info: Record<string, number | string>): void;
  log(line: string): void;
  stop(): void;
}

export interface PhaseContext {
  config: TrainConfig;
  source: TaskSource;
  renderer: Renderer;
  learner: Learner;
  policy: RolloutPolicy;
  rlRollouts: RlRollouts;
  run: RunDir;
  progress: TrainProgress;
  rolloutBase: Omit<RolloutOptions<BfclEntry>, 'temperature' | 'seed'>;
  metric: (record: Record<string, unknown>) => void;
  wall: () => number;
  cpu: () => number;
  saveModel: (name: string) => Promise<string>;
  /** Writes a resumable checkpoint of the run (with the critic's state, when the algorithm has one). */
  checkpoint: (critic?: LearnedCritic) => Promise<void>;
  /** The checkpoint this process resumed from, or null. */
  resumedFrom: string | null;
  shouldStop: () => boolean;
}

/** A seed for one labelled use, derived from the run's seed (stateless, so resumed runs draw the same). */
export function seedFor(seed: number, label: string): number {
  return new Rng(seed).fork(label).int(0x7fffffff);
}
