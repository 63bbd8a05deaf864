import type { Turn } from '../../core/types.js';
import { requireSpecialToken, type Tokenizer } from '../tokenizer/tokenizer.js';
import { END_OF_TEXT, IM_END } from '../tokenizer/special-tokens.js';
import type { ChatMessage, ToolSpec } from './messages.js';
import { parseAssistantMessage, type ParsedAssistantMessage } from './parse.js';
import { AFTER_IM_END, ASSISTANT_HEADER, messageBlocks, systemBlock } from './render-text.js';

/** One sampled assistant turn, ready to train on (a Turn), with the message parsed for the environment. */
export interface SampledTurn extends Turn {
  readonly message: ParsedAssistantMessage;
  /** 'stop' when the model ended the message itself, 'length' when sampling hit its token limit. */
  readonly finishReason: 'stop' | 'length';
}

/**
 * A conversation held as the exact token sequence the policy reads (ChatML with Qwen 2.5's tool format, see
 * render-text.ts). Sampled assistant turns are appended as the sampled ids, never decoded and re-encoded, so the
 * context of every later turn and the training tokens are exactly the tokens the model produced; template tokens the
 * model did not produce get loss mask 0 and behaviour log-prob 0.
 *
 * Use: `add(...)` the messages (system, user, tool results), `promptTokens()` → sample with `stopTokens` →
 * `addSampledAssistant(ids, logprobs)` → give `turn.message` to the environment → `add(...)` its reply → ...
 * The context of turn t+1 always starts with context_t followed by response_t.
 */
export class ChatConversation {
  /** Ids that end an assistant message (`<|im_end|>`, and `<|endoftext|>` where the tokenizer has it). */
  readonly stopTokens: readonly number[];
  private readonly imEnd: number;
  private committed: number[] = [];
  private pending: ChatMessage[] = [];
  private started = false;
  private turnCount = 0;

  constructor(
    readonly tokenizer: Tokenizer,
    private readonly tools: readonly ToolSpec[] = [],
  ) {
    this.imEnd = requireSpecialToken(tokenizer, IM_END);
    const eot = tokenizer.specialTokenId(END_OF_TEXT);
    this.stopTokens = eot === undefined ? [this.imEnd] : [this.imEnd, eot];
  }

  /**
   * Appends messages. They are rendered when the next prompt is taken, so the tool results between two assistant
   * turns form one block however many `add` calls brought them. An assistant message given here (history that was
   * not sampled in this conversation) is rendered from its structure.
   */
  add(...messages: ChatMessage[]): void {
    this.pending.push(...messages);
  }

  /** The tokens so far (pending messages rendered), without the next assistant header. */
  tokens(): number[] {
    return [...this.committed, ...this.render(this.pending, this.started)];
  }

  /** The context for the next assistant message: everything so far, then `<|im_start|>assistant\n`. */
  promptTokens(): number[] {
    this.flush();
    return [...this.committed, ...this.tokenizer.encode(ASSISTANT_HEADER)];
  }

  /**
   * Records a sampled assistant message. `sampled` are the ids the model drew after promptTokens() (a stop token,
   * when there is one, is last); `behaviourLogprobs` their log-probs under the sampling policy.
   */
  addSampledAssistant(sampled: ArrayLike<number>, behaviourLogprobs: ArrayLike<number>): SampledTurn {
    if (this.pending.length > 0) {
      throw new Error('messages were added after promptTokens(): take the prompt again before sampling');
    }
    if (sampled.length !== behaviourLogprobs.length) {
      throw new Error(`${sampled.length} sampled tokens but ${behaviourLogprobs.length} log-probs`);
    }
    const ids = Array.from(sampled);
    const stopAt = ids.findIndex((id) => this.stopTokens.includes(id));
    if (stopAt >= 0 && stopAt < ids.length - 1) {
      throw new Error(`stop token ${ids[stopAt]} at position ${stopAt} is not the last sampled token: sample with stopTokens`);
    }
    const finishReason = stopAt >= 0 ? 'stop' : 'length';
    const closing = this.tokenizer.encode(ids[ids.length - 1] === this.imEnd ? AFTER_IM_END : IM_END + AFTER_IM_END);
    const contextTokens = this.promptTokens();
    const responseTokens = [...ids, ...closing];
    const text = this.tokenizer.decode(finishReason === 'stop' ? ids.slice(0, -1) : ids);
    const turn: SampledTurn = {
      index: this.turnCount++,
      contextTokens,
      responseTokens,
      behaviourLogprobs: [...Array.from(behaviourLogprobs), ...closing.map(() => 0)],
      lossMask: [...ids.map(() => 1), ...closing.map(() => 0)],
      message: parseAssistantMessage(text),
      finishReason,
    };
    this.committed = contextTokens.concat(responseTokens);
    return turn;
  }

  private flush(): void {
    this.committed = this.committed.concat(this.render(this.pending, this.started));
    this.started = true;
    this.pending = [];
  }

  /** Block by block (blocks meet at special tokens, so this equals encoding the joined text). */
  private render(messages: readonly ChatMessage[], started: boolean): number[] {
    const blocks: string[] = [];
    let rest = messages;
    if (!started) {
      const first = messages[0];
      const hasSystem = first !== undefined && first.role === 'system';
      blocks.push(systemBlock(hasSystem ? first.content : null, this.tools));
      if (hasSystem) rest = messages.slice(1);
    }
    // Arrays are joined with concat, not push(...x): a long tool result can exceed the engine's argument limit.
    let ids: number[] = [];
    for (const block of [...blocks, ...messageBlocks(rest)]) {
      if (block.startsWith(ASSISTANT_HEADER)) {
        // Same split as a sampled turn: header tokens, then the message's own tokens.
        ids = ids.concat(this.tokenizer.encode(ASSISTANT_HEADER), this.tokenizer.encode(block.slice(ASSISTANT_HEADER.length)));
      } else ids = ids.concat(this.tokenizer.encode(block));
    }
    return ids;
  }
}

/** Renders whole messages to tokens, exactly as a ChatConversation fed the same messages would hold them. */
export function renderChatTokens(
  tokenizer: Tokenizer,
  messages: readonly ChatMessage[],
  opts: { tools?: readonly ToolSpec[]; addGenerationPrompt?: boolean } = {},
): number[] {
  const conv = new ChatConversation(tokenizer, opts.tools ?? []);
  conv.add(...messages);
  return opts.addGenerationPrompt ? conv.promptTokens() : conv.tokens();
}

