import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AssistantMessage, ChatMessage, ToolSpec } from '../core/messages.js';
import { UserError } from '../core/errors.js';
import { HuggingFaceTokenizer } from '../policy/tokenizer/hugging-face.js';
import type { Tokenizer } from '../policy/tokenizer/tokenizer.js';
import { ChatTemplate } from './hf-template.js';
import { detectToolCallFormat, type ToolCallFormat } from './hf-tools.js';
import type { Conversation, Renderer, SampledTurn, SupervisedExample } from './renderer.js';
import { supervisedFromConversation } from './renderer.js';

/** A message as a chat template reads it (OpenAI-like: role, content, ...). */
export type TemplateMessage = Readonly<Record<string, unknown>>;

export interface HfRendererOptions {
  /** Extra chat-template variables, e.g. `{"enable_thinking": false}` for Qwen 3 (vLLM's chat_template_kwargs). */
  templateKwargs?: Readonly<Record<string, unknown>>;
}

/**
 * A real model's own chat format: its chat template (tokenizer_config.json or chat_template.jinja) rendered as
 * transformers renders it, its tokenizer.json, and its tool-call format (Qwen 3's `<tool_call>` JSON, DeepSeek V3's
 * tool-call tokens) parsed back into messages.
 *
 * Each turn's context is what the template renders for the conversation so far, with the generation prompt: what an
 * inference server given the same messages would feed the model. Sampled assistant messages go back to the template
 * as the text the model wrote, so a template that keeps history as it is renders the sampled text again; then the
 * context keeps the sampled ids themselves and appends the tokens of the newly rendered text (tokens in, tokens out).
 * When the template rewrites history (Qwen 3 drops the `<think>` blocks of turns before the last user message), the
 * context is the new rendering, tokenised afresh.
 */
export class HfRenderer implements Renderer {
  readonly name = 'hf';
  readonly vocabSize: number;
  /** The eos token of tokenizer_config.json, then generation_config.json's eos_token_id when the directory has one. */
  readonly stopTokens: readonly number[];
  /** Tokens the template writes after an assistant message's text (Qwen 3 `<|im_end|>\n`: 2; DeepSeek V3: 1). */
  readonly maxClosingTokens: number;
  private readonly templateKwargs: Readonly<Record<string, unknown>>;

  constructor(
    readonly tokenizer: Tokenizer,
    readonly template: ChatTemplate,
    readonly format: ToolCallFormat,
    stopTokens: readonly number[],
    opts: HfRendererOptions = {},
  ) {
    if (stopTokens.length === 0) throw new UserError(`${template.origin}: the model has no stop token`);
    this.vocabSize = tokenizer.vocabSize;
    this.stopTokens = stopTokens;
    this.templateKwargs = opts.templateKwargs ?? {};
    this.maxClosingTokens = this.closingTokens();
  }

  /** Reads tokenizer.json, tokenizer_config.json (and chat_template.jinja, generation_config.json when present). */
  static fromDir(dir: string, opts: HfRendererOptions = {}): HfRenderer {
    const tokenizerPath = join(dir, 'tokenizer.json');
    if (!existsSync(tokenizerPath)) throw new UserError(`${dir} has no tokenizer.json`);
    if (!existsSync(join(dir, 'tokenizer_config.json'))) throw new UserError(`${dir} has no tokenizer_config.json`);
    const tokenizer = HuggingFaceTokenizer.fromFile(tokenizerPath);
    const template = ChatTemplate.fromDir(dir);
    const stops: number[] = [];
    const eos = template.specialTokens.eos_token;
    if (typeof eos === 'string') stops.push(tokenId(tokenizer, eos, `${dir}/tokenizer_config.json eos_token`));
    for (const id of generationEosIds(dir)) {
      if (!Number.isInteger(id) || id < 0 || id >= tokenizer.vocabSize) {
        throw new UserError(`${dir}/generation_config.json: eos_token_id ${id} is not a token id of the tokenizer`);
      }
      if (!stops.includes(id)) stops.push(id);
    }
    return new HfRenderer(tokenizer, template, detectToolCallFormat(tokenizer, dir), stops, opts);
  }

  conversation(tools: readonly ToolSpec[]): HfConversation {
    return new HfConversation(this, tools);
  }

  /**
   * The demonstration as one sequence, built as a rollout builds it: each assistant message is what the template
   * renders for it after its context, up to and including the stop token, appended as if sampled. The loss counts
   * the assistant tokens of the final sequence that were written in exactly that context; when the template
   * rewrites history at a later turn, the turns before the rewrite are not in the sequence as written, so they
   * carry no loss (split such a demonstration at its user messages to train every turn).
   */
  supervisedExample(messages: readonly ChatMessage[], tools: readonly ToolSpec[]): SupervisedExample {
    const conv = this.conversation(tools);
    return supervisedFromConversation(conv, messages, (m) => conv.responseTokens(m));
  }

  decode(tokens: ArrayLike<number>): string {
    return this.tokenizer.decode(Array.from(tokens));
  }

  /** The template's text for these messages (tools as the template's `tools`, absent when there are none). */
  renderText(messages: readonly TemplateMessage[], tools: readonly ToolSpec[], addGenerationPrompt: boolean): string {
    return this.template.render(messages, {
      tools: tools.length > 0 ? tools : undefined,
      addGenerationPrompt,
      kwargs: this.templateKwargs,
    });
  }

