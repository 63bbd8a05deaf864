import { test } from 'node:test';
import assert from 'node:assert/strict';
import { literalValue, parsePythonExpression } from '../../../src/envs/bfcl/call-parser.js';
import { pyRepr } from '../../../src/envs/bfcl/python/value.js';

function argsRepr(source: string): string {
  const e = parsePythonExpression(source);
  assert.equal(e.kind, 'call');
  if (e.kind !== 'call') return '';
  const pos = e.args.map((a) => pyRepr(literalValue(a)!));
  const kw = e.keywords.map(([k, v]) => `${k}=${pyRepr(literalValue(v)!)}`);
  return [...pos, ...kw].join(', ');
}

test('literals keep Python types: int vs float, escapes, implicit concatenation, containers', () => {
  assert.equal(argsRepr("f(a=1, b=1.0, c=1e3, d=.5, e=0x1F, f=1_000)"), 'a=1, b=1.0, c=1000.0, d=0.5, e=31, f=1000');
  assert.equal(argsRepr(`f('it\\'s', "tab\\tq\\"", r'raw\\n', 'a' "b", '\\x41\\u00e9\\101')`), `"it's", 'tab\\tq"', 'raw\\\\n', 'ab', 'AéA'`);
  assert.equal(argsRepr("f(x=[1, [2.5, None]], y={'k': True, 2: (1,)}, z=(), w=(1, 2))"), "x=[1, [2.5, None]], y={'k': True, 2: (1,)}, z=(), w=(1, 2)");
  assert.equal(argsRepr("f(x=[1, 2,], y={'a': 1,})"), "x=[1, 2], y={'a': 1}");
});

test('names, dotted callees, nested calls, unary and binary operators parse into a tree', () => {
  const e = parsePythonExpression("a.b(x=-c(1), y=2*3+1)");
  assert.equal(e.kind, 'call');
  if (e.kind !== 'call') return;
  assert.deepEqual(e.callee, { kind: 'attribute', object: { kind: 'name', name: 'a' }, name: 'b' });
  assert.equal(e.keywords[0]![1].kind, 'unary');
  assert.equal(e.keywords[1]![1].kind, 'binary');
  assert.equal(literalValue(e.keywords[1]![1]), undefined);
  assert.deepEqual(parsePythonExpression('  ls()'), { kind: 'call', callee: { kind: 'name', name: 'ls' }, args: [], keywords: [] });
});

// SyntaxError texts as CPython 3.11.7 reports them through eval (line numbers included).
test('syntax errors carry CPython texts', () => {
  const cases: Array<[string, string]> = [
    ['ls(', "'(' was never closed (<string>, line 1)"],
    ["cd(folder='x", 'unterminated string literal (detected at line 1) (<string>, line 1)'],
    ['cd folder', 'invalid syntax (<string>, line 1)'],
    ["touch(file_name='x', file_name='y')", 'keyword argument repeated: file_name (<string>, line 1)'],
    ["touch(file_name='x', 'y')", 'positional argument follows keyword argument (<string>, line 1)'],
    ['ls())', "unmatched ')' (<string>, line 1)"],
    ['f(x=01)', 'leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers (<string>, line 1)'],
    ['', 'invalid syntax (<string>, line 0)'],
    ['ls()\nls()', 'invalid syntax (<string>, line 2)'],
    ['ls(\n1 2)', 'invalid syntax. Perhaps you forgot a comma? (<string>, line 2)'],
    ['\nls(', "'(' was never closed (<string>, line 2)"],
    ['*([', 'invalid syntax (<string>, line 1)'],
    // A tokenizer error anywhere wins over an earlier parser error.
    ["ls(a=1 2, b='x)", 'unterminated string literal (detected at line 1) (<string>, line 1)'],
    ["ls(x 's')", 'invalid syntax (<string>, line 1)'],
    ['ls(a={1: 2 3})', 'invalid syntax. Perhaps you forgot a comma? (<string>, line 1)'],
    ['ls(\n]', "closing parenthesis ']' does not match opening parenthesis '(' on line 1 (<string>, line 2)"],
    ['0b2', "invalid digit '2' in binary literal (<string>, line 1)"],
    ['0x', 'invalid hexadecimal literal (<string>, line 1)'],
    ['1e', 'invalid decimal literal (<string>, line 1)'],
    ['ls(a=1)\\x', 'unexpected character after line continuation character (<string>, line 1)'],
  ];
  for (const [src, message] of cases) {
    assert.throws(() => parsePythonExpression(src), { name: 'SyntaxError', message }, src);
  }
});

