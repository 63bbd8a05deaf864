/**
 * OpenAI chat messages ↔ the renderer's messages and tokens. The prompt is the renderer's conversation of the
 * request's messages and tools; each sampled answer is parsed by the renderer back into content and tool calls.
 */
import type { ChatMessage, ToolCall, ToolSpec } from '../core/messages.js';
import type { SampleOutput } from '../policy/learner.js';
import type { Renderer } from '../render/renderer.js';
import { HttpError } from './http.js';
import type { OpenAIChatMessage } from './requests.js';
import { cutAtStopString, firstStop } from './stop-strings.js';

function textOf(content: string | ReadonlyArray<{ text: string }> | null | undefined): string {
  if (content === null || content === undefined) return '';
  return typeof content === 'string' ? content : content.map((p) => p.text).join('');
}

export function toChatMessages(messages: readonly OpenAIChatMessage[]): ChatMessage[] {
  return messages.map((m, i): ChatMessage => {
    switch (m.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: textOf(m.content) };
      case 'user':
        return { role: 'user', content: textOf(m.content) };
      case 'tool':
        return { role: 'tool', content: textOf(m.content) };
      case 'assistant': {
        const toolCalls = (m.tool_calls ?? []).map((c, j): ToolCall => ({ name: c.function.name, arguments: callArguments(c.function.arguments, `messages.${i}.tool_calls.${j}`) }));
        return toolCalls.length > 0 ? { role: 'assistant', content: textOf(m.content), toolCalls } : { role: 'assistant', content: textOf(m.content) };
      }
    }
  });
}

function callArguments(text: string, at: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `${at}.function.arguments is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, `${at}.function.arguments must be a JSON object`);
  return value as Record<string, unknown>;
}

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatAnswer {
  message: { role: 'assistant'; content: string | null; tool_calls?: OpenAIToolCall[] };
  finishReason: 'stop' | 'length' | 'tool_calls';
  /** The sampled tokens the answer stands for (cut after a stop string) and their log-probs. */
  tokens: Int32Array;
  logprobs: Float32Array;
}

/**
 * One sampled output as an OpenAI assistant message. Tool-call blocks the renderer could not parse stay in the
 * content as the model wrote them, so a client sees everything the model said.
 */
export function chatAnswer(
  renderer: Renderer,
  messages: readonly ChatMessage[],
  tools: readonly ToolSpec[],
  out: SampleOutput,
  stops: readonly string[],
  callIdPrefix: string,
): ChatAnswer {
  const cut = cutAtStopString(out.tokens, (ids) => renderer.decode(ids), stops);
  const tokens = cut ? out.tokens.slice(0, cut.keep) : out.tokens;
  const logprobs = cut ? out.logprobs.slice(0, cut.keep) : out.logprobs;
  const conv = renderer.conversation(tools);
  conv.add(...messages);
  conv.promptTokens();
  const parsed = conv.addSampled(tokens, logprobs).message;
  let content = [parsed.content, ...(parsed.invalidToolCalls ?? []).map((b) => b.raw)].filter((s) => s.length > 0).join('\n');
  if (cut) content = content.slice(0, firstStop(content, stops) ?? content.length);
  const calls = (parsed.toolCalls ?? []).map((c, i): OpenAIToolCall => ({
    id: `${callIdPrefix}_${i}`,
    type: 'function',
    function: { name: c.name, arguments: JSON.stringify(c.arguments) },
  }));
  const finishReason = cut ? 'stop' : out.finishReason === 'length' ? 'length' : calls.length > 0 ? 'tool_calls' : 'stop';
  const message: ChatAnswer['message'] = { role: 'assistant', content: content.length > 0 || calls.length === 0 ? content : null };
  if (calls.length > 0) message.tool_calls = calls;
  return { message, finishReason, tokens, logprobs };
}
