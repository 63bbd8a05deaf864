/**
 * The special tokens of the default byte-level tokenizer, and the tool-call scaffolding tokens that keep
 * episodes short for a small local model.
 */

/** End of text; also the padding token. */
export const END_OF_TEXT = '<|endoftext|>';
export const IM_START = '<|im_start|>';
export const IM_END = '<|im_end|>';
export const TOOL_CALL_OPEN = '<tool_call>';
export const TOOL_CALL_CLOSE = '</tool_call>';
export const TOOL_RESPONSE_OPEN = '<tool_response>';
export const TOOL_RESPONSE_CLOSE = '</tool_response>';
export const THINK_OPEN = '<think>';
export const THINK_CLOSE = '</think>';

/** Ids 256, 257, ... of the byte-level tokenizer, in this order (ids 0–255 are the bytes). */
export const DEFAULT_SPECIAL_TOKENS: readonly string[] = [
  END_OF_TEXT,
  IM_START,
  IM_END,
  TOOL_CALL_OPEN,
  TOOL_CALL_CLOSE,
  TOOL_RESPONSE_OPEN,
  TOOL_RESPONSE_CLOSE,
  THINK_OPEN,
  THINK_CLOSE,
];

/**
 * The text the chat template writes between `<tool_call>\n` and a call's argument object (Qwen style:
 * `{"name": "NAME", "arguments": ...}`). Added as a special token, a whole call head (scaffolding plus tool name)
 * is one token instead of ~25 bytes, and the model picks the tool with a single draw.
 */
export function toolCallHead(toolName: string): string {
  return `{"name": ${JSON.stringify(toolName)}, "arguments": `;
}

/** Extra special tokens for a set of tool names: one call head per tool (see toolCallHead). */
export function toolCallHeadTokens(toolNames: readonly string[]): string[] {
  return [...new Set(toolNames)].map(toolCallHead);
}
