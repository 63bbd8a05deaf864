/**
 * Chat messages as environments and renderers see them (OpenAI-like roles; tool calls structured). Environments
 * speak only these; renderers turn them into tokens and sampled tokens back into them.
 */
export interface ToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

/**
 * A tool-call block the model wrote that is not a valid call (bad JSON, no name, arguments not an object). It is
 * kept in the message so the environment can answer it with an error, as BFCL would, instead of the renderer
 * dropping it or throwing.
 */
export interface InvalidToolCall {
  /** Position of the block among all of the message's tool-call blocks, valid ones included (0-based). */
  index: number;
  /** The block's text as written. */
  raw: string;
  /** Why it is not a call. */
  error: string;
}

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | AssistantMessage
  /** A tool's result, in call order; consecutive tool messages are rendered as one block. */
  | { role: 'tool'; content: string };

export interface AssistantMessage {
  role: 'assistant';
  content: string;
  /** Valid calls, in the order written. */
  toolCalls?: readonly ToolCall[];
  /** Blocks that are not valid calls; `index` places them among the valid ones. */
  invalidToolCalls?: readonly InvalidToolCall[];
}

/** A tool schema as the model should read it, e.g. OpenAI's `{"type": "function", "function": {...}}`. */
export type ToolSpec = Readonly<Record<string, unknown>>;

/** The message's tool-call blocks in the order written: valid calls and invalid blocks interleaved by index. */
export function toolCallBlocksInOrder(msg: AssistantMessage): Array<{ call: ToolCall } | { invalid: InvalidToolCall }> {
  const valid = msg.toolCalls ?? [];
  const invalid = [...(msg.invalidToolCalls ?? [])].sort((a, b) => a.index - b.index);
  const out: Array<{ call: ToolCall } | { invalid: InvalidToolCall }> = [];
  let v = 0;
  for (const bad of invalid) {
    while (out.length < bad.index && v < valid.length) out.push({ call: valid[v++]! });
    out.push({ invalid: bad });
  }
  while (v < valid.length) out.push({ call: valid[v++]! });
  return out;
}
