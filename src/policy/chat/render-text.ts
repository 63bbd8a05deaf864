import {
  IM_END,
  IM_START,
  TOOL_CALL_CLOSE,
  TOOL_CALL_OPEN,
  TOOL_RESPONSE_CLOSE,
  TOOL_RESPONSE_OPEN,
  toolCallHead,
} from '../tokenizer/special-tokens.js';
import type { ChatMessage, ToolCall, ToolSpec } from './messages.js';
import { pythonJson } from './python-json.js';

/**
 * The chat template as text: ChatML blocks with Qwen 2.5's tool format. For a conversation with a system message
 * this is byte-for-byte what Qwen 2.5's Jinja template renders; without a system message we write no default system
 * prompt (Qwen writes "You are Qwen, created by Alibaba Cloud..."), to keep a small model's context short.
 *
 * Every block starts with `<|im_start|>` and ends with `<|im_end|>\n`, so blocks meet at special tokens and each can
 * be tokenized on its own: tokens of the whole text = concatenated tokens of the blocks.
 */

/** What the template writes before every assistant message; the sampled tokens follow it. */
export const ASSISTANT_HEADER = `${IM_START}assistant\n`;

/** Closes an assistant message that ended with `<|im_end|>`: a newline the model did not generate. */
export const AFTER_IM_END = '\n';

/** The tools section that Qwen 2.5 appends to the system prompt. */
export function toolsSection(tools: readonly ToolSpec[]): string {
  return (
    '# Tools\n\nYou may call one or more functions to assist with the user query.\n\n' +
    'You are provided with function signatures within <tools></tools> XML tags:\n<tools>' +
    tools.map((t) => `\n${pythonJson(t)}`).join('') +
    '\n</tools>\n\nFor each function call, return a json object with function name and arguments within ' +
    `${TOOL_CALL_OPEN}${TOOL_CALL_CLOSE} XML tags:\n${TOOL_CALL_OPEN}\n{"name": <function-name>, "arguments": <args-json-object>}\n` +
    TOOL_CALL_CLOSE
  );
}

/** The first block: the system prompt and the tools section; empty when there is neither. */
export function systemBlock(system: string | null, tools: readonly ToolSpec[]): string {
  const parts: string[] = [];
  if (system !== null) parts.push(system);
  if (tools.length > 0) parts.push(toolsSection(tools));
  if (parts.length === 0) return '';
  return `${IM_START}system\n${parts.join('\n\n')}${IM_END}\n`;
}

export function toolCallText(call: ToolCall): string {
  return `${TOOL_CALL_OPEN}\n${toolCallHead(call.name)}${pythonJson(call.arguments)}}\n${TOOL_CALL_CLOSE}`;
}

/**
 * An assistant message as the model writes it after ASSISTANT_HEADER, through its closing `<|im_end|>`:
 * content, then each call on its own lines (Qwen 2.5: calls are preceded by a newline unless the content is empty).
 */
export function assistantResponseText(message: { content: string; toolCalls?: readonly ToolCall[] }): string {
  const calls = message.toolCalls ?? [];
  const pieces = [message.content, ...calls.map(toolCallText)];
  const body = message.content.length > 0 ? pieces.join('\n') : pieces.slice(1).join('\n');
  return `${body}${IM_END}`;
}

/** One block per message, consecutive tool results grouped into one user block (Qwen 2.5). */
export function messageBlocks(messages: readonly ChatMessage[]): string[] {
  const blocks: string[] = [];
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    switch (m.role) {
      case 'system':
      case 'user':
        blocks.push(`${IM_START}${m.role}\n${m.content}${IM_END}\n`);
        break;
      case 'assistant':
        blocks.push(`${ASSISTANT_HEADER}${assistantResponseText(m)}${AFTER_IM_END}`);
        break;
      case 'tool': {
        let block = `${IM_START}user`;
        for (; i < messages.length && messages[i]!.role === 'tool'; i++) {
          block += `\n${TOOL_RESPONSE_OPEN}\n${messages[i]!.content}\n${TOOL_RESPONSE_CLOSE}`;
        }
        i--;
        blocks.push(`${block}${IM_END}\n`);
        break;
      }
    }
  }
  return blocks;
}

export interface RenderOptions {
  tools?: readonly ToolSpec[];
  /** End with ASSISTANT_HEADER, the prompt for the next assistant message. */
  addGenerationPrompt?: boolean;
}

/** The whole conversation as text (the first message, when it is a system message, carries the tools section). */
export function renderChatText(messages: readonly ChatMessage[], opts: RenderOptions = {}): string {
  const first = messages[0];
  const hasSystem = first !== undefined && first.role === 'system';
  const head = systemBlock(hasSystem ? first.content : null, opts.tools ?? []);
  const rest = messageBlocks(hasSystem ? messages.slice(1) : messages).join('');
  return head + rest + (opts.addGenerationPrompt ? ASSISTANT_HEADER : '');
}
