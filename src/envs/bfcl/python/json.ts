import { PyDict, valueError, type PyValue } from './value.js';

/**
 * `json.loads` into the Python value model: a number written with a fraction or exponent (`10000.0`, `1e5`) is a
 * float (number), any other number is an int (bigint), objects are PyDicts in key order. JSON.parse cannot be used
 * because it turns `10000.0` into `10000` and the int/float distinction decides how results print.
 */
export function jsonLoads(text: string): PyValue {
  const parser = new Parser(text);
  parser.skipWs();
  const value = parser.value();
  parser.skipWs();
  if (parser.pos !== text.length) throw parser.error('Extra data');
  return value;
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

class Parser {
  pos = 0;
  constructor(private readonly text: string) {}

  error(what: string): Error {
    return valueError(`${what}: char ${this.pos}`);
  }

  skipWs(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else break;
    }
  }

  value(): PyValue {
    const t = this.text;
    const c = t[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (t.startsWith('true', this.pos)) return (this.pos += 4), true;
    if (t.startsWith('false', this.pos)) return (this.pos += 5), false;
    if (t.startsWith('null', this.pos)) return (this.pos += 4), null;
    if (t.startsWith('NaN', this.pos)) return (this.pos += 3), NaN;
    if (t.startsWith('Infinity', this.pos)) return (this.pos += 8), Infinity;
    if (t.startsWith('-Infinity', this.pos)) return (this.pos += 9), -Infinity;
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(t);
    if (!m) throw this.error('Expecting value');
    this.pos += m[0].length;
    return m[1] !== undefined || m[2] !== undefined ? Number(m[0]) : BigInt(m[0]);
  }

  string(): string {
    const t = this.text;
    const start = this.pos;
    let i = start + 1;
    let escaped = false;
    for (;;) {
      const c = t.charCodeAt(i);
      if (Number.isNaN(c)) throw this.error('Unterminated string starting at');
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        i += 2;
      } else i++;
    }
    this.pos = i + 1;
    return escaped ? (JSON.parse(t.slice(start, i + 1)) as string) : t.slice(start + 1, i);
  }

  array(): PyValue[] {
    this.pos++;
    const out: PyValue[] = [];
    this.skipWs();
    if (this.text[this.pos] === ']') return this.pos++, out;
    for (;;) {
      this.skipWs();
      out.push(this.value());
      this.skipWs();
      const c = this.text[this.pos++];
      if (c === ']') return out;
      if (c !== ',') throw this.error("Expecting ',' delimiter");
    }
  }

  object(): PyDict {
    this.pos++;
    const out = new PyDict();
    this.skipWs();
    if (this.text[this.pos] === '}') return this.pos++, out;
    for (;;) {
      this.skipWs();
      if (this.text[this.pos] !== '"') throw this.error('Expecting property name enclosed in double quotes');
      const key = this.string();
      this.skipWs();
      if (this.text[this.pos++] !== ':') throw this.error("Expecting ':' delimiter");
      this.skipWs();
      out.set(key, this.value());
      this.skipWs();
      const c = this.text[this.pos++];
      if (c === '}') return out;
      if (c !== ',') throw this.error("Expecting ',' delimiter");
    }
  }
}
