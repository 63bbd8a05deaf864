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
