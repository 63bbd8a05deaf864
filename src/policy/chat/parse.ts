import { THINK_CLOSE, THINK_OPEN, TOOL_CALL_CLOSE, TOOL_CALL_OPEN } from '../tokenizer/special-tokens.js';
import type { ToolCall } from './messages.js';

/** A `<tool_call>` block that is not a valid call: reported to the environment as a value, never thrown. */
export interface ToolCallParseError {
  /** Position of the block among the message's tool-call blocks (0-based). */
  index: number;
  /** The block's text between the tags (or to the end of the message when the block is not closed). */
  raw: string;
  message: string;
}

export interface ParsedAssistantMessage {
  /** The message text without its reasoning and tool-call blocks, trimmed. */
  content: string;
  /** Text of the `<think>` blocks (joined by a newline), or null when there is none. */
  reasoning: string | null;
  /** Valid calls, in order. */
  toolCalls: ToolCall[];
  /** Invalid tool-call blocks, in order. */
  toolCallErrors: ToolCallParseError[];
}

/**
 * Splits an assistant message into text, reasoning and tool calls (Qwen style:
 * `<tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>`).
 *
 * Calls written inside reasoning are not calls (seeupo.md §6, mistake 5): `<think>…</think>` blocks are cut out
 * first; a `<think>` that is never closed runs to the end of the message; a `</think>` with no `<think>` before it
 * closes reasoning that began at the start of the message (templates that open the block in the prompt).
 */
export function parseAssistantMessage(text: string): ParsedAssistantMessage {
  const { visible, reasoning } = splitReasoning(text);
  const toolCalls: ToolCall[] = [];
  const toolCallErrors: ToolCallParseError[] = [];
  let content = '';
  let pos = 0;
  let index = 0;
  for (;;) {
    const open = visible.indexOf(TOOL_CALL_OPEN, pos);
    if (open < 0) {
      content += visible.slice(pos);
      break;
    }
    content += visible.slice(pos, open);
    const bodyStart = open + TOOL_CALL_OPEN.length;
    const close = visible.indexOf(TOOL_CALL_CLOSE, bodyStart);
    const raw = visible.slice(bodyStart, close < 0 ? visible.length : close);
    if (close < 0) toolCallErrors.push({ index, raw, message: `${TOOL_CALL_OPEN} is not closed by ${TOOL_CALL_CLOSE}` });
    else {
      const call = parseToolCallBody(raw);
      if ('message' in call) toolCallErrors.push({ index, raw, message: call.message });
      else toolCalls.push(call);
    }
    index++;
    if (close < 0) break;
    pos = close + TOOL_CALL_CLOSE.length;
  }
  return { content: content.trim(), reasoning: reasoning.length > 0 ? reasoning.join('\n') : null, toolCalls, toolCallErrors };
}

function splitReasoning(text: string): { visible: string; reasoning: string[] } {
  const reasoning: string[] = [];
  let visible = '';
  let pos = 0;
  const firstOpen = text.indexOf(THINK_OPEN);
  const firstClose = text.indexOf(THINK_CLOSE);
  if (firstClose >= 0 && (firstOpen < 0 || firstClose < firstOpen)) {
    reasoning.push(text.slice(0, firstClose).trim());
    pos = firstClose + THINK_CLOSE.length;
  }
  for (;;) {
    const open = text.indexOf(THINK_OPEN, pos);
    if (open < 0) {
      visible += text.slice(pos);
      break;
    }
    visible += text.slice(pos, open);
    const close = text.indexOf(THINK_CLOSE, open + THINK_OPEN.length);
    reasoning.push(text.slice(open + THINK_OPEN.length, close < 0 ? text.length : close).trim());
    if (close < 0) break;
    pos = close + THINK_CLOSE.length;
  }
  return { visible, reasoning };
}

/** One call's JSON: an object with a non-empty string `name` and an object `arguments` (absent means {}). */
export function parseToolCallBody(body: string): ToolCall | { message: string } {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    return { message: `invalid JSON in tool call: ${(err as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { message: 'a tool call must be a JSON object {"name": ..., "arguments": {...}}' };
  }
  const { name, arguments: args } = value as { name?: unknown; arguments?: unknown };
  if (typeof name !== 'string' || name.length === 0) return { message: 'a tool call needs a non-empty string "name"' };
  if (args === undefined) return { name, arguments: {} };
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    return { message: `the "arguments" of tool call ${JSON.stringify(name)} must be a JSON object` };
  }
  return { name, arguments: args as Record<string, unknown> };
}
