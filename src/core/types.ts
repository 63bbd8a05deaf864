/**
 * The data model. A Trajectory is one episode of one task; each of its Turns is one policy call, and each
 * Turn is its own training sample (seeupo.md §1). Samples are addressed by (trajectory id, turn index) and
 * never by row position (seeupo.md §6, mistake 2).
 */

export type TrajectoryStatus =
  /** Finished normally; its reward is the environment's verdict. */
  | 'ok'
  /** Hit the turn or call budget; reward still comes from the environment's verdict. */
  | 'truncated'
  /** The environment or the rollout failed; the reward means nothing and the trajectory is never trained on. */
  | 'failed';

export interface Turn {
  /** Position of this policy call in its trajectory: 0, 1, 2, ... with no gaps. */
  readonly index: number;
  /** Tokens the policy read before writing (prompt, earlier turns, tool results). */
  readonly contextTokens: readonly number[];
  /** Tokens of the assistant message, including template tokens (those have loss mask 0). */
  readonly responseTokens: readonly number[];
  /** Behaviour policy's log-prob of each response token (same length as responseTokens). */
  readonly behaviourLogprobs: readonly number[];
  /** 1 exactly on the tokens the model generated, 0 on template or padding tokens. */
  readonly lossMask: readonly number[];
}

export interface Trajectory {
  readonly id: string;
  readonly taskId: string;
  /** Trajectories of one group are rollouts of the same task in the same iteration (for group baselines). */
  readonly groupId: string;
  readonly turns: readonly Turn[];
  readonly reward: number;
  readonly status: TrajectoryStatus;
  /**
   * Probability weight of this trajectory in its batch (default 1). The exact lab sets it to the joint action's
   * probability, so every mean over trajectories becomes an exact expectation.
   */
  readonly weight?: number;
  /** Why the trajectory failed, when status is 'failed'. */
  readonly error?: string;
}

/** The address of one turn sample. */
export interface TurnKey {
  readonly trajectoryId: string;
  readonly turnIndex: number;
}

export function turnKeyString(key: TurnKey): string {
  return `${key.trajectoryId}#${key.turnIndex}`;
}
