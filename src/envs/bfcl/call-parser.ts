import { PyDict, PyException, PyTuple, type PyValue } from './python/value.js';

/**
 * Parser for the Python call strings the original executor `eval`s (`cd(folder='document')`,
 * `post_tweet(content="Hi", tags=['#a'], mentions=[])`). It never evaluates text as code: it accepts Python
 * expression syntax restricted to literals (str with escapes and implicit concatenation, int, float, True, False,
 * None, list, tuple, dict, set), unary +/-, the arithmetic operators + - * / // %, subscripts `x[i]` and calls of
 * (dotted) names, and builds a tree the executor evaluates. Syntax errors raise Python's SyntaxError text
 * (`"invalid syntax (<string>, line 1)"`), which the executor reports like the original does.
 */
export type Expr =
  | { readonly kind: 'literal'; readonly value: PyValue }
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'attribute'; readonly object: Expr; readonly name: string }
  | { readonly kind: 'subscript'; readonly object: Expr; readonly index: Expr }
  | { readonly kind: 'call'; readonly callee: Expr; readonly args: readonly Expr[]; readonly keywords: ReadonlyArray<readonly [string, Expr]> }
  | { readonly kind: 'list'; readonly items: readonly Expr[] }
  | { readonly kind: 'tuple'; readonly items: readonly Expr[] }
  | { readonly kind: 'set'; readonly items: readonly Expr[] }
  | { readonly kind: 'dict'; readonly entries: ReadonlyArray<readonly [Expr, Expr]> }
  | { readonly kind: 'unary'; readonly op: '-' | '+'; readonly operand: Expr }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr };

export type BinaryOp = '+' | '-' | '*' | '/' | '//' | '%';

type Token =
  | { kind: 'num'; value: PyValue; pos: number }
  | { kind: 'str'; value: string; pos: number }
  | { kind: 'name'; value: string; pos: number }
  | { kind: 'op'; value: string; pos: number }
  | { kind: 'end'; pos: number };

function syntaxError(message: string): PyException {
  return new PyException('SyntaxError', `${message} (<string>, line 1)`);
}

