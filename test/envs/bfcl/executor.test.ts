import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GOLDEN_DATE, fixedClock } from '../../../src/envs/bfcl/apis/contract.js';
import { loadEntries } from '../../../src/envs/bfcl/data.js';
import { ApiSession } from '../../../src/envs/bfcl/executor.js';
import { PyDict } from '../../../src/envs/bfcl/python/value.js';

/**
 * Call strings (valid, malformed, blocked, unknown names, wrong types, expressions) executed in order on entry
 * multi_turn_base_0 (GorillaFileSystem + TwitterAPI). The expected strings were printed by the original
 * execute_multi_turn_func_call (CPython 3.11.7) for the same calls in the same order.
 */
const CASES: Array<[string, string]> = [
  ["ls()", "{\"current_directory_content\": [\"document\", \"archive\"]}"],
  ["ls(True)", "{\"current_directory_content\": [\"document\", \"archive\"]}"],
  ["cd(folder='document')", "{\"current_working_directory\": \"document\"}"],
  ["pwd()", "{\"current_working_directory\": \"/workspace/document\"}"],
  ["exit()", "Error during execution: Function call exit is not allowed."],
  ["foo(x=1)", "Error during execution: name 'foo' is not defined"],
  ["ls(", "Error during execution: '(' was never closed (<string>, line 1)"],
  ["cd(folder='x", "Error during execution: unterminated string literal (detected at line 1) (<string>, line 1)"],
  ["cd folder", "Error during execution: invalid syntax (<string>, line 1)"],
  ["5", "5"],
  ["cd(folder=document)", "Error during execution: name 'document' is not defined"],
  ["mkdir(dir_name=5)", "Error during execution: argument of type 'int' is not iterable"],
  ["ls(a=1+1)", "{\"current_directory_content\": [\"final_report.pdf\", \"previous_report.pdf\"]}"],
  ["touch(file_name='x', file_name='y')", "Error during execution: keyword argument repeated: file_name (<string>, line 1)"],
  ["touch(file_name='x', 'y')", "Error during execution: positional argument follows keyword argument (<string>, line 1)"],
  ["cat('final_report.pdf')[0]", "Error during execution: 0"],
  ["wc(file_name='final_report.pdf', mode='w')", "{\"count\": 13, \"type\": \"words\"}"],
  ["tail(file_name='final_report.pdf', lines=0)", "{\"last_lines\": \"Year2024 This is the final report content including budget analysis and other sections.\"}"],
  ["tail(file_name='final_report.pdf', lines=2.0)", "{\"last_lines\": \"Year2024 This is the final report content including budget analysis and other sections.\"}"],
  ["echo(content={'k': [1, 2.0, None]}, file_name='n.txt')", "None"],
  ["cat(file_name='n.txt')", "{\"file_content\": {\"k\": [1, 2.0, null]}}"],
  ["du(human_readable=True)", "Error during execution: 'dict' object has no attribute 'encode'"],
  ["du()", "Error during execution: 'dict' object has no attribute 'encode'"],
  ["post_tweet(content='hi')", "{\"error\": \"User not authenticated. Please authenticate before posting.\"}"],
  ["authenticate_twitter(username='analyst_pro', password='Kj8#mP9$vL2')", "{\"authentication_status\": true}"],
  ["post_tweet(content='a', tags=['#x'], mentions=[])", "{\"id\": 3, \"username\": \"analyst_pro\", \"content\": \"a\", \"tags\": [\"#x\"], \"mentions\": []}"],
  ["get_tweet(tweet_id=3.0)", "{\"id\": 3, \"username\": \"analyst_pro\", \"content\": \"a\", \"tags\": [\"#x\"], \"mentions\": []}"],
  ["get_tweet(tweet_id='3')", "{\"error\": \"Tweet with ID 3 not found.\"}"],
  ["get_ticket(ticket_id=1)", "Error during execution: name 'get_ticket' is not defined"],
  ["cd(folder=r'a\\b')", "{\"error\": \"cd: a\\\\b: No such directory. You cannot use path to change directory.\"}"],
  ["find(name='report')", "{\"matches\": [\"./final_report.pdf\", \"./previous_report.pdf\"]}"],
  ["mean(numbers=[1, 2])", "Error during execution: name 'mean' is not defined"],
  ["-ls()", "Error during execution: bad operand type for unary -: 'dict'"],
  ["ls()[0]", "Error during execution: 0"],
  ["ls(a=None, b=1)", "Error during execution: GorillaFileSystem.ls() got an unexpected keyword argument 'b'"],
  ["GorillaFileSystem.ls()", "Error during execution: name 'GorillaFileSystem' is not defined"],
  ["cd(folder='..')", "{}"],
  ["cd(folder='..')", "{\"error\": \"Cuurent directory is already the root. Cannot go back.\"}"],
  ["sort(file_name=1)", "{\"error\": \"sort: 1: No such file or directory\"}"],
  ["diff(file_name1='a', file_name2='b')", "{\"error\": \"diff: a or b: No such file or directory\"}"],
  ["pwd( )", "{\"current_working_directory\": \"/workspace\"}"],
  ["ls ()", "{\"current_directory_content\": [\"document\", \"archive\"]}"],
];

