import { SpecialTokenSplitter } from './special-splitter.js';
import { DEFAULT_SPECIAL_TOKENS } from './special-tokens.js';
import type { Tokenizer } from './tokenizer.js';

export interface ByteLevelTokenizerOptions {
  /**
   * Special tokens after the defaults (DEFAULT_SPECIAL_TOKENS), in id order: tool-call heads
   * (toolCallHeadTokens(toolNames)) or other scaffolding that should cost one token.
   */
  extraSpecialTokens?: readonly string[];
}

/**
 * The default tokenizer of the local policy: ids 0–255 are the UTF-8 bytes, ids 256… the special tokens
 * (DEFAULT_SPECIAL_TOKENS, then the extra ones).
 * Any text (and any sampled id sequence) is representable, with no vocabulary file to ship.
 */
export class ByteLevelTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly specialTokens: ReadonlyMap<string, number>;
  private readonly specialById: readonly string[];
  private readonly splitter: SpecialTokenSplitter;
  private readonly utf8 = new TextEncoder();
  private readonly utf8Decoder = new TextDecoder('utf-8', { fatal: false });

  constructor(opts: ByteLevelTokenizerOptions = {}) {
    const specials = [...DEFAULT_SPECIAL_TOKENS, ...(opts.extraSpecialTokens ?? [])];
    const map = new Map<string, number>();
    specials.forEach((content, i) => {
      if (map.has(content)) throw new Error(`special token ${JSON.stringify(content)} is listed twice`);
      if (content.length === 0) throw new Error('a special token cannot be the empty string');
      map.set(content, 256 + i);
    });
    this.specialTokens = map;
    this.specialById = specials;
    this.vocabSize = 256 + specials.length;
    this.splitter = new SpecialTokenSplitter(map);
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    for (const seg of this.splitter.split(text)) {
      if ('special' in seg) ids.push(seg.special);
      else for (const byte of this.utf8.encode(seg.text)) ids.push(byte);
    }
    return ids;
  }

  decode(ids: readonly number[]): string {
    let out = '';
    let bytes: number[] = [];
    const flush = () => {
      if (bytes.length > 0) out += this.utf8Decoder.decode(Uint8Array.from(bytes));
      bytes = [];
    };
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new RangeError(`token id ${id} is outside the vocabulary [0, ${this.vocabSize})`);
      }
      if (id < 256) bytes.push(id);
      else {
        flush();
        out += this.specialById[id - 256]!;
      }
    }
    flush();
    return out;
  }

  specialTokenId(content: string): number | undefined {
    return this.specialTokens.get(content);
  }

  isSpecial(id: number): boolean {
    return id >= 256 && id < this.vocabSize;
  }
}
