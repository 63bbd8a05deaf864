import type { AssistantMessage, ChatMessage, ToolSpec } from '../core/messages.js';
import type { Turn } from '../core/types.js';

/**
 * A renderer owns messages ↔ tokens for one model family (the Tinker cookbook's renderers): it builds each turn's
 * context, parses a sampled response back into an assistant message, and builds supervised examples. Environments
 * never see tokens; learners never see messages.
 *
 * Tokens in, tokens out: a conversation appends the sampled ids as they were drawn, never a re-tokenisation of their
 * text, so the context of turn k is the exact sampled tokens of the earlier turns plus the rendered environment
 * messages. Each turn stores its own context, so a renderer whose template rewrites history (Qwen 3 drops earlier
 * `<think>` blocks) can give a turn a context that is not the previous context plus the previous response.
 */
export interface SampledTurn extends Turn {
  /** The response parsed for the environment; malformed tool calls are kept as `invalidToolCalls`, never thrown. */
  readonly message: AssistantMessage;
  /** 'stop' when the model ended its message, 'length' when sampling hit the token limit. */
  readonly finishReason: 'stop' | 'length';
}

export interface Conversation {
  /** Appends environment messages (system, user, tool results); an assistant message here is history, rendered. */
  add(...messages: ChatMessage[]): void;
  /** The context for the next assistant message, ending with the assistant header. */
  promptTokens(): number[];
  /**
   * Records the sampled ids that followed promptTokens() (a stop token, when there is one, last) with their
   * behaviour log-probs, and returns the turn to train on with the parsed message.
   */
  addSampled(sampled: ArrayLike<number>, behaviourLogprobs: ArrayLike<number>): SampledTurn;
  /** Every token so far (contexts and responses, as the model read and wrote them). */
  tokens(): number[];
}

/** A demonstration as training tokens: the loss counts exactly the assistant tokens a model would have written. */
export interface SupervisedExample {
  readonly tokens: number[];
  /** 1 on tokens the model writes (assistant messages and their stop token), 0 elsewhere. Same length as tokens. */
  readonly lossMask: number[];
}

export interface Renderer {
  readonly name: string;
  /** Every id this renderer produces is below it: the model's vocabulary size. */
  readonly vocabSize: number;
  /** Ids that end an assistant message; sample with them as stop tokens. */
  readonly stopTokens: readonly number[];
  /** Most template tokens a conversation appends after the sampled ones (closing a message): room a turn must leave. */
  readonly maxClosingTokens: number;
  conversation(tools: readonly ToolSpec[]): Conversation;
  supervisedExample(messages: readonly ChatMessage[], tools: readonly ToolSpec[]): SupervisedExample;
  /** Readable text of tokens, for transcripts and debugging (special tokens spelled out). */
  decode(tokens: ArrayLike<number>): string;
}

/**
 * A demonstration built the way a rollout builds it: each assistant message is encoded as the model would write it
 * (`encodeResponse`, stop token last) and appended to the conversation as if sampled, so the supervised tokens are
 * exactly the tokens an episode with the same messages holds, and the loss mask is the rollout's. When a template
 * rewrites history (a later context is not an extension of the tokens so far), the earlier turns are not in the
 * final sequence as written, so they carry no loss.
 */
export function supervisedFromConversation(
  conv: Conversation,
  messages: readonly ChatMessage[],
  encodeResponse: (message: AssistantMessage) => number[],
): SupervisedExample {
  let tokens: number[] = [];
  let lossMask: number[] = [];
  let pending: ChatMessage[] = [];
  for (const m of messages) {
    if (m.role !== 'assistant') {
      pending.push(m);
      continue;
    }
    conv.add(...pending);
    pending = [];
    const context = conv.promptTokens();
    lossMask = carryMask(tokens, lossMask, context);
    const ids = encodeResponse(m);
    const turn = conv.addSampled(ids, new Array<number>(ids.length).fill(0));
    tokens = context.concat(turn.responseTokens);
    lossMask = lossMask.concat(turn.lossMask);
  }
  conv.add(...pending);
  const all = conv.tokens();
  return { tokens: all, lossMask: carryMask(tokens, lossMask, all) };
}

/** The mask of `tokens` carried onto `next` where `next` extends them (zeros elsewhere, and for new tokens). */
function carryMask(tokens: readonly number[], mask: readonly number[], next: readonly number[]): number[] {
  const isPrefix = tokens.length <= next.length && tokens.every((t, i) => next[i] === t);
  const carried = isPrefix ? [...mask] : [];
  while (carried.length < next.length) carried.push(0);
  return carried;
}
