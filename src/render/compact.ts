import type { AssistantMessage, ChatMessage, InvalidToolCall, ToolCall, ToolSpec } from '../core/messages.js';
import { CompactTokenizer } from './compact-tokenizer.js';
import type { Conversation, Renderer, SampledTurn, SupervisedExample } from './renderer.js';
import { supervisedFromConversation } from './renderer.js';

/**
 * The compact format, for small models trained from scratch (issue 9's measurement: ~80 tokens per two-turn
 * episode instead of ~350 with byte-level JSON calls):
 *
 *   <sys> text   <user> text   <tool> result text   <asst> response
 *   response  = content? (<call:NAME> (<arg:KEY> value)*)* <eom>
 *
 * Every tool name and argument key is one structural token, and so is each role marker; values and results are
 * text (word pieces, bytes for the rest); the tool list is not spelled out (the model learns the tools from
 * training). A string argument is its text; any other type is its JSON. `<eom>` ends an assistant message and is the
 * stop token.
 */
export interface CompactVocabulary {
  /** Tool names the model can call (one token each). */
  readonly tools: readonly string[];
  /** Argument keys across the tools (one token each). */
  readonly argKeys: readonly string[];
  /** Text pieces that are one token each (words, JSON scaffolding). */
  readonly pieces: readonly string[];
}

const SYS = '<sys>';
const USER = '<user>';
const TOOL = '<tool>';
const ASST = '<asst>';
const EOM = '<eom>';
const ROLE_MARKERS = [SYS, USER, TOOL, ASST, EOM];
const callToken = (name: string) => `<call:${name}>`;
const argToken = (key: string) => `<arg:${key}>`;

export class CompactRenderer implements Renderer {
  readonly name = 'compact';
  readonly vocabSize: number;
  readonly stopTokens: readonly number[];
  /** `<eom>`, appended when sampling hit its token limit. */
  readonly maxClosingTokens = 1;
  readonly tokenizer: CompactTokenizer;

  constructor(readonly vocabulary: CompactVocabulary) {
    this.tokenizer = new CompactTokenizer(
      [...ROLE_MARKERS, ...vocabulary.tools.map(callToken), ...vocabulary.argKeys.map(argToken)],
      vocabulary.pieces,
    );
    this.vocabSize = this.tokenizer.vocabSize;
    this.stopTokens = [this.tokenizer.id(EOM)];
  }

  conversation(tools: readonly ToolSpec[]): Conversation {
    return new CompactConversation(this, argumentTypes(tools));
  }

  supervisedExample(messages: readonly ChatMessage[], tools: readonly ToolSpec[]): SupervisedExample {
    return supervisedFromConversation(this.conversation(tools), messages, (m) => this.encodeResponse(m));
  }

  decode(tokens: ArrayLike<number>): string {
    return this.tokenizer.decode(tokens);
  }

  /** An assistant message as the model writes it, `<eom>` last. Calls to unknown tools or keys cannot be written. */
  encodeResponse(message: AssistantMessage): number[] {
    const t = this.tokenizer;
    const ids = t.encode(message.content);
    for (const call of message.toolCalls ?? []) {
      ids.push(t.id(callToken(call.name)));
      for (const [key, value] of Object.entries(call.arguments)) {
        ids.push(t.id(argToken(key)), ...t.encode(typeof value === 'string' ? value : JSON.stringify(value)));
      }
    }
    ids.push(t.id(EOM));
    return ids;
  }

  /** Environment messages as context tokens. */
  encodeMessage(message: ChatMessage): number[] {
    const t = this.tokenizer;
    switch (message.role) {
      case 'system':
        return [t.id(SYS), ...t.encode(message.content)];
      case 'user':
        return [t.id(USER), ...t.encode(message.content)];
      case 'tool':
        return [t.id(TOOL), ...t.encode(message.content)];
      case 'assistant':
        return [t.id(ASST), ...this.encodeResponse(message)];
    }
  }

