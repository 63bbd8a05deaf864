import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BfclEnv, HOLDOUT_USER_PROMPT, parseAssistant } from '../../../src/envs/bfcl/env.js';
import { loadEntries } from '../../../src/envs/bfcl/data.js';

const call = (name: string, args: Record<string, unknown>): string =>
  `<tool_call>\n${JSON.stringify({ name, arguments: args })}\n</tool_call>`;
const openAi = (name: string, args: string) => ({ content: null, tool_calls: [{ function: { name, arguments: args } }] });

test('reset gives the system prompt with the tools and the first question', () => {
  const entry = loadEntries('base')[0]!;
  const env = new BfclEnv({ systemPrompt: 'Be brief.' });
  const { messages, tools } = env.reset(entry);
  assert.equal(tools.length, 18 + 14); // GorillaFileSystem + TwitterAPI function docs
  assert.equal(messages.length, 2);
  assert.equal(messages[0]!.role, 'system');
  assert.ok(messages[0]!.content.startsWith('Be brief.\n\n# Tools\n'));
  assert.ok(messages[0]!.content.includes('"name": "mv"'));
  assert.deepEqual(messages[1], { role: 'user', content: entry.question[0]![0]!.content });
  const mkdir = tools.find((t) => t.function.name === 'mkdir')!;
  assert.equal((mkdir.function.parameters as { type: string }).type, 'object');
  assert.ok(mkdir.function.description.includes('The response field has the following schema: {"type": "dict"'));
});

test('a full episode through Qwen text and OpenAI tool calls is judged valid', () => {
  const entry = loadEntries('base')[0]!;
  const env = new BfclEnv();
  env.reset(entry);
  // Calls inside <think> are not executed.
  let s = env.step(
    `<think>maybe ${call('rm', { file_name: 'final_report.pdf' })}</think>` +
      call('cd', { folder: 'document' }) +
      call('mkdir', { dir_name: 'temp' }),
  );
  assert.deepEqual(s.messages, [
    { role: 'tool', content: '{"current_working_directory": "document"}' },
    { role: 'tool', content: 'None' },
  ]);
  assert.equal(s.done, false);
  s = env.step(openAi('mv', '{"source": "final_report.pdf", "destination": "temp"}'));
  assert.equal(s.messages[0]!.content, `{"result": "'final_report.pdf' moved to 'temp/final_report.pdf'"}`);
  s = env.step('<tool_call>{"name": "cd", "arguments": {"folder": }</tool_call>');
  assert.equal(s.messages.length, 1);
  assert.match(s.messages[0]!.content, /^Error during parsing: the tool call is not valid JSON/);
  s = env.step('Moved it.');
  assert.equal(s.turn, 1);
  assert.deepEqual(s.messages, [{ role: 'user', content: entry.question[1]![0]!.content }]);
  for (let turn = 1; turn < entry.groundTruth.length; turn++) {
    for (const c of entry.groundTruth[turn]!) {
      // Ground-truth strings go through the OpenAI path as JSON arguments.
      const m = /^(\w+)\((.*)\)$/.exec(c)!;
      const args = m[2]!.length === 0 ? {} : Object.fromEntries(
        [...m[2]!.matchAll(/(\w+)\s*=\s*'([^']*)'/g)].map((x) => [x[1]!, x[2]!]),
      );
      const positional = m[1] === 'sort' ? { file_name: 'final_report.pdf' } : args;
      env.step(openAi(m[1]!, JSON.stringify(positional)));
    }
    s = env.step('Done.');
  }
  assert.equal(s.done, true);
  assert.equal(s.truncated, false);
  const verdict = env.evaluate();
  assert.equal(verdict.verdict.valid, true);
  assert.equal(verdict.success, true);
  assert.equal(verdict.score, 1);
  assert.deepEqual(verdict.calls[0], [
    ["cd(folder='document')", "mkdir(dir_name='temp')"],
    ["mv(source='final_report.pdf',destination='temp')"],
  ]);
  assert.throws(() => env.step('again'), /after the episode ended/);
});

test('budgets end the episode: steps per question and calls per episode', () => {
  const entry = loadEntries('base')[0]!;
  const env = new BfclEnv({ maxStepsPerTurn: 1 });
  env.reset(entry);
  const s = env.step(call('ls', {}));
  assert.equal(s.done, true);
  assert.equal(s.truncated, true);
  assert.equal(env.evaluate().verdict.errorType, 'multi_turn:force_terminated');

  const budget = new BfclEnv({ maxCalls: 2 });
  budget.reset(entry);
  const b = budget.step(call('ls', {}) + call('pwd', {}) + call('cd', { folder: 'document' }));
  assert.deepEqual(
    b.messages.map((m) => m.content),
    ['{"current_directory_content": ["document", "archive"]}', '{"current_working_directory": "/workspace"}', 'Error: the call budget of this episode is used up.'],
  );
  assert.equal(b.done, true);
  assert.equal(b.truncated, true);
});

test('miss_func withholds functions until their turn, then announces them', () => {
  const entry = loadEntries('miss_func')[1]!; // mv withheld until turn 2
  const env = new BfclEnv();
  const { tools } = env.reset(entry);
  assert.ok(!tools.some((t) => t.function.name === 'mv'));
  env.step('ok');
  const s = env.step('I cannot do that with these tools.');
  assert.equal(s.turn, 2);
  assert.ok(s.tools.some((t) => t.function.name === 'mv'));
  assert.ok(s.messages[0]!.content.startsWith(`${HOLDOUT_USER_PROMPT}\nThe added functions:\n{"type": "function", "function": {"name": "mv"`));
});

test('parseAssistant keeps JSON ints and floats apart and reports unreadable calls', () => {
  assert.deepEqual(parseAssistant(call('tail', { file_name: 'x', lines: 2 }).replace('2}', '2.0}')), [
    { call: "tail(file_name='x',lines=2.0)", error: null },
  ]);
  assert.deepEqual(parseAssistant(openAi('post_tweet', '{"content": "it\'s", "tags": ["#a"], "n": null}')), [
    { call: `post_tweet(content="it's",tags=['#a'],n=None)`, error: null },
  ]);
  assert.deepEqual(parseAssistant('<tool_call>{"name": "x y"}</tool_call>'), [{ call: null, error: '"x y" is not a function name' }]);
  assert.deepEqual(parseAssistant('<tool_call>[1]</tool_call>'), [
    { call: null, error: 'a tool call must be a JSON object {"name": ..., "arguments": {...}}' },
  ]);
  assert.deepEqual(parseAssistant('</think>' + call('ls', {})), [{ call: 'ls()', error: null }]);
  assert.deepEqual(parseAssistant('plain answer'), []);
});

test('a structured assistant message plays like its text: valid calls run, invalid blocks answer with an error, in order', () => {
  const entry = loadEntries('base')[0]!;
  const env = new BfclEnv();
  env.reset(entry);
  const s = env.step({
    role: 'assistant',
    content: '',
    toolCalls: [{ name: 'cd', arguments: { folder: 'document' } }, { name: 'ls', arguments: {} }],
    invalidToolCalls: [{ index: 1, raw: '{oops', error: 'invalid JSON in tool call' }],
  });
  assert.equal(s.messages.length, 3);
  assert.match(s.messages[0]!.content, /current_working_directory/);
  assert.equal(s.messages[1]!.content, 'Error during parsing: invalid JSON in tool call');
  assert.match(s.messages[2]!.content, /current_directory_content/);
  assert.deepEqual(env.evaluate().calls[0], [["cd(folder='document')", 'ls()']]);
});