  /**
   * What the template writes after the text of a final assistant message (found with a marker message), as tokens:
   * the room a turn must leave in the context. At least one (the stop token the sampler may not have drawn).
   */
  private closingTokens(): number {
    const marker = 'SEEUPO_CLOSING_MARKER';
    const probe = [{ role: 'user', content: 'x' }, { role: 'assistant', content: marker }];
    let text: string;
    try {
      text = this.renderText(probe, [], false);
    } catch {
      // Some templates insist on a system message first.
      text = this.renderText([{ role: 'system', content: 'x' }, ...probe], [], false);
    }
    const at = text.lastIndexOf(marker);
    return at < 0 ? 1 : Math.max(1, this.tokenizer.encode(text.slice(at + marker.length)).length);
  }

  /** A message of ours as the template reads it; assistant messages as the text the model writes for them. */
  templateMessage(m: ChatMessage): TemplateMessage {
    return m.role === 'assistant' ? { role: 'assistant', content: this.format.write(m) } : { role: m.role, content: m.content };
  }
}

export class HfConversation implements Conversation {
  private readonly messages: TemplateMessage[] = [];
  /** The last context and the response sampled after it; empty before the first turn. */
  private sequence: number[] = [];
  /** promptTokens() since the last change. */
  private prompt: number[] | null = null;
  private turnCount = 0;

  constructor(
    private readonly renderer: HfRenderer,
    private readonly tools: readonly ToolSpec[],
  ) {}

  add(...messages: ChatMessage[]): void {
    for (const m of messages) this.messages.push(this.renderer.templateMessage(m));
    if (messages.length > 0) this.prompt = null;
  }

  promptTokens(): number[] {
    this.prompt ??= this.extend(this.renderer.renderText(this.messages, this.tools, true));
    return [...this.prompt];
  }

  tokens(): number[] {
    return this.extend(this.renderer.renderText(this.messages, this.tools, false));
  }

  addSampled(sampled: ArrayLike<number>, behaviourLogprobs: ArrayLike<number>): SampledTurn {
    if (sampled.length !== behaviourLogprobs.length) {
      throw new Error(`${sampled.length} sampled tokens but ${behaviourLogprobs.length} log-probs`);
    }
    const ids = Array.from(sampled);
    const stops = this.renderer.stopTokens;
    const stopAt = ids.findIndex((id) => stops.includes(id));
    if (stopAt >= 0 && stopAt < ids.length - 1) {
      throw new Error(`stop token ${ids[stopAt]} at position ${stopAt} is not the last sampled token: sample with stopTokens`);
    }
    const finishReason = stopAt >= 0 ? 'stop' : 'length';
    const contextTokens = this.promptTokens();
    const text = this.renderer.decode(finishReason === 'stop' ? ids.slice(0, -1) : ids);
    this.messages.push({ role: 'assistant', content: text });
    this.sequence = contextTokens.concat(ids);
    this.prompt = null;
    return {
      index: this.turnCount++,
      contextTokens,
      responseTokens: ids,
      behaviourLogprobs: Array.from(behaviourLogprobs),
      lossMask: ids.map(() => 1),
      message: this.renderer.format.parse(text),
      finishReason,
    };
  }

  /**
   * The ids a model writes for `message` after promptTokens(): what the template renders for it as the next
   * message, through the stop token (the template's text after the stop token is context, not the model's).
   */
  responseTokens(message: AssistantMessage): number[] {
    const { tokenizer, stopTokens } = this.renderer;
    const eos = stopTokens[0]!;
    const eosText = tokenizer.decode([eos]);
    const prompt = this.renderer.renderText(this.messages, this.tools, true);
    const whole = this.renderer.renderText([...this.messages, this.renderer.templateMessage(message)], this.tools, false);
    if (whole.startsWith(prompt)) {
      const rest = whole.slice(prompt.length);
      const at = rest.lastIndexOf(eosText);
      if (at >= 0) return tokenizer.encode(rest.slice(0, at)).concat(eos);
    }
    // A template that renders the message apart from its generation prompt: the message as the model writes it.
    return tokenizer.encode(this.renderer.format.write(message)).concat(eos);
  }

  /** Tokens of the rendered `text`: the sampled ids kept when the text still begins with what they spell. */
  private extend(text: string): number[] {
    if (this.sequence.length > 0) {
      const before = this.renderer.decode(this.sequence);
      if (text.startsWith(before)) return this.sequence.concat(this.renderer.tokenizer.encode(text.slice(before.length)));
    }
    return this.renderer.tokenizer.encode(text);
  }
}

/** The loss mask of `next`: the old one carried over when `next` extends `tokens`, else nothing of it. */
function tokenId(tokenizer: Tokenizer, text: string, what: string): number {
  const special = tokenizer.specialTokenId(text);
  if (special !== undefined) return special;
  const ids = tokenizer.encode(text);
  if (ids.length !== 1) throw new UserError(`${what} ${JSON.stringify(text)} is not one token of the tokenizer`);
  return ids[0]!;
}

/** generation_config.json's eos_token_id (a number or a list), or none when the file is absent. */
function generationEosIds(dir: string): number[] {
  const path = join(dir, 'generation_config.json');
  if (!existsSync(path)) return [];
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UserError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  const eos = (config as { eos_token_id?: unknown } | null)?.eos_token_id;
  if (eos === undefined || eos === null) return [];
  const ids = Array.isArray(eos) ? eos : [eos];
  if (!ids.every((id) => typeof id === 'number')) throw new UserError(`${path}: eos_token_id must be a token id or a list of them`);
  return ids as number[];
}