const NAME_START = /[A-Za-z_\u00c0-\uffff]/;
const NAME_CHAR = /[A-Za-z0-9_\u00c0-\uffff]/;
const STRING_START = /([rRuU]?)(?:'''|"""|'|")/y;
const NUMBER =
  /(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:\d(?:_?\d)*)?\.\d(?:_?\d)*(?:[eE][+-]?\d(?:_?\d)*)?|\d(?:_?\d)*\.?(?:[eE][+-]?\d(?:_?\d)*)?)/y;
const OPS = ['//', '**', '(', ')', '[', ']', '{', '}', ',', ':', '=', '.', '+', '-', '*', '/', '%'];

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  const brackets: string[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\f' || ((c === '\n' || c === '\r') && brackets.length > 0)) {
      i++;
      continue;
    }
    if (c === '\\') {
      if (src[i + 1] === '\n' || src.startsWith('\r\n', i + 1)) {
        i += src[i + 1] === '\n' ? 2 : 3;
        continue;
      }
      throw syntaxError('unexpected character after line continuation character');
    }
    if (c === '\n' || c === '\r') {
      // A newline outside brackets ends the expression: only trailing whitespace may follow.
      if (src.slice(i).trim() === '') break;
      throw syntaxError('invalid syntax');
    }
    if (c === '#') {
      const nl = src.indexOf('\n', i);
      i = nl < 0 ? src.length : nl;
      continue;
    }
    STRING_START.lastIndex = i;
    const strMatch = STRING_START.exec(src);
    if (strMatch) {
      const prefix = strMatch[1]!;
      const quote = src.startsWith(prefix + "'''", i) ? "'''" : src.startsWith(prefix + '"""', i) ? '"""' : src[i + prefix.length]!;
      const start = i;
      i += prefix.length + quote.length;
      const { value, end } = readString(src, i, quote, /r/i.test(prefix));
      tokens.push({ kind: 'str', value, pos: start });
      i = end;
      continue;
    }
    NUMBER.lastIndex = i;
    const num = /[0-9.]/.test(c) ? NUMBER.exec(src) : null;
    if (num && num[0].length > 0 && !(c === '.' && !/\d/.test(src[i + 1] ?? ''))) {
      const text = num[0];
      if (/[jJ]/.test(src[i + text.length] ?? '')) throw syntaxError('complex numbers are not supported');
      if (NAME_CHAR.test(src[i + text.length] ?? '')) throw syntaxError('invalid decimal literal');
      tokens.push({ kind: 'num', value: numberValue(text), pos: i });
      i += text.length;
      continue;
    }
    if (NAME_START.test(c)) {
      let j = i + 1;
      while (j < src.length && NAME_CHAR.test(src[j]!)) j++;
      tokens.push({ kind: 'name', value: src.slice(i, j), pos: i });
      i = j;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw syntaxError('invalid syntax');
    if (op === '(' || op === '[' || op === '{') brackets.push(op);
    if (op === ')' || op === ']' || op === '}') {
      const open = brackets.pop();
      const want = op === ')' ? '(' : op === ']' ? '[' : '{';
      if (open === undefined) throw syntaxError(`unmatched '${op}'`);
      if (open !== want) {
        throw syntaxError(`closing parenthesis '${op}' does not match opening parenthesis '${open}'`);
      }
    }
    tokens.push({ kind: 'op', value: op, pos: i });
    i += op.length;
  }
  if (brackets.length > 0) throw syntaxError(`'${brackets[brackets.length - 1]}' was never closed`);
  tokens.push({ kind: 'end', pos: src.length });
  return tokens;
}

function numberValue(text: string): PyValue {
  const t = text.replace(/_/g, '');
  if (/^0[xXoObB]/.test(t)) return BigInt(t);
  if (/[.eE]/.test(t)) return Number(t);
  if (/^0+\d/.test(t)) {
    throw syntaxError(
      'leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers',
    );
  }
  return BigInt(t);
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

function readString(src: string, start: number, quote: string, raw: boolean): { value: string; end: number } {
  let out = '';
  let i = start;
  for (;;) {
    if (i >= src.length) {
      throw syntaxError(
        quote.length === 3 ? 'unterminated triple-quoted string literal (detected at line 1)' : 'unterminated string literal (detected at line 1)',
      );
    }
    if (src.startsWith(quote, i)) return { value: out, end: i + quote.length };
    const c = src[i]!;
    if (quote.length === 1 && (c === '\n' || c === '\r')) throw syntaxError('unterminated string literal (detected at line 1)');
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const n = src[i + 1];
    if (n === undefined) {
      i++;
      continue;
    }
    if (raw) {
      out += c + n;
      i += 2;
      continue;
    }
    if (n === '\n') {
      i += 2;
      continue;
    }
    if (n in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[n];
      i += 2;
      continue;
    }
    if (/[0-7]/.test(n)) {
      const m = /^[0-7]{1,3}/.exec(src.slice(i + 1))![0];
      out += String.fromCodePoint(parseInt(m, 8));
      i += 1 + m.length;
      continue;
    }
    const width = n === 'x' ? 2 : n === 'u' ? 4 : n === 'U' ? 8 : 0;
    if (width > 0) {
      const h = src.slice(i + 2, i + 2 + width);
      if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(h)) {
        throw syntaxError(`(unicode error) 'unicodeescape' codec can't decode bytes in position 0-${1 + h.length}: truncated \\${n}${'X'.repeat(width)} escape`);
      }
      out += String.fromCodePoint(parseInt(h, 16));
      i += 2 + width;
      continue;
    }
    // Unknown escapes keep the backslash (Python only warns).
    out += c + n;
    i += 2;
  }
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.i]!;
  }

  private isOp(value: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.value === value;
  }

  private expectOp(value: string): void {
    if (!this.isOp(value)) throw syntaxError('invalid syntax');
    this.i++;
  }

  parseAll(): Expr {
    if (this.peek().kind === 'end') throw syntaxError('invalid syntax');
    const e = this.expression();
    if (this.peek().kind !== 'end') throw syntaxError('invalid syntax');
    return e;
  }

  /** An expression, or a bare tuple `a, b` where Python allows one. */
  private expressionList(): Expr {
    const first = this.expression();
    if (!this.isOp(',')) return first;
    const items = [first];
    while (this.isOp(',')) {
      this.i++;
      if (this.isOp(')') || this.peek().kind === 'end') break;
      items.push(this.expression());
    }
    return { kind: 'tuple', items };
  }

  private expression(): Expr {
    let left = this.term();
    while (this.isOp('+') || this.isOp('-')) {
      const op = (this.tokens[this.i++] as { value: string }).value as BinaryOp;
      left = { kind: 'binary', op, left, right: this.term() };
    }
    return left;
  }

  private term(): Expr {
    let left = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('//') || this.isOp('%')) {
      const op = (this.tokens[this.i++] as { value: string }).value as BinaryOp;
      left = { kind: 'binary', op, left, right: this.unary() };
    }
    return left;
  }

  private unary(): Expr {
    if (this.isOp('-') || this.isOp('+')) {
      const op = (this.tokens[this.i++] as { value: string }).value as '-' | '+';
      return { kind: 'unary', op, operand: this.unary() };
    }
    return this.postfix();
  }

  private postfix(): Expr {
    let e = this.atom();
    for (;;) {
      if (this.isOp('(')) {
        this.i++;
        e = this.callArguments(e);
      } else if (this.isOp('[')) {
        this.i++;
        if (this.isOp(':')) throw syntaxError('slices are not supported');
        const index = this.expressionList();
        if (this.isOp(':')) throw syntaxError('slices are not supported');
        this.expectOp(']');
        e = { kind: 'subscript', object: e, index };
      } else if (this.isOp('.')) {
        this.i++;
        const t = this.peek();
        if (t.kind !== 'name') throw syntaxError('invalid syntax');
        this.i++;
        e = { kind: 'attribute', object: e, name: t.value };
      } else return e;
    }
  }

  private callArguments(callee: Expr): Expr {
    const args: Expr[] = [];
    const keywords: Array<readonly [string, Expr]> = [];
    while (!this.isOp(')')) {
      const t = this.peek();
      const next = this.tokens[this.i + 1];
      if (t.kind === 'name' && next?.kind === 'op' && next.value === '=') {
        if (keywords.some(([k]) => k === t.value)) throw syntaxError(`keyword argument repeated: ${t.value}`);
        this.i += 2;
        keywords.push([t.value, this.expression()]);
      } else {
        if (this.isOp('*') || this.isOp('**')) throw syntaxError('argument unpacking is not supported');
        const e = this.expression();
        if (this.isOp('=')) throw syntaxError('expression cannot contain assignment, perhaps you meant "=="?');
        if (keywords.length > 0) throw syntaxError('positional argument follows keyword argument');
        args.push(e);
      }
      if (this.isOp(',')) this.i++;
      else if (!this.isOp(')')) throw syntaxError("invalid syntax. Perhaps you forgot a comma?");
    }
    this.i++;
    return { kind: 'call', callee, args, keywords };
  }

  private atom(): Expr {
    const t = this.peek();
    if (t.kind === 'num') {
      this.i++;
      return { kind: 'literal', value: t.value };
    }
    if (t.kind === 'str') {
      let value = '';
      while (this.peek().kind === 'str') value += (this.tokens[this.i++] as { value: string }).value;
      return { kind: 'literal', value };
    }
    if (t.kind === 'name') {
      this.i++;
      if (t.value === 'True') return { kind: 'literal', value: true };
      if (t.value === 'False') return { kind: 'literal', value: false };
      if (t.value === 'None') return { kind: 'literal', value: null };
      return { kind: 'name', name: t.value };
    }
    if (this.isOp('[')) {
      this.i++;
      const items: Expr[] = [];
      while (!this.isOp(']')) {
        items.push(this.expression());
        if (this.isOp(',')) this.i++;
        else if (!this.isOp(']')) throw syntaxError("invalid syntax. Perhaps you forgot a comma?");
      }
      this.i++;
      return { kind: 'list', items };
    }
    if (this.isOp('(')) {
      this.i++;
      if (this.isOp(')')) {
        this.i++;
        return { kind: 'tuple', items: [] };
      }
      const e = this.expressionList();
      this.expectOp(')');
      return e;
    }
    if (this.isOp('{')) {
      this.i++;
      const entries: Array<readonly [Expr, Expr]> = [];
      while (!this.isOp('}')) {
        const k = this.expression();
        if (!this.isOp(':')) {
          if (entries.length === 0) return this.setRest(k);
          throw syntaxError('invalid syntax');
        }
        this.i++;
        entries.push([k, this.expression()]);
        if (this.isOp(',')) this.i++;
        else if (!this.isOp('}')) throw syntaxError("invalid syntax. Perhaps you forgot a comma?");
      }
      this.i++;
      return { kind: 'dict', entries };
    }
    throw syntaxError('invalid syntax');
  }

  /** The rest of a set display `{a, b}` after its first item. */
  private setRest(first: Expr): Expr {
    const items = [first];
    for (;;) {
      if (this.isOp(',')) this.i++;
      else if (!this.isOp('}')) throw syntaxError('invalid syntax. Perhaps you forgot a comma?');
      if (this.isOp('}')) break;
      if (this.isOp(':')) throw syntaxError('invalid syntax');
      items.push(this.expression());
    }
    this.i++;
    return { kind: 'set', items };
  }
}

/** Parses one Python expression (normally a call) into a tree. */
export function parsePythonExpression(source: string): Expr {
  // eval() ignores leading spaces and tabs.
  return new Parser(tokenize(source.replace(/^[ \t]+/, ''))).parseAll();
}

/** A fully literal expression's value (no names, no calls), or undefined. */
export function literalValue(e: Expr): PyValue | undefined {
  switch (e.kind) {
    case 'literal':
      return e.value;
    case 'list': {
      const items = e.items.map(literalValue);
      return items.every((x) => x !== undefined) ? (items as PyValue[]) : undefined;
    }
    case 'tuple': {
      const items = e.items.map(literalValue);
      return items.every((x) => x !== undefined) ? new PyTuple(items as PyValue[]) : undefined;
    }
    case 'dict': {
      const d = new PyDict();
      for (const [k, v] of e.entries) {
        const kv = literalValue(k);
        const vv = literalValue(v);
        if (kv === undefined || vv === undefined) return undefined;
        d.set(kv, vv);
      }
      return d;
    }
    default:
      return undefined;
  }
}
