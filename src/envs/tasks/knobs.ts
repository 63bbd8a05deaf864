import { z } from 'zod';

/** Classes that only add tools: involved in a task (so their tools are listed and callable), never needed. */
export const DISTRACTOR_CLASSES = ['TicketAPI', 'MathAPI'] as const;

/**
 * The task generator's knobs. Strict (an unknown key is an error), with defaults sized for a small model trained
 * from scratch: two short user turns, one request each, half of the turns reading an earlier tool result.
 */
export const TaskKnobsSchema = z.strictObject({
  /** User turns per task. */
  userTurns: z.int().min(1).max(8).default(2),
  /**
   * Requests per user turn ("make folder temp and delete notes.txt" is two). Each request is one call, plus the
   * lookup call it reads when it depends on a result of the same turn.
   */
  actionsPerTurn: z.int().min(1).max(4).default(1),
  /** Distractor classes involved in every task (the first n of DISTRACTOR_CLASSES): tools listed, never needed. */
  distractorClasses: z.int().min(0).max(DISTRACTOR_CLASSES.length).default(0),
  /** Probability that a user turn depends on an earlier tool result (a copied value or a choice by property). */
  resultDependentShare: z.number().min(0).max(1).default(0.5),
  /**
   * Probability that a result-dependent turn that follows a literal turn reads a lookup made at the end of that turn
   * ("list files", then "move the pdf file to docs"); otherwise it makes its own lookup first, in the same turn.
   */
  crossTurnShare: z.number().min(0).max(1).default(0.5),
  /** Involve MessageAPI (its turns copy a user id from `get_user_id` into `send_message`). */
  messaging: z.boolean().default(true),
});

export type TaskKnobs = z.output<typeof TaskKnobsSchema>;

/** The defaults: what `seeupo train` generates when the config names no knobs. */
export const DEFAULT_TASK_KNOBS: TaskKnobs = TaskKnobsSchema.parse({});
