/**
 * The env-service wire format (AgentEvolver's env service): messages as `{role, content}` objects, an assistant
 * message with OpenAI-style `tool_calls`. An assistant action comes in one of two forms:
 * - structured: `{role: 'assistant', content, tool_calls: [{type: 'function', function: {name, arguments}}],
 *   invalid_tool_calls?: [{index, raw, error}]}` — exactly the renderer's parsed message, what `HttpEnv` sends;
 * - text: `{role: 'assistant', content}` with Qwen-style `<tool_call>` blocks in the content, as AgentEvolver's
 *   Python environments take it; the service parses the blocks as the ChatML renderer does.
 */
import { z } from 'zod';
import type { AssistantMessage, ChatMessage, ToolCall } from '../core/messages.js';
import { toolCallBlocksInOrder } from '../core/messages.js';
import { parseAssistantMessage } from '../policy/chat/parse.js';
import { toolCallText } from '../policy/chat/render-text.js';
import { TOOL_CALL_CLOSE, TOOL_CALL_OPEN } from '../policy/tokenizer/special-tokens.js';
import { assistantMessage } from '../render/chatml.js';

export interface WireMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  tool_calls?: WireToolCall[];
  invalid_tool_calls?: Array<{ index: number; raw: string; error: string }>;
}

export interface WireToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

const wireToolCall = z.object({
  id: z.string().optional(),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string().min(1), arguments: z.union([z.string(), z.record(z.string(), z.unknown())]) }),
});

export const assistantActionSchema = z.object({
  role: z.literal('assistant'),
  content: z.string().nullish(),
  tool_calls: z.array(wireToolCall).optional(),
  invalid_tool_calls: z.array(z.strictObject({ index: z.number().int().min(0), raw: z.string(), error: z.string() })).optional(),
});
export type AssistantAction = z.output<typeof assistantActionSchema>;

export function toWire(m: ChatMessage): WireMessage {
  if (m.role !== 'assistant') return { role: m.role, content: m.content };
  return { role: 'assistant', ...structuredAction(m) };
}

/** The structured action for a parsed assistant message (tool-call ids are their positions). */
export function structuredAction(m: AssistantMessage): Omit<WireMessage, 'role'> {
  const out: Omit<WireMessage, 'role'> = { content: m.content };
  out.tool_calls = (m.toolCalls ?? []).map((c, i) => ({ id: `call_${i}`, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } }));
  if ((m.invalidToolCalls ?? []).length > 0) out.invalid_tool_calls = m.invalidToolCalls!.map((b) => ({ index: b.index, raw: b.raw, error: b.error }));
  return out;
}

/** The message as Qwen-style text, the tool-call blocks in the order written. */
export function actionText(m: AssistantMessage): string {
  const blocks = toolCallBlocksInOrder(m).map((b) => ('call' in b ? toolCallText(b.call) : `${TOOL_CALL_OPEN}${b.invalid.raw}${TOOL_CALL_CLOSE}`));
  return [m.content, ...blocks].filter((s) => s.length > 0).join('\n');
}

/** The assistant message an action stands for; an argument string that is not a JSON object is a UserError-like message. */
export function fromAction(a: AssistantAction): AssistantMessage | { error: string } {
  if (a.tool_calls === undefined) return assistantMessage(parseAssistantMessage(a.content ?? ''));
  const toolCalls: ToolCall[] = [];
  for (const [i, c] of a.tool_calls.entries()) {
    let args: unknown = c.function.arguments;
    if (typeof args === 'string') {
      try {
        args = JSON.parse(args);
      } catch (e) {
        return { error: `tool_calls.${i}.function.arguments is not valid JSON: ${(e as Error).message}` };
      }
    }
    if (typeof args !== 'object' || args === null || Array.isArray(args)) return { error: `tool_calls.${i}.function.arguments must be a JSON object` };
    toolCalls.push({ name: c.function.name, arguments: args as Record<string, unknown> });
  }
  return { role: 'assistant', content: a.content ?? '', toolCalls, invalidToolCalls: a.invalid_tool_calls ?? [] };
}

/** A wire message back into a chat message (the roles the environment answers with). */
export function fromWire(m: unknown, where: string): ChatMessage {
  const r = m as { role?: unknown; content?: unknown };
  if (typeof r !== 'object' || r === null || typeof r.content !== 'string') throw new Error(`${where}: not a {role, content} message: ${JSON.stringify(m)?.slice(0, 200)}`);
  if (r.role === 'system' || r.role === 'user' || r.role === 'tool') return { role: r.role, content: r.content };
  if (r.role === 'assistant') return { role: 'assistant', content: r.content };
  throw new Error(`${where}: unknown role ${JSON.stringify(r.role)}`);
}