  /** Splits sampled ids into content and calls. Anything malformed becomes an invalid call, never an exception. */
  parseResponse(ids: readonly number[], types: ReadonlyMap<string, ReadonlyMap<string, string>>): AssistantMessage {
    const t = this.tokenizer;
    const content: number[] = [];
    const calls: ToolCall[] = [];
    const invalid: InvalidToolCall[] = [];
    let blocks = 0;
    let current: { name: string; args: [string, number[]][]; raw: number[]; error: string | null } | null = null;
    const finish = () => {
      if (!current) return;
      const index = blocks++;
      const raw = t.decode(current.raw);
      if (current.error) invalid.push({ index, raw, error: current.error });
      else {
        const parsed = callArguments(current.name, current.args.map(([k, v]) => [k, t.decode(v)]), types.get(current.name));
        if ('error' in parsed) invalid.push({ index, raw, error: parsed.error });
        else calls.push({ name: current.name, arguments: parsed.arguments });
      }
      current = null;
    };
    for (const id of ids) {
      const s = t.structural(id);
      if (s === EOM) break;
      if (s?.startsWith('<call:')) {
        finish();
        current = { name: s.slice('<call:'.length, -1), args: [], raw: [id], error: null };
        continue;
      }
      if (current) current.raw.push(id);
      if (s?.startsWith('<arg:')) {
        if (!current) {
          // An argument outside any call: the model wrote an incomplete call; report it as one.
          current = { name: '', args: [], raw: [id], error: `argument ${s} outside a call` };
          continue;
        }
        const key = s.slice('<arg:'.length, -1);
        if (current.args.some(([k]) => k === key)) current.error ??= `argument '${key}' given twice`;
        current.args.push([key, []]);
      } else if (s !== undefined) {
        if (current) current.error ??= `unexpected ${s} inside a call`;
        else content.push(id);
      } else if (current) {
        const last = current.args[current.args.length - 1];
        if (last) last[1].push(id);
        else current.error ??= 'text between a tool name and its first argument';
      } else content.push(id);
    }
    finish();
    return { role: 'assistant', content: t.decode(content).trim(), toolCalls: calls, invalidToolCalls: invalid };
  }
}

/** Per tool, the JSON-schema type of each argument, from OpenAI-format tool specs. */
function argumentTypes(tools: readonly ToolSpec[]): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const spec of tools) {
    const fn = (spec as { function?: { name?: unknown; parameters?: { properties?: Record<string, { type?: unknown }> } } }).function;
    if (!fn || typeof fn.name !== 'string') continue;
    const props = fn.parameters?.properties ?? {};
    out.set(fn.name, new Map(Object.entries(props).map(([k, v]) => [k, typeof v?.type === 'string' ? v.type : 'string'])));
  }
  return out;
}

/** Argument texts as values: strings as written, other types as JSON; an unknown key is passed on for the env to reject. */
function callArguments(
  name: string,
  args: ReadonlyArray<readonly [string, string]>,
  types: ReadonlyMap<string, string> | undefined,
): { arguments: Record<string, unknown> } | { error: string } {
  const out: Record<string, unknown> = {};
  for (const [key, text] of args) {
    const type = types?.get(key) ?? 'string';
    if (type === 'string') {
      out[key] = text;
      continue;
    }
    try {
      out[key] = JSON.parse(text);
    } catch {
      return { error: `argument '${key}' of ${name} is not a ${type}: ${JSON.stringify(text)}` };
    }
  }
  return { arguments: out };
}

class CompactConversation implements Conversation {
  private committed: number[] = [];
  private turnCount = 0;

  constructor(
    private readonly renderer: CompactRenderer,
    private readonly types: ReadonlyMap<string, ReadonlyMap<string, string>>,
  ) {}

  add(...messages: ChatMessage[]): void {
    for (const m of messages) this.committed = this.committed.concat(this.renderer.encodeMessage(m));
  }

  promptTokens(): number[] {
    return [...this.committed, this.renderer.tokenizer.id(ASST)];
  }

  addSampled(sampled: ArrayLike<number>, behaviourLogprobs: ArrayLike<number>): SampledTurn {
    if (sampled.length !== behaviourLogprobs.length) throw new Error(`${sampled.length} sampled tokens but ${behaviourLogprobs.length} log-probs`);
    const ids = Array.from(sampled);
    const eom = this.renderer.stopTokens[0]!;
    const stopAt = ids.indexOf(eom);
    if (stopAt >= 0 && stopAt < ids.length - 1) throw new Error(`stop token at position ${stopAt} is not the last sampled token: sample with stopTokens`);
    const finishReason = stopAt >= 0 ? 'stop' : 'length';
    // A message cut by the token limit is closed with an <eom> the model did not write (mask 0), so the next
    // context is well formed.
    const closing = finishReason === 'stop' ? [] : [eom];
    const contextTokens = this.promptTokens();
    const turn: SampledTurn = {
      index: this.turnCount++,
      contextTokens,
      responseTokens: [...ids, ...closing],
      behaviourLogprobs: [...Array.from(behaviourLogprobs), ...closing.map(() => 0)],
      lossMask: [...ids.map(() => 1), ...closing.map(() => 0)],
      message: this.renderer.parseResponse(ids, this.types),
      finishReason,
    };
    this.committed = contextTokens.concat(turn.responseTokens);
    return turn;
  }

  tokens(): number[] {
    return [...this.committed];
  }
}
