import type { AssistantMessage, ChatMessage, ToolSpec } from '../core/messages.js';
import { ChatConversation } from '../policy/chat/conversation.js';
import type { ParsedAssistantMessage } from '../policy/chat/parse.js';
import { AFTER_IM_END, assistantResponseText } from '../policy/chat/render-text.js';
import { IM_END } from '../policy/tokenizer/special-tokens.js';
import type { Tokenizer } from '../policy/tokenizer/tokenizer.js';
import type { Conversation, Renderer, SampledTurn, SupervisedExample } from './renderer.js';
import { supervisedFromConversation } from './renderer.js';

/**
 * ChatML with Qwen 2.5's tool format (src/policy/chat/), for real models' tokenizers and the byte-level one:
 * `<|im_start|>role\n...<|im_end|>`, tools listed in the system prompt, calls as `<tool_call>` JSON.
 */
export class ChatmlRenderer implements Renderer {
  readonly name = 'chatml';
  readonly vocabSize: number;
  readonly stopTokens: readonly number[];
  /** `<|im_end|>` and a newline, appended when sampling hit its token limit. */
  readonly maxClosingTokens: number;

  constructor(readonly tokenizer: Tokenizer) {
    this.vocabSize = tokenizer.vocabSize;
    this.stopTokens = new ChatConversation(tokenizer).stopTokens;
    this.maxClosingTokens = tokenizer.encode(IM_END + AFTER_IM_END).length;
  }

  conversation(tools: readonly ToolSpec[]): Conversation {
    return new ChatmlConversation(new ChatConversation(this.tokenizer, tools));
  }

  supervisedExample(messages: readonly ChatMessage[], tools: readonly ToolSpec[]): SupervisedExample {
    return supervisedFromConversation(this.conversation(tools), messages, (m) => this.tokenizer.encode(assistantResponseText(m)));
  }

  decode(tokens: ArrayLike<number>): string {
    return this.tokenizer.decode(Array.from(tokens));
  }
}

class ChatmlConversation implements Conversation {
  constructor(private readonly chat: ChatConversation) {}

  add(...messages: ChatMessage[]): void {
    this.chat.add(...messages);
  }

  promptTokens(): number[] {
    return this.chat.promptTokens();
  }

  addSampled(sampled: ArrayLike<number>, behaviourLogprobs: ArrayLike<number>): SampledTurn {
    const turn = this.chat.addSampledAssistant(sampled, behaviourLogprobs);
    return { ...turn, message: assistantMessage(turn.message) };
  }

  tokens(): number[] {
    return this.chat.tokens();
  }
}

export function assistantMessage(parsed: ParsedAssistantMessage): AssistantMessage {
  return {
    role: 'assistant',
    content: parsed.content,
    toolCalls: parsed.toolCalls,
    invalidToolCalls: parsed.toolCallErrors.map((e) => ({ index: e.index, raw: e.raw, error: e.message })),
  };
}
