import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Tokenizer as HfLibTokenizer } from '@huggingface/tokenizers';
import { UserError } from '../../core/errors.js';
import { readJsonFile } from '../../core/json-file.js';
import type { Tokenizer } from './tokenizer.js';

/**
 * A Hugging Face `tokenizer.json` (byte-level BPE as in GPT-2, Qwen, Llama 3; also the other models that
 * @huggingface/tokenizers supports), read from a local file: nothing is fetched.
 *
 * Every added token of the file (its `added_tokens`, e.g. Qwen's `<|im_start|>` and `<tool_call>`) counts as a
 * special token: it is split out of the text before BPE and is one id. `encode` adds no BOS/EOS (the chat template
 * writes every template token itself), and `decode` keeps special tokens and spaces exactly (no clean-up).
 */
export class HuggingFaceTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly specialTokens: ReadonlyMap<string, number>;
  private readonly specialIds: ReadonlySet<number>;
  private readonly lib: HfLibTokenizer;

  /**
   * @param tokenizerJson the parsed tokenizer.json
   * @param tokenizerConfig the parsed tokenizer_config.json, or {} (only a few keys of it matter for encoding)
   */
  constructor(tokenizerJson: unknown, tokenizerConfig: unknown = {}) {
    if (typeof tokenizerJson !== 'object' || tokenizerJson === null || !('model' in tokenizerJson)) {
      throw new UserError('not a Hugging Face tokenizer.json: it has no "model" object');
    }
    this.lib = new HfLibTokenizer(tokenizerJson, tokenizerConfig as object);
    const added = (tokenizerJson as { added_tokens?: { id: number; content: string }[] }).added_tokens ?? [];
    this.specialTokens = new Map(added.map((t) => [t.content, t.id]));
    this.specialIds = new Set(added.map((t) => t.id));
    let maxId = -1;
    for (const id of this.lib.get_vocab(true).values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
  }

  /** Loads `path` (a tokenizer.json) and the tokenizer_config.json next to it when there is one. */
  static fromFile(path: string): HuggingFaceTokenizer {
    const json = readJsonFile(path, 'tokenizer file');
    const configPath = join(dirname(path), 'tokenizer_config.json');
    const config = existsSync(configPath) ? readJsonFile(configPath, 'tokenizer file') : {};
    try {
      return new HuggingFaceTokenizer(json, config);
    } catch (err) {
      if (err instanceof UserError) throw new UserError(`${path}: ${err.message}`);
      throw new UserError(`${path}: cannot build a tokenizer from it: ${(err as Error).message}`);
    }
  }

  encode(text: string): number[] {
    return this.lib.encode(text, { add_special_tokens: false }).ids;
  }

  decode(ids: readonly number[]): string {
    if (ids.length === 0) return '';
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new RangeError(`token id ${id} is outside the vocabulary [0, ${this.vocabSize})`);
      }
    }
    return this.lib.decode([...ids], { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }

  specialTokenId(content: string): number | undefined {
    return this.specialTokens.get(content);
  }

  isSpecial(id: number): boolean {
    return this.specialIds.has(id);
  }
}

