import { PyDict, PyException, PyTuple, type PyValue } from './python/value.js';

/**
 * Parser for the Python call strings the original executor `eval`s (`cd(folder='document')`,
 * `post_tweet(content="Hi", tags=['#a'], mentions=[])`). It never evaluates text as code: it accepts Python
 * expression syntax restricted to literals (str with escapes and implicit concatenation, int, float, True, False,
 * None, list, tuple, dict, set), unary +/-, the arithmetic operators + - * / // %, subscripts `x[i]` and calls of
 * (dotted) names, and builds a tree the executor evaluates. Syntax errors raise Python's SyntaxError text
 * (`"invalid syntax (<string>, line 1)"`), which the executor reports like the original does. As in CPython, the
 * text is read token by token while parsing, so the first error in reading order is the one reported.
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
  /** A null key is `**value` (the entries of another dict). */
  | { readonly kind: 'dict'; readonly entries: ReadonlyArray<readonly [Expr | null, Expr]> }
  | { readonly kind: 'unary'; readonly op: '-' | '+'; readonly operand: Expr }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'not'; readonly operand: Expr }
  | { readonly kind: 'boolean'; readonly op: 'and' | 'or'; readonly values: readonly Expr[] }
  | { readonly kind: 'compare'; readonly left: Expr; readonly ops: readonly CompareOp[]; readonly comparators: readonly Expr[] }
  | { readonly kind: 'conditional'; readonly test: Expr; readonly body: Expr; readonly orelse: Expr }
  /** `[x for ...]`, `{x for ...}`, `(x for ...)` (evaluated to a list, as the port has no lazy iterators), `{k: v for ...}`. */
  | {
      readonly kind: 'comprehension';
      readonly type: 'list' | 'set' | 'generator' | 'dict';
      readonly element: Expr;
      /** The value of a dict comprehension (`element` is its key). */
      readonly value: Expr | null;
      readonly generators: readonly Comprehension[];
    }
  | { readonly kind: 'fstring'; readonly parts: ReadonlyArray<string | { readonly expr: Expr; readonly conversion: 'r' | 's' | 'a' | null }> };

export type BinaryOp = '+' | '-' | '*' | '/' | '//' | '%';
export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in' | 'is' | 'is not';

/** One `for target in iter if cond ...` clause; a target is a name or a tuple of targets. */
export interface Comprehension {
  readonly target: Expr;
  readonly iter: Expr;
  readonly ifs: readonly Expr[];
}

type Token = (
  | { kind: 'num'; value: PyValue }
  | { kind: 'str'; value: string }
  /** An f-string's text after escapes, its replacement fields not read yet. */
  | { kind: 'fstr'; value: string }
  | { kind: 'name'; value: string }
  /** A Python keyword other than True, False and None (those are names here, read as literals by the parser). */
  | { kind: 'keyword'; value: string }
  | { kind: 'op'; value: string }
  /** The end of a logical line outside brackets: only blank lines may follow. */
  | { kind: 'newline' }
  | { kind: 'end' }
) & { line: number };

function syntaxError(message: string, line: number): PyException {
  return new PyException('SyntaxError', `${message} (<string>, line ${line})`);
}

/** An error of CPython's tokenizer: it wins over any parser error, wherever it is in the text. */
class TokenizerError extends PyException {}

function tokenizerError(message: string, line: number): TokenizerError {
  return new TokenizerError('SyntaxError', `${message} (<string>, line ${line})`);
}

