import type { AssistantMessage, ChatMessage } from '../../core/messages.js';
import { BfclEnv } from '../bfcl/env.js';
import type { BfclEntry } from '../bfcl/data.js';
import type { Env } from '../env.js';
import type { TaskSpec } from './generate.js';

/**
 * The ground truth played as an episode through an environment (a fresh `BfclEnv` unless one is given): reset, then
 * per user turn one assistant message per step carrying that step's calls (content ''), then an assistant message
 * with no calls (content '') that ends the turn. Returns every message in order: system, user, assistant, tool.
 * Pass an env to read its evaluation afterwards; pass `steps` to play another path (a trap task's `trap.trapSteps`).
 */
export async function demonstration(task: TaskSpec, env: Env<BfclEntry> = new BfclEnv(), steps = task.steps): Promise<ChatMessage[]> {
  const messages: ChatMessage[] = [...(await env.reset(task.entry)).messages];
  const send = async (assistant: AssistantMessage): Promise<boolean> => {
    messages.push(assistant);
    const step = await env.step(assistant);
    messages.push(...step.messages);
    return step.done;
  };
  for (const [turn, turnSteps] of steps.entries()) {
    for (const toolCalls of turnSteps) {
      if (await send({ role: 'assistant', content: '', toolCalls })) throw new Error(`${task.id}: episode ended in turn ${turn}`);
    }
    const done = await send({ role: 'assistant', content: '' });
    if (done !== (turn === steps.length - 1)) throw new Error(`${task.id}: episode ${done ? 'ended early' : 'did not end'} at turn ${turn}`);
  }
  return messages;
}

/** The steps a task's SFT demonstration plays: the ground truth, or for a trap task the path it was drawn to show. */
export function demonstratedSteps(task: TaskSpec): TaskSpec['steps'] {
  return task.trap?.demonstrated === 'trap' ? task.trap.trapSteps : task.steps;
}

/** The episode SFT learns from: `demonstration` of `demonstratedSteps` (a trap task's trap path scores 0). */
export function sftDemonstration(task: TaskSpec, env: Env<BfclEntry> = new BfclEnv()): Promise<ChatMessage[]> {
  return demonstration(task, env, demonstratedSteps(task));
}