// Every Python 3.11 keyword as an argument name, as CPython 3.11.7 compiles it: True/False/None "cannot assign to",
// every other keyword "invalid syntax", at the keyword's line.
test('Python keywords as argument names fail as in CPython, wherever they are', () => {
  const keywords = ['False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield'];
  const shapes: ReadonlyArray<readonly [string, number]> = [
    ["f(K='A')", 1],
    ["f(a=1, K='B')", 1],
    ["f(\n  K='B')", 2],
    ["f(K='A', to='B')", 1],
    ['f(x=K_ok, K=1)', 1],
  ];
  for (const k of keywords) {
    const what = ['True', 'False', 'None'].includes(k) ? `cannot assign to ${k}` : 'invalid syntax';
    for (const [shape, line] of shapes) {
      const src = shape.replaceAll('K', k);
      assert.throws(() => parsePythonExpression(src), { name: 'SyntaxError', message: `${what} (<string>, line ${line})` }, src);
    }
  }
});

// Expressions around calls, as CPython 3.11.7 compiles them ('OK': valid, which the port parses too).
test('comprehensions, conditionals, comparisons, boolean operators and f-strings parse; their errors match CPython', () => {
  const cases: Array<[string, string]> = [
    ["f'{ls(}'", "f-string: closing parenthesis '}' does not match opening parenthesis '(' (<string>, line 1)"],
    ["f'{a[}'", "f-string: closing parenthesis '}' does not match opening parenthesis '[' (<string>, line 1)"],
    ["f'{a)}'", "f-string: unmatched ')' (<string>, line 1)"],
    ["f'{a(]}'", "f-string: closing parenthesis ']' does not match opening parenthesis '(' (<string>, line 1)"],
    ["f'{\"x}'", "f-string: unterminated string (<string>, line 1)"],
    ["f'{a#}'", "f-string expression part cannot include '#' (<string>, line 1)"],
    ["f'{}'", "f-string: empty expression not allowed (<string>, line 1)"],
    ["f'{a!x}'", "f-string: invalid conversion character: expected 's', 'r', or 'a' (<string>, line 1)"],
    ["f'}'", "f-string: single '}' is not allowed (<string>, line 1)"],
    ["f'{a'", "f-string: expecting '}' (<string>, line 1)"],
    ["f'{a!r}'", "OK"],
    ["f'{{x}}'", "OK"],
    ["f'{a}{b}c'", "OK"],
    ["f'{(1, 2)}'", "OK"],
    ["[x for x in y if z]", "OK"],
    ["[x for x, y in z]", "OK"],
    ["[x for (x, y) in z]", "OK"],
    ["{x: y for x in z}", "OK"],
    ["{x for x in y}", "OK"],
    ["f(x for x in y)", "OK"],
    ["f(x for x in y, 1)", "Generator expression must be parenthesized (<string>, line 1)"],
    ["f(1, x for x in y)", "Generator expression must be parenthesized (<string>, line 1)"],
    ["(x for x in y)", "OK"],
    ["a if b", "expected 'else' after 'if' expression (<string>, line 1)"],
    ["a if b else c", "OK"],
    ["not a", "OK"],
    ["a and b or c", "OK"],
    ["a not in b", "OK"],
    ["a is not b", "OK"],
    ["a < b < c", "OK"],
    ["a <> b", "invalid syntax (<string>, line 1)"],
    ["a != b", "OK"],
    ["a == = b", "invalid syntax (<string>, line 1)"],
    ["x = 1", "invalid syntax (<string>, line 1)"],
    ["[x for in y]", "invalid syntax (<string>, line 1)"],
    ["[for x in y]", "invalid syntax (<string>, line 1)"],
    ["{**a, 'b': 1}", "OK"],
    ["{**a: 1}", "invalid syntax (<string>, line 1)"],
    ["f(a)(b)", "OK"],
    ["a.b.c(d)", "OK"],
    ["[x for x in y for z in x]", "OK"],
  ];
  for (const [src, want] of cases) {
    let got = 'OK';
    try {
      parsePythonExpression(src);
    } catch (e) {
      got = (e as Error).message;
    }
    assert.equal(got, want, src);
  }
});
