import { z } from 'zod';

/** Classes that only add tools: involved in a task (so their tools are listed and callable), never needed. */
export const DISTRACTOR_CLASSES = ['TicketAPI', 'MathAPI'] as const;

/** The task families: `default` (docs/tasks.md) and `trap`, where an early choice decides a later turn (src/envs/tasks/trap.ts). */
export const TASK_FAMILIES = ['default', 'trap'] as const;
export type TaskFamily = (typeof TASK_FAMILIES)[number];

/** Knobs of the default family that the trap family has no use for: a trap config must leave them at their defaults. */
const DEFAULT_FAMILY_ONLY = ['actionsPerTurn', 'resultDependentShare', 'crossTurnShare'] as const;

/**
 * The task generator's knobs. Strict (an unknown key is an error), with defaults sized for a small model trained
 * from scratch: two short user turns, one request each, half of the turns reading an earlier tool result.
 * A knob that one family does not read must stay at its default there (an error otherwise, so no setting is silently
 * ignored).
 */
const knobsObject = z.strictObject({
  /** Which generator: `default`, or `trap` (an early "list files" whose complete answer the last turn needs). */
  family: z.enum(TASK_FAMILIES).default('default'),
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
  /**
   * Trap family: the share of SFT demonstrations that take the good early action (`ls(a=True)`); the others take the
   * obvious `ls()` and look again only in the last turn, which the checker scores 0.
   */
  trapDemoShare: z.number().min(0).max(1).default(0.25),
});

const KNOB_DEFAULTS = knobsObject.parse({});

export const TaskKnobsSchema = knobsObject.superRefine((k, ctx) => {
  const unused = (key: keyof typeof KNOB_DEFAULTS, why: string): void => {
    if (k[key] !== KNOB_DEFAULTS[key]) ctx.addIssue({ code: 'custom', path: [key], message: `${why} (leave it at ${String(KNOB_DEFAULTS[key])})` });
  };
  if (k.family === 'trap') {
    for (const key of DEFAULT_FAMILY_ONLY) unused(key, 'not used by family trap');
    if (k.userTurns < 2) ctx.addIssue({ code: 'custom', path: ['userTurns'], message: 'family trap needs at least 2 user turns (the early choice and the turn that needs it)' });
  } else {
    unused('trapDemoShare', 'used by family trap only');
  }
});

export type TaskKnobs = z.output<typeof TaskKnobsSchema>;

/** The defaults: what `seeupo train` generates when the config names no knobs. */
export const DEFAULT_TASK_KNOBS: TaskKnobs = TaskKnobsSchema.parse({});

/** The classes every task of these knobs involves, in order: the file system, MessageAPI, the distractors. */
export function involvedClasses(knobs: TaskKnobs): string[] {
  return ['GorillaFileSystem', ...(knobs.messaging ? ['MessageAPI'] : []), ...DISTRACTOR_CLASSES.slice(0, knobs.distractorClasses)];
}
