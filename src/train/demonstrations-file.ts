import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { ChatMessage } from '../core/messages.js';
import { formatIssues } from '../core/config.js';
import { UserError } from '../core/errors.js';

const toolCall = z.strictObject({ name: z.string().min(1), arguments: z.record(z.string(), z.unknown()) });
const message = z.discriminatedUnion('role', [
  z.strictObject({ role: z.literal('system'), content: z.string() }),
  z.strictObject({ role: z.literal('user'), content: z.string() }),
  z.strictObject({ role: z.literal('assistant'), content: z.string(), toolCalls: z.array(toolCall).optional() }),
  z.strictObject({ role: z.literal('tool'), content: z.string() }),
]);
const line = z.strictObject({ messages: z.array(message).min(1) });

/**
 * Demonstrations from a JSONL file, one episode per line: `{"messages": [...]}` with the messages an environment
 * and a model exchanged (assistant calls as `toolCalls: [{name, arguments}]`). Every bad line is a UserError naming
 * the line, so no demonstration is dropped in silence.
 */
export function readDemonstrations(file: string): ChatMessage[][] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read demonstrations ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const out: ChatMessage[][] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      throw new UserError(`${file}:${i + 1}: not JSON (${(e as Error).message})`);
    }
    const parsed = line.safeParse(value);
    if (!parsed.success) throw new UserError(`${file}:${i + 1}: not a demonstration:\n${formatIssues(parsed.error.issues)}`);
    if (!parsed.data.messages.some((m) => m.role === 'assistant')) throw new UserError(`${file}:${i + 1}: no assistant message to learn from`);
    out.push(parsed.data.messages as ChatMessage[]);
  });
  if (out.length === 0) throw new UserError(`${file} holds no demonstrations`);
  return out;
}