/** A session over the classes of multi_turn_base_0, with the goldens' clock. */
function baseSession(): ApiSession {
  const entry = loadEntries('base')[0]!;
  return new ApiSession({
    involvedClasses: entry.involvedClasses,
    initialConfig: entry.initialConfig,
    longContext: false,
    context: { clock: fixedClock(GOLDEN_DATE) },
  });
}

test('ApiSession.execute reproduces the original executor call by call, errors included', () => {
  const session = baseSession();
  for (const [call, want] of CASES) assert.equal(session.execute(call), want, call);
});

test('ApiSession resolves names only among the involved classes and rejects unknown classes', () => {
  const session = baseSession();
  assert.ok(session.methodNames().includes('post_tweet'));
  assert.ok(!session.methodNames().includes('get_ticket'));
  assert.throws(
    () =>
      new ApiSession({
        involvedClasses: ['NoSuchAPI'],
        initialConfig: loadEntries('base')[0]!.initialConfig,
        longContext: false,
        context: { clock: fixedClock(GOLDEN_DATE) },
      }),
    /NoSuchAPI is not ported/,
  );
});

// Python around calls, evaluated by CPython 3.11.7 (`eval(expr, {"__builtins__": __builtins__}, {})`, the result
// turned into text as the original executor does): builtins, methods of values, comprehensions, f-strings, boolean
// and comparison operators, and their error texts.
test('ApiSession evaluates builtins, value methods, comprehensions and operators as CPython does', () => {
  const session = new ApiSession({ involvedClasses: [], initialConfig: new PyDict(), longContext: false, context: { clock: fixedClock(GOLDEN_DATE) } });
  const cases: Array<[string, string]> = [
    ["len([1, 2])", "2"],
    ["len('h\u00e9llo')", "5"],
    ["len(5)", "Error during execution: object of type 'int' has no len()"],
    ["len()", "Error during execution: len() takes exactly one argument (0 given)"],
    ["sorted([3, 1, 2], reverse=True)", "[3, 2, 1]"],
    ["sorted(['b', 'a', 'C'])", "['C', 'a', 'b']"],
    ["sorted([1, 'a'])", "Error during execution: '<' not supported between instances of 'str' and 'int'"],
    ["str(1.0)", "1.0"],
    ["str()", ""],
    ["repr('a')", "'a'"],
    ["min([])", "Error during execution: min() arg is an empty sequence"],
    ["min([], default=0)", "0"],
    ["max(3, 1, 2)", "3"],
    ["min('bca')", "a"],
    ["sum([1, 2.5])", "3.5"],
    ["sum([1, 2], 10)", "13"],
    ["abs(-3)", "3"],
    ["round(2.675, 2)", "2.67"],
    ["round(2.5)", "2"],
    ["list(zip('ab', [1, 2, 3]))", "[('a', 1), ('b', 2)]"],
    ["list(enumerate(['x', 'y'], 1))", "[(1, 'x'), (2, 'y')]"],
    ["list(range(2, 10, 3))", "[2, 5, 8]"],
    ["list(range(5, 0, -2))", "[5, 3, 1]"],
    ["range(3)[1]", "1"],
    ["'a b  c'.split()", "['a', 'b', 'c']"],
    ["'a,b'.split(',')", "['a', 'b']"],
    ["'-'.join(['a', 'b'])", "a-b"],
    ["' x '.strip()", "x"],
    ["'Hi'.upper() + 'Hi'.lower()", "HIhi"],
    ["'abc'.replace('b', 'x')", "axc"],
    ["'abc'.startswith('a')", "True"],
    ["{'a': 1}.get('b', 2)", "2"],
    ["{'a': 1}.get('a')", "1"],
    ["list({'a': 1, 'b': 2}.items())", "[('a', 1), ('b', 2)]"],
    ["[1, 2, 1].count(1)", "2"],
    ["[1, 2].index(3)", "Error during execution: 3 is not in list"],
    ["{'a': 1}.nope()", "Error during execution: 'dict' object has no attribute 'nope'"],
    ["[x * 2 for x in range(3) if x]", "[2, 4]"],
    ["{k: v for k, v in [(1, 2), (3, 4)]}", "{\"1\": 2, \"3\": 4}"],
    ["{x % 2 for x in range(5)}", "{0, 1}"],
    ["[(x, y) for x in 'ab' for y in range(2)]", "[('a', 0), ('a', 1), ('b', 0), ('b', 1)]"],
    ["[a for a, b in [(1, 2, 3)]]", "Error during execution: too many values to unpack (expected 2)"],
    ["[a for a, b in [1]]", "Error during execution: cannot unpack non-iterable int object"],
    ["f'{1}{\"x\"!r}{[1, 2]}'", "1'x'[1, 2]"],
    ["f'{{}}{1+1}'", "{}2"],
    ["1 < 2 < 3", "True"],
    ["1 < 3 < 2", "False"],
    ["not []", "True"],
    ["[] or 'x'", "x"],
    ["0 and 1/0", "0"],
    ["None is None", "True"],
    ["'a' in 'abc'", "True"],
    ["'z' not in ['a']", "True"],
    ["1 if [] else 2", "2"],
    ["int('x')", "Error during execution: invalid literal for int() with base 10: 'x'"],
    ["int(' 42 ')", "42"],
    ["float('1e3')", "1000.0"],
    ["bool('')", "False"],
    ["tuple([1])", "(1,)"],
    ["list('ab')", "['a', 'b']"],
    ["{**{'a': 1}, 'b': 2}", "{\"a\": 1, \"b\": 2}"],
    ["{**[1]}", "Error during execution: 'list' object is not a mapping"],
    ["print('x')", "None"],
    ["print(x=1)", "Error during execution: 'x' is an invalid keyword argument for print()"],
    ["len(x=1)", "Error during execution: len() takes no keyword arguments"],
    ["sum(x for x in [1, 2])", "3"],
    ["'abc'[1]", "b"],
    ["[1, 2][5]", "Error during execution: list index out of range"],
    ["{'a': 1}['b']", "Error during execution: 'b'"],
    ["(1, 'a')", "(1, 'a')"],
    ["1 == 1.0", "True"],
    ["[1] * 2 + [3]", "[1, 1, 3]"],
    ["str([1, 'a', None, 1.5])", "[1, 'a', None, 1.5]"],
    ["x", "Error during execution: name 'x' is not defined"],
    ["[y for y in [1]][0] + y", "Error during execution: name 'y' is not defined"],
  ];
  for (const [expr, want] of cases) assert.equal(session.execute(expr), want, expr);
});