const NAME_START = /[A-Za-z_\u00c0-\uffff]/;
const NAME_CHAR = /[A-Za-z0-9_\u00c0-\uffff]/;
const STRING_START = /([rRuU]?|[fF][rR]?|[rR][fF])(?:'''|"""|'|")/y;
const NUMBER =
  /(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:\d(?:_?\d)*)?\.\d(?:_?\d)*(?:[eE][+-]?\d(?:_?\d)*)?|\d(?:_?\d)*\.?(?:[eE][+-]?\d(?:_?\d)*)?)/y;
const OPS = ['//', '**', '==', '!=', '<=', '>=', '(', ')', '[', ']', '{', '}', ',', ':', '=', '.', '+', '-', '*', '/', '%', '<', '>'];
/**
 * Python 3.11's keywords (keyword.kwlist) but True, False and None. None of them can be an argument name or an
 * attribute; the port evaluates none of the expressions some of them begin (`not x`, `lambda: 0`, `a if b else c`),
 * so wherever one appears the call is a SyntaxError here.
 */
const KEYWORDS = new Set([
  'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else', 'except',
  'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise',
  'return', 'try', 'while', 'with', 'yield',
]);
/** The keywords that are values: assigning to them is "cannot assign to True". */
const CONSTANT_NAMES = new Set(['True', 'False', 'None']);
const OPENER_OF: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' };

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
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

/** Reads tokens one at a time (an error surfaces when reading reaches it), counting lines. */
class Lexer {
  private i = 0;
  private line = 1;
  private readonly brackets: Array<{ open: string; line: number }> = [];
  private emitted = 0;
  private atLineEnd = false;
  /** Reading the rest of the text after a parser error, looking for tokenizer errors only. */
  draining = false;

  constructor(private readonly src: string) {}

  isEmpty(): boolean {
    return this.src === '';
  }

  next(): Token {
    const src = this.src;
    for (;;) {
      if (this.i >= src.length) {
        const open = this.brackets[this.brackets.length - 1];
        if (open && !this.draining) throw syntaxError(`'${open.open}' was never closed`, open.line);
        return { kind: 'end', line: this.line };
      }
      const c = src[this.i]!;
      if (c === ' ' || c === '\t' || c === '\f') {
        this.i++;
        continue;
      }
      if (c === '\n' || c === '\r') {
        this.i += src.startsWith('\r\n', this.i) ? 2 : 1;
        const line = this.line++;
        // Inside brackets a line break is whitespace; outside, the first one after a token ends the logical line
        // (blank lines before the expression are skipped, as eval does).
        if (this.brackets.length > 0 || this.emitted === 0 || this.atLineEnd) continue;
        this.atLineEnd = true;
        return { kind: 'newline', line };
      }
      if (c === '\\') {
        if (src[this.i + 1] === '\n' || src.startsWith('\r\n', this.i + 1)) {
          this.i += src[this.i + 1] === '\n' ? 2 : 3;
          this.line++;
          continue;
        }
        // CPython reports this one only when parsing reaches it (it is not among the errors found by reading ahead).
        throw syntaxError('unexpected character after line continuation character', this.line);
      }
      if (c === '#') {
        const nl = src.indexOf('\n', this.i);
        this.i = nl < 0 ? src.length : nl;
        continue;
      }
      break;
    }
    this.emitted++;
    this.atLineEnd = false;
    return this.token();
  }

  private token(): Token {
    const src = this.src;
    const i = this.i;
    const c = src[i]!;
    const line = this.line;
    STRING_START.lastIndex = i;
    const strMatch = STRING_START.exec(src);
    if (strMatch) {
      const prefix = strMatch[1]!;
      const body = i + prefix.length;
      const quote = src.startsWith("'''", body) ? "'''" : src.startsWith('"""', body) ? '"""' : src[body]!;
      const { value, end } = this.readString(body + quote.length, quote, /r/i.test(prefix));
      this.i = end;
      return { kind: /f/i.test(prefix) ? 'fstr' : 'str', value, line };
    }
    if (c === '0' && /[xXoObB]/.test(src[i + 1] ?? '')) {
      // A base prefix must be followed by a digit of that base (CPython's texts).
      const base = /[xX]/.test(src[i + 1]!) ? 'hexadecimal' : /[oO]/.test(src[i + 1]!) ? 'octal' : 'binary';
      const digit = base === 'hexadecimal' ? /[0-9a-fA-F]/ : base === 'octal' ? /[0-7]/ : /[01]/;
      const first = src[i + 2] ?? '';
      if (!digit.test(first)) {
        if (/[0-9]/.test(first)) throw tokenizerError(`invalid digit '${first}' in ${base} literal`, line);
        throw tokenizerError(`invalid ${base} literal`, line);
      }
    }
    NUMBER.lastIndex = i;
    const num = /[0-9.]/.test(c) ? NUMBER.exec(src) : null;
    if (num && num[0].length > 0 && !(c === '.' && !/\d/.test(src[i + 1] ?? ''))) {
      const text = num[0];
      if (/^0[0-9_]*[1-9]/.test(text) && !/[.eExXoObB]/.test(text)) {
        throw tokenizerError('leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers', line);
      }
      const after = src[i + text.length] ?? '';
      if (/[jJ]/.test(after)) throw tokenizerError('complex numbers are not supported', line);
      if (NAME_CHAR.test(after)) {
        const base = /^0[xX]/.test(text) ? 'hexadecimal' : /^0[oO]/.test(text) ? 'octal' : /^0[bB]/.test(text) ? 'binary' : 'decimal';
        throw tokenizerError(`invalid ${base} literal`, line);
      }
      this.i += text.length;
      return { kind: 'num', value: numberValue(text, line), line };
    }
    if (NAME_START.test(c)) {
      let j = i + 1;
      while (j < src.length && NAME_CHAR.test(src[j]!)) j++;
      this.i = j;
      const value = src.slice(i, j);
      return { kind: KEYWORDS.has(value) ? 'keyword' : 'name', value, line };
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw syntaxError('invalid syntax', line);
    if (op === '(' || op === '[' || op === '{') this.brackets.push({ open: op, line });
    const opener = OPENER_OF[op];
    if (opener) {
      const open = this.brackets.pop();
      if (open === undefined) throw tokenizerError(`unmatched '${op}'`, line);
      if (open.open !== opener) {
        const where = open.line === line ? '' : ` on line ${open.line}`;
        throw tokenizerError(`closing parenthesis '${op}' does not match opening parenthesis '${open.open}'${where}`, line);
      }
    }
    this.i += op.length;
    return { kind: 'op', value: op, line };
  }

  private readString(start: number, quote: string, raw: boolean): { value: string; end: number } {
    const src = this.src;
    const startLine = this.line;
    let out = '';
    let i = start;
    for (;;) {
      if (i >= src.length) {
        const what = quote.length === 3 ? 'unterminated triple-quoted string literal' : 'unterminated string literal';
        throw tokenizerError(`${what} (detected at line ${this.line})`, startLine);
      }
      if (src.startsWith(quote, i)) return { value: out, end: i + quote.length };
      const c = src[i]!;
      if (c === '\n' || c === '\r') {
        if (quote.length === 1) throw tokenizerError(`unterminated string literal (detected at line ${this.line})`, startLine);
        this.line++;
      }
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
      if (n === '\n') this.line++;
      if (raw) {
        out += c + n;
        i += 2;
        continue;
      }
      if (n === '\n') {
        i += 2;
        continue;
      }
      const simple = SIMPLE_ESCAPES[n];
      if (simple !== undefined) {
        out += simple;
        i += 2;
        continue;
      }
      if (/[0-7]/.test(n)) {
        const m = /^[0-7]{1,3}/.exec(src.slice(i + 1, i + 4))![0];
        out += String.fromCodePoint(parseInt(m, 8));
        i += 1 + m.length;
        continue;
      }
      const width = n === 'x' ? 2 : n === 'u' ? 4 : n === 'U' ? 8 : 0;
      if (width > 0) {
        const h = src.slice(i + 2, i + 2 + width);
        if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(h)) {
          throw tokenizerError(
            `(unicode error) 'unicodeescape' codec can't decode bytes in position 0-${1 + h.length}: truncated \\${n}${'X'.repeat(width)} escape`,
            startLine,
          );
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
}

function numberValue(text: string, line: number): PyValue {
  const t = text.replace(/_/g, '');
  if (/^0[xXoObB]/.test(t)) return BigInt(t);
  if (/[.eE]/.test(t)) return Number(t);
  if (/^0+\d/.test(t)) {
    throw tokenizerError('leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers', line);
  }
  return BigInt(t);
}

class Parser {
  private i = 0;
  private readonly tokens: Token[] = [];

  constructor(private readonly lexer: Lexer) {}

  /** The token at index k, read on demand. */
  private at(k: number): Token {
    while (this.tokens.length <= k) {
      const last = this.tokens[this.tokens.length - 1];
      this.tokens.push(last?.kind === 'end' ? last : this.lexer.next());
    }
    return this.tokens[k]!;
  }

  private peek(): Token {
    return this.at(this.i);
  }

  private take(): Token {
    return this.at(this.i++);
  }

  private isOp(value: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.value === value;
  }

  /** A SyntaxError at the current token's line. */
  private fail(message = 'invalid syntax'): PyException {
    return syntaxError(message, this.peek().line);
  }

  private expectOp(value: string): void {
    if (!this.isOp(value)) throw this.fail();
    this.i++;
  }

  /**
   * An item in brackets followed by neither a comma nor the closing bracket: CPython suggests a comma when another
   * expression follows (but not for a name followed by a string), otherwise it is plain invalid syntax.
   */
  private missingComma(item: Expr, itemLine: number): PyException {
    const t = this.peek();
    const startsExpression =
      t.kind === 'num' ||
      t.kind === 'str' ||
      t.kind === 'fstr' ||
      t.kind === 'name' ||
      (t.kind === 'op' && ['(', '[', '{', '-', '+'].includes(t.value));
    if (!startsExpression || (item.kind === 'name' && (t.kind === 'str' || t.kind === 'fstr'))) return this.fail();
    return syntaxError('invalid syntax. Perhaps you forgot a comma?', itemLine);
  }

  parseAll(): Expr {
    try {
      // An empty text is reported at line 0, as CPython does.
      if (this.peek().kind === 'end') throw syntaxError('invalid syntax', this.lexer.isEmpty() ? 0 : this.peek().line);
      const e = this.expressionList();
      if (this.peek().kind === 'newline') this.i++;
      if (this.peek().kind !== 'end') throw this.fail();
      return e;
    } catch (error) {
      if (error instanceof TokenizerError) throw error;
      // CPython reads the rest of the text after a parser error and reports a tokenizer error instead, if any.
      this.lexer.draining = true;
      let last = this.tokens[this.tokens.length - 1];
      try {
        while (last?.kind !== 'end') last = this.lexer.next();
      } catch (later) {
        if (later instanceof TokenizerError) throw later;
      }
      throw error;
    }
  }

  /** An expression, or a bare tuple `a, b` where Python allows one. */
  private expressionList(first: Expr = this.expression()): Expr {
    if (!this.isOp(',')) return first;
    const items = [first];
    while (this.isOp(',')) {
      this.i++;
      const t = this.peek();
      if (this.isOp(')') || this.isOp(']') || t.kind === 'end' || t.kind === 'newline') break;
      items.push(this.expression());
    }
    return { kind: 'tuple', items };
  }

  private isKeyword(value: string, k = this.i): boolean {
    const t = this.at(k);
    return t.kind === 'keyword' && t.value === value;
  }

  /** `body if test else orelse`, or a disjunction. */
  private expression(): Expr {
    const body = this.disjunction();
    if (!this.isKeyword('if')) return body;
    this.i++;
    const test = this.disjunction();
    if (!this.isKeyword('else')) throw this.fail("expected 'else' after 'if' expression");
    this.i++;
    return { kind: 'conditional', test, body, orelse: this.expression() };
  }

  private disjunction(): Expr {
    return this.booleanChain('or', () => this.conjunction());
  }

  private conjunction(): Expr {
    return this.booleanChain('and', () => this.inversion());
  }

  private booleanChain(op: 'and' | 'or', operand: () => Expr): Expr {
    const first = operand();
    if (!this.isKeyword(op)) return first;
    const values = [first];
    while (this.isKeyword(op)) {
      this.i++;
      values.push(operand());
    }
    return { kind: 'boolean', op, values };
  }

  private inversion(): Expr {
    if (!this.isKeyword('not')) return this.comparison();
    this.i++;
    return { kind: 'not', operand: this.inversion() };
  }

  private comparison(): Expr {
    const left = this.arithmetic();
    const ops: CompareOp[] = [];
    const comparators: Expr[] = [];
    for (let op = this.compareOp(); op !== null; op = this.compareOp()) {
      ops.push(op);
      comparators.push(this.arithmetic());
    }
    return ops.length === 0 ? left : { kind: 'compare', left, ops, comparators };
  }

  /** Reads a comparison operator (`not in` and `is not` are two tokens), or returns null. */
  private compareOp(): CompareOp | null {
    const t = this.peek();
    if (t.kind === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.value)) {
      this.i++;
      return t.value as CompareOp;
    }
    if (t.kind !== 'keyword') return null;
    if (t.value === 'in') {
      this.i++;
      return 'in';
    }
    if (t.value === 'not' && this.isKeyword('in', this.i + 1)) {
      this.i += 2;
      return 'not in';
    }
    if (t.value !== 'is') return null;
    this.i++;
    if (!this.isKeyword('not')) return 'is';
    this.i++;
    return 'is not';
  }

  private arithmetic(): Expr {
    let left = this.term();
    while (this.isOp('+') || this.isOp('-')) {
      const op = (this.take() as { value: string }).value as BinaryOp;
      left = { kind: 'binary', op, left, right: this.term() };
    }
    return left;
  }

  private term(): Expr {
    let left = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('//') || this.isOp('%')) {
      const op = (this.take() as { value: string }).value as BinaryOp;
      left = { kind: 'binary', op, left, right: this.unary() };
    }
    return left;
  }

  private unary(): Expr {
    if (this.isOp('-') || this.isOp('+')) {
      const op = (this.take() as { value: string }).value as '-' | '+';
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
        if (this.isOp(':')) throw this.fail('slices are not supported');
        const index = this.expressionList();
        if (this.isOp(':')) throw this.fail('slices are not supported');
        this.expectOp(']');
        e = { kind: 'subscript', object: e, index };
      } else if (this.isOp('.')) {
        this.i++;
        const t = this.peek();
        if (t.kind !== 'name') throw this.fail();
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
      const next = this.at(this.i + 1);
      let item: Expr;
      if (t.kind === 'name' && next.kind === 'op' && next.value === '=') {
        if (CONSTANT_NAMES.has(t.value)) throw syntaxError(`cannot assign to ${t.value}`, t.line);
        if (keywords.some(([k]) => k === t.value)) throw syntaxError(`keyword argument repeated: ${t.value}`, t.line);
        this.i += 2;
        item = this.expression();
        keywords.push([t.value, item]);
      } else {
        if (this.isOp('*') || this.isOp('**')) throw this.fail('argument unpacking is not supported');
        item = this.expression();
        if (this.isOp('=')) throw this.fail('expression cannot contain assignment, perhaps you meant "=="?');
        if (this.isKeyword('for')) {
          // `f(x for x in y)`: a generator is the only argument, or it needs its own parentheses.
          const generators = this.comprehensionClauses();
          if (args.length > 0 || keywords.length > 0 || !this.isOp(')')) {
            throw syntaxError('Generator expression must be parenthesized', t.line);
          }
          item = { kind: 'comprehension', type: 'generator', element: item, value: null, generators };
        }
        if (keywords.length > 0) throw syntaxError('positional argument follows keyword argument', t.line);
        args.push(item);
      }
      if (this.isOp(',')) this.i++;
      else if (!this.isOp(')')) throw this.missingComma(item, t.line);
    }
    this.i++;
    return { kind: 'call', callee, args, keywords };
  }

  /** The `for target in iter [if cond]...` clauses after a comprehension's element. */
  private comprehensionClauses(): Comprehension[] {
    const generators: Comprehension[] = [];
    while (this.isKeyword('for')) {
      this.i++;
      const target = this.targets();
      if (!this.isKeyword('in')) throw this.fail();
      this.i++;
      const iter = this.disjunction();
      const ifs: Expr[] = [];
      while (this.isKeyword('if')) {
        this.i++;
        ifs.push(this.disjunction());
      }
      generators.push({ target, iter, ifs });
    }
    return generators;
  }

  /** A comprehension's target: a name, or targets separated by commas, each maybe in brackets. */
  private targets(): Expr {
    const one = (): Expr => {
      const t = this.peek();
      if (t.kind === 'name' && !CONSTANT_NAMES.has(t.value)) {
        this.i++;
        return { kind: 'name', name: t.value };
      }
      if (this.isOp('(') || this.isOp('[')) {
        const close = this.isOp('(') ? ')' : ']';
        this.i++;
        const inner = this.targets();
        this.expectOp(close);
        return inner;
      }
      throw this.fail();
    };
    const first = one();
    if (!this.isOp(',')) return first;
    const items = [first];
    while (this.isOp(',')) {
      this.i++;
      if (this.isKeyword('in') || this.isOp(')') || this.isOp(']')) break;
      items.push(one());
    }
    return { kind: 'tuple', items };
  }

  private atom(): Expr {
    const t = this.peek();
    if (t.kind === 'num') {
      this.i++;
      return { kind: 'literal', value: t.value };
    }
    if (t.kind === 'str' || t.kind === 'fstr') return this.strings();
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
        const line = this.peek().line;
        const item = this.expression();
        if (items.length === 0 && this.isKeyword('for')) {
          const generators = this.comprehensionClauses();
          this.expectOp(']');
          return { kind: 'comprehension', type: 'list', element: item, value: null, generators };
        }
        items.push(item);
        if (this.isOp(',')) this.i++;
        else if (!this.isOp(']')) throw this.missingComma(item, line);
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
      const line = this.peek().line;
      const first = this.expression();
      if (this.isKeyword('for')) {
        const generators = this.comprehensionClauses();
        this.expectOp(')');
        return { kind: 'comprehension', type: 'generator', element: first, value: null, generators };
      }
      const e = this.expressionList(first);
      if (!this.isOp(')')) throw this.missingComma(e, line);
      this.i++;
      return e;
    }
    if (this.isOp('{')) {
      this.i++;
      const entries: Array<readonly [Expr | null, Expr]> = [];
      while (!this.isOp('}')) {
        const line = this.peek().line;
        let v: Expr;
        if (this.isOp('**')) {
          this.i++;
          v = this.arithmetic();
          entries.push([null, v]);
        } else {
          const k = this.expression();
          if (!this.isOp(':')) {
            if (entries.length > 0) throw this.fail();
            if (!this.isKeyword('for')) return this.setRest(k, line);
            const generators = this.comprehensionClauses();
            this.expectOp('}');
            return { kind: 'comprehension', type: 'set', element: k, value: null, generators };
          }
          this.i++;
          v = this.expression();
          if (entries.length === 0 && this.isKeyword('for')) {
            const generators = this.comprehensionClauses();
            this.expectOp('}');
            return { kind: 'comprehension', type: 'dict', element: k, value: v, generators };
          }
          entries.push([k, v]);
        }
        if (this.isOp(',')) this.i++;
        else if (!this.isOp('}')) throw this.missingComma(v, line);
      }
      this.i++;
      return { kind: 'dict', entries };
    }
    throw this.fail();
  }

  /** Adjacent string literals, concatenated; with an f-string among them, an f-string. */
  private strings(): Expr {
    const parts: Array<string | FieldPart> = [];
    let formatted = false;
    for (let t = this.peek(); t.kind === 'str' || t.kind === 'fstr'; t = this.peek()) {
      this.i++;
      if (t.kind === 'str') parts.push(t.value);
      else {
        formatted = true;
        parts.push(...fstringParts(t.value, t.line));
      }
    }
    if (!formatted) return { kind: 'literal', value: parts.join('') };
    const merged: Array<string | FieldPart> = [];
    for (const p of parts) {
      const last = merged[merged.length - 1];
      if (typeof p === 'string' && typeof last === 'string') merged[merged.length - 1] = last + p;
      else merged.push(p);
    }
    return { kind: 'fstring', parts: merged };
  }

  /** The rest of a set display `{a, b}` after its first item. */
  private setRest(first: Expr, firstLine: number): Expr {
    const items = [first];
    let last = first;
    let lastLine = firstLine;
    for (;;) {
      if (this.isOp(',')) this.i++;
      else if (!this.isOp('}')) throw this.missingComma(last, lastLine);
      if (this.isOp('}')) break;
      lastLine = this.peek().line;
      last = this.expression();
      items.push(last);
    }
    this.i++;
    return { kind: 'set', items };
  }
}

type FieldPart = { readonly expr: Expr; readonly conversion: 'r' | 's' | 'a' | null };

/**
 * The literal text and replacement fields of an f-string (its escapes already read). A field's expression runs to
 * the first "}", "!" or ":" outside brackets and quotes and is parsed as an expression of its own; format specs are
 * not supported.
 */
function fstringParts(text: string, line: number): Array<string | FieldPart> {
  const parts: Array<string | FieldPart> = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if ((c === '{' || c === '}') && text[i + 1] === c) {
      literal += c;
      i += 2;
      continue;
    }
    if (c === '}') throw syntaxError("f-string: single '}' is not allowed", line);
    if (c !== '{') {
      literal += c;
      i++;
      continue;
    }
    // CPython 3.11's fstring_find_expr: brackets and quotes are tracked to find where the expression ends.
    const open: string[] = [];
    let quote: string | null = null;
    let j = i + 1;
    for (; j < text.length; j++) {
      const d = text[j]!;
      if (d === '\\') throw syntaxError('f-string expression part cannot include a backslash', line);
      if (quote !== null) {
        if (d === quote) quote = null;
      } else if (d === "'" || d === '"') quote = d;
      else if ('([{'.includes(d)) open.push(d);
      else if (d === '#') throw syntaxError("f-string expression part cannot include '#'", line);
      else if (')]}'.includes(d)) {
        if (open.length === 0) {
          if (d === '}') break;
          throw syntaxError(`f-string: unmatched '${d}'`, line);
        }
        const opener = open.pop()!;
        if (OPENER_OF[d] !== opener) {
          throw syntaxError(`f-string: closing parenthesis '${d}' does not match opening parenthesis '${opener}'`, line);
        }
      } else if (open.length === 0 && (d === ':' || (d === '!' && text[j + 1] !== '='))) break;
    }
    if (quote !== null) throw syntaxError('f-string: unterminated string', line);
    if (open.length > 0) throw syntaxError(`f-string: unmatched '${open[open.length - 1]}'`, line);
    const source = text.slice(i + 1, j);
    if (j >= text.length) throw syntaxError("f-string: expecting '}'", line);
    if (source.trim() === '') throw syntaxError('f-string: empty expression not allowed', line);
    let conversion: FieldPart['conversion'] = null;
    if (text[j] === '!') {
      const k = text[j + 1] ?? '';
      if (k !== 'r' && k !== 's' && k !== 'a') throw syntaxError("f-string: invalid conversion character: expected 's', 'r', or 'a'", line);
      conversion = k;
      j += 2;
    }
    if (text[j] === ':') throw syntaxError('f-string format specs are not supported', line);
    if (text[j] !== '}') throw syntaxError("f-string: expecting '}'", line);
    if (literal !== '') parts.push(literal);
    literal = '';
    let expr: Expr;
    try {
      expr = parsePythonExpression(`(${source})`);
    } catch (e) {
      if (!(e instanceof PyException)) throw e;
      throw syntaxError(`f-string: ${e.message.replace(/ \(<string>, line \d+\)$/, '')}`, line);
    }
    parts.push({ expr, conversion });
    i = j + 1;
  }
  if (literal !== '') parts.push(literal);
  return parts;
}

/** Parses one Python expression (normally a call) into a tree. */
export function parsePythonExpression(source: string): Expr {
  // eval() ignores leading spaces and tabs.
  return new Parser(new Lexer(source.replace(/^[ \t]+/, ''))).parseAll();
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
        if (k === null) return undefined;
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
