/**
 * Chat messages as the environments and the chat template see them (OpenAI-like roles; tool calls structured).
 */
export interface ToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: readonly ToolCall[] }
  /** A tool's result, in call order; consecutive tool messages are rendered as one block. */
  | { role: 'tool'; content: string };

/** A tool schema as the model should read it, e.g. OpenAI's `{"type": "function", "function": {...}}`. */
export type ToolSpec = Readonly<Record<string, unknown>>;
