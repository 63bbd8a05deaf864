import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GOLDEN_DATE, fixedClock } from '../../../src/envs/bfcl/apis/contract.js';
import { loadEntries } from '../../../src/envs/bfcl/data.js';
import { ApiSession } from '../../../src/envs/bfcl/executor.js';

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
