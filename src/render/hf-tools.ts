import { pythonJson } from '../core/python-json.js';
import { toolCallBlocksInOrder, type AssistantMessage, type InvalidToolCall, type ToolCall } from '../core/messages.js';
import { UserError } from '../core/errors.js';
import { parseAssistantMessage } from '../policy/chat/parse.js';
import type { Tokenizer } from '../policy/tokenizer/tokenizer.js';
import { assistantMessage } from './chatml.js';

/**
 * How a model family writes tool calls in its own text: parsed back into a structured message for the environment
 * (malformed blocks become `invalidToolCalls`, never exceptions), and written out for assistant messages given as
 * history or as demonstrations.
 */
export interface ToolCallFormat {
  readonly name: string;
  /** The message in the text the model wrote (its stop token excluded). */
  parse(text: string): AssistantMessage;
  /** The text the model writes for the message, before its stop token. */
  write(message: AssistantMessage): string;
}

const TOOL_CALL_OPEN = '<tool_call>';
const TOOL_CALL_CLOSE = '</tool_call>';

/**
 * Qwen 3 (and Qwen 2.5, Hermes): `<tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>` blocks after the
 * content; `<think>` blocks are reasoning and calls inside them are not calls (src/policy/chat/parse.ts). `write`
 * gives exactly what Qwen 3's template renders for a message with structured tool calls.
 */
export const QWEN_TOOL_CALLS: ToolCallFormat = {
  name: 'qwen',
  parse: (text) => assistantMessage(parseAssistantMessage(text)),
  write(message) {
    let out = message.content;
    for (const [i, block] of toolCallBlocksInOrder(message).entries()) {
      if (i > 0 || message.content.length > 0) out += '\n';
      out +=
        'call' in block
          ? `${TOOL_CALL_OPEN}\n{"name": "${block.call.name}", "arguments": ${pythonJson(block.call.arguments)}}\n${TOOL_CALL_CLOSE}`
          : `${TOOL_CALL_OPEN}${block.invalid.raw}${TOOL_CALL_CLOSE}`;
    }
    return out;
  },
};

const CALLS_BEGIN = '<｜tool▁calls▁begin｜>';
const CALLS_END = '<｜tool▁calls▁end｜>';
const CALL_BEGIN = '<｜tool▁call▁begin｜>';
const CALL_END = '<｜tool▁call▁end｜>';
const SEP = '<｜tool▁sep｜>';

/**
 * DeepSeek V3: content, then `<｜tool▁calls▁begin｜>`, calls separated by newlines, each
 * `<｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME\n```json\nARGS\n```<｜tool▁call▁end｜>`, then
 * `<｜tool▁calls▁end｜>` (which the parser does not require: the model's own template leaves it out after a
 * single call).
 */
export const DEEPSEEK_V3_TOOL_CALLS: ToolCallFormat = {
  name: 'deepseek-v3',
  parse(text) {
    const begin = text.indexOf(CALLS_BEGIN);
    if (begin < 0) return { role: 'assistant', content: text.trim(), toolCalls: [], invalidToolCalls: [] };
    let section = text.slice(begin + CALLS_BEGIN.length);
    let after = '';
    const end = section.indexOf(CALLS_END);
    if (end >= 0) {
      after = section.slice(end + CALLS_END.length);
      section = section.slice(0, end);
    }
    const toolCalls: ToolCall[] = [];
    const invalidToolCalls: InvalidToolCall[] = [];
    let pos = 0;
    for (let index = 0; ; index++) {
      const open = section.indexOf(CALL_BEGIN, pos);
      if (open < 0) {
        const rest = section.slice(pos).trim();
        // A calls section with no call in it, or text where the next call should begin: one invalid block.
        if (rest.length > 0 || index === 0) {
          invalidToolCalls.push({ index, raw: section.slice(pos), error: `expected ${CALL_BEGIN} in the tool-calls section` });
        }
        break;
      }
      const bodyStart = open + CALL_BEGIN.length;
      const close = section.indexOf(CALL_END, bodyStart);
      const raw = section.slice(bodyStart, close < 0 ? section.length : close);
      if (close < 0) invalidToolCalls.push({ index, raw, error: `${CALL_BEGIN} is not closed by ${CALL_END}` });
      else {
        const call = parseDeepSeekCall(raw);
        if ('error' in call) invalidToolCalls.push({ index, raw, error: call.error });
        else toolCalls.push(call);
      }
      if (close < 0) break;
      pos = close + CALL_END.length;
    }
    return { role: 'assistant', content: (text.slice(0, begin) + after).trim(), toolCalls, invalidToolCalls };
  },
  write(message) {
    const blocks = toolCallBlocksInOrder(message).map((block) =>
      'call' in block
        ? `${CALL_BEGIN}function${SEP}${block.call.name}\n\`\`\`json\n${pythonJson(block.call.arguments)}\n\`\`\`${CALL_END}`
        : `${CALL_BEGIN}${block.invalid.raw}${CALL_END}`,
    );
    return blocks.length === 0 ? message.content : `${message.content}${CALLS_BEGIN}${blocks.join('\n')}${CALLS_END}`;
  },
};

/** One call's body: `function<｜tool▁sep｜>NAME\n```json\nARGS\n````, ARGS a JSON object. */
function parseDeepSeekCall(body: string): ToolCall | { error: string } {
  const sep = body.indexOf(SEP);
  if (sep < 0) return { error: `no ${SEP} between the call's type and name` };
  const type = body.slice(0, sep).trim();
  if (type !== 'function') return { error: `the call's type is ${JSON.stringify(type)}, not "function"` };
  const rest = body.slice(sep + SEP.length);
  const m = /^([^\n]*)\n```json\n([\s\S]*)\n```\s*$/.exec(rest);
  if (!m) return { error: 'a call is NAME, a newline, then its arguments in a ```json block' };
  const name = m[1]!.trim();
  if (name.length === 0) return { error: 'the call has an empty name' };
  let args: unknown;
  try {
    args = JSON.parse(m[2]!);
  } catch (err) {
    return { error: `invalid JSON in the arguments of ${JSON.stringify(name)}: ${(err as Error).message}` };
  }
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    return { error: `the arguments of ${JSON.stringify(name)} must be a JSON object` };
  }
  return { name, arguments: args as Record<string, unknown> };
}

/** The format of a model, told by its tool-call special tokens. */
export function detectToolCallFormat(tokenizer: Tokenizer, origin: string): ToolCallFormat {
  if (tokenizer.specialTokenId(CALLS_BEGIN) !== undefined) return DEEPSEEK_V3_TOOL_CALLS;
  if (tokenizer.specialTokenId(TOOL_CALL_OPEN) !== undefined) return QWEN_TOOL_CALLS;
  throw new UserError(
    `${origin}: the tokenizer has neither ${TOOL_CALL_OPEN} (Qwen 3) nor ${CALLS_BEGIN} (DeepSeek V3), the tool-call formats the hf renderer parses`,
  );
}
