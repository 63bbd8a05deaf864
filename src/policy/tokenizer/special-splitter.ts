/**
 * Splits text into plain segments and special tokens. At each position the longest special token that starts
 * there wins (so `<tool_call>` beats a hypothetical `<tool`), scanning left to right.
 */
export type Segment = { text: string } | { special: number };

export class SpecialTokenSplitter {
  /** Special tokens grouped by first UTF-16 unit, longest first within a group. */
  private readonly byFirstChar = new Map<number, { content: string; id: number }[]>();

  constructor(specials: ReadonlyMap<string, number>) {
    for (const [content, id] of specials) {
      if (content.length === 0) throw new Error('a special token cannot be the empty string');
      const key = content.charCodeAt(0);
      const group = this.byFirstChar.get(key) ?? [];
      group.push({ content, id });
      this.byFirstChar.set(key, group);
    }
    for (const group of this.byFirstChar.values()) group.sort((a, b) => b.content.length - a.content.length);
  }

  split(text: string): Segment[] {
    const out: Segment[] = [];
    let plainStart = 0;
    let i = 0;
    while (i < text.length) {
      const match = this.byFirstChar.get(text.charCodeAt(i))?.find((s) => text.startsWith(s.content, i));
      if (match === undefined) {
        i++;
        continue;
      }
      if (i > plainStart) out.push({ text: text.slice(plainStart, i) });
      out.push({ special: match.id });
      i += match.content.length;
      plainStart = i;
    }
    if (plainStart < text.length) out.push({ text: text.slice(plainStart) });
    return out;
  }
}
