import { SpecialTokenSplitter } from '../policy/tokenizer/special-splitter.js';

/**
 * The vocabulary of the compact renderer: ids 0–255 are UTF-8 bytes (any text is representable), then the
 * structural tokens (one per role marker, tool name and argument key), then text pieces (the task generator's words
 * and the JSON scaffolding of tool results), each one id. Text is encoded by longest match over the pieces, bytes
 * where none matches. Measured before this renderer existed: a small model trained from scratch learns tool use
 * several times faster when names are one token than when it must spell them byte by byte.
 *
 * Encoding is not injective ("report" as a piece or as six bytes decode alike); harmless, because sampled tokens are
 * never re-encoded (renderer.ts).
 */
export class CompactTokenizer {
  readonly vocabSize: number;
  private readonly structuralIds = new Map<string, number>();
  private readonly strings: string[] = [];
  private readonly pieces: SpecialTokenSplitter;
  private readonly utf8 = new TextEncoder();
  private readonly utf8Decoder = new TextDecoder('utf-8', { fatal: false });

  constructor(structural: readonly string[], pieces: readonly string[]) {
    let id = 256;
    for (const s of structural) {
      if (this.structuralIds.has(s)) throw new Error(`structural token ${JSON.stringify(s)} is listed twice`);
      this.structuralIds.set(s, id++);
      this.strings.push(s);
    }
    const pieceIds = new Map<string, number>();
    for (const p of pieces) {
      if (p.length === 0 || pieceIds.has(p)) continue;
      // A single byte needs no piece: its byte id already is one token.
      if (this.utf8.encode(p).length === 1) continue;
      pieceIds.set(p, id++);
      this.strings.push(p);
    }
    this.pieces = new SpecialTokenSplitter(pieceIds);
    this.vocabSize = id;
  }

  /** The id of a structural token; throws for a name that was not given (a bug in the renderer). */
  id(structural: string): number {
    const id = this.structuralIds.get(structural);
    if (id === undefined) throw new Error(`no structural token ${JSON.stringify(structural)}`);
    return id;
  }

  /** The structural token an id stands for, or undefined for bytes and pieces. */
  structural(id: number): string | undefined {
    const s = id >= 256 ? this.strings[id - 256] : undefined;
    return s !== undefined && this.structuralIds.get(s) === id ? s : undefined;
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    for (const seg of this.pieces.split(text)) {
      if ('special' in seg) ids.push(seg.special);
      else for (const b of this.utf8.encode(seg.text)) ids.push(b);
    }
    return ids;
  }

  /** Text of bytes and pieces; structural tokens are spelled as their names. */
  decode(ids: ArrayLike<number>): string {
    let out = '';
    let bytes: number[] = [];
    const flush = () => {
      if (bytes.length > 0) out += this.utf8Decoder.decode(Uint8Array.from(bytes));
      bytes = [];
    };
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id < 256) bytes.push(id);
      else {
        flush();
        out += this.strings[id - 256] ?? `<unk:${id}>`;
      }
    }
    flush();
    return out;
  }
}
