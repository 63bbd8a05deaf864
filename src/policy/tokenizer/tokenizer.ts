import { UserError } from '../../core/errors.js';

/**
 * The tokenizer contract shared by the chat template, the rollout and the policy back ends.
 *
 * Special tokens (`<|im_start|>`, `<tool_call>`, ...) are single ids. Wherever their exact string occurs in text
 * given to `encode`, it becomes that one id, as in Hugging Face tokenizers (added tokens are split out before the
 * model's own tokenization). Encoding is therefore not injective: the bytes of "<think>" and the special token
 * `<think>` decode to the same text. That is harmless because training never re-encodes sampled text: the chat
 * template keeps the sampled ids (src/policy/chat/).
 */
export interface Tokenizer {
  /** Number of ids the model's embedding and output head must cover (max id + 1). */
  readonly vocabSize: number;
  /** Every special token, content → id. */
  readonly specialTokens: ReadonlyMap<string, number>;
  /** Text → ids; special-token strings in the text become their ids. */
  encode(text: string): number[];
  /**
   * ids → text. Special tokens decode to their strings. Byte sequences that are not valid UTF-8 (a sampled
   * sequence can end mid-character) decode to U+FFFD, so decode is only a left inverse of encode.
   */
  decode(ids: readonly number[]): string;
  /** The id of a special token, or undefined when this tokenizer has no such token. */
  specialTokenId(content: string): number | undefined;
  isSpecial(id: number): boolean;
}

/**
 * The id of a special token the caller cannot do without. Its absence is the user's choice of tokenizer (e.g. a
 * tokenizer.json without ChatML tokens), so it is a UserError naming the token.
 */
export function requireSpecialToken(tokenizer: Tokenizer, content: string): number {
  const id = tokenizer.specialTokenId(content);
  if (id === undefined) throw new UserError(`the tokenizer has no special token ${JSON.stringify(content)}`);
  return id;
}
