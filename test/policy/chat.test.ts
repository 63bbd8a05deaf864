import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  ChatConversation,
  parseAssistantMessage,
  parseToolCallBody,
  pythonJson,
  renderChatText,
  renderChatTokens,
  type ChatMessage,
} from '../../src/policy/chat/index.js';
import { ByteLevelTokenizer, HuggingFaceTokenizer, toolCallHeadTokens } from '../../src/policy/tokenizer/index.js';

test('pythonJson writes json.dumps separators and keeps key order', () => {
  assert.equal(pythonJson({ b: 1, a: [1, 'x', null, true], c: { d: -2.5 } }), '{"b": 1, "a": [1, "x", null, true], "c": {"d": -2.5}}');
  assert.equal(pythonJson({}), '{}');
  assert.equal(pythonJson([]), '[]');
  assert.equal(pythonJson('é "q"\n'), '"é \\"q\\"\\n"');
  assert.equal(pythonJson({ skip: undefined, keep: 0 }), '{"keep": 0}');
  assert.throws(() => pythonJson(NaN), /cannot write NaN/);
});

test('parse: text, calls in order, content without the call blocks', () => {
  const m = parseAssistantMessage('Let me look.\n<tool_call>\n{"name": "ls", "arguments": {"a": true}}\n</tool_call>\n<tool_call>\n{"name": "cd", "arguments": {"folder": "x"}}\n</tool_call>');
  assert.deepEqual(m, {
    content: 'Let me look.',
    reasoning: null,
    toolCalls: [{ name: 'ls', arguments: { a: true } }, { name: 'cd', arguments: { folder: 'x' } }],
    toolCallErrors: [],
  });
  assert.deepEqual(parseAssistantMessage('  Done.  '), { content: 'Done.', reasoning: null, toolCalls: [], toolCallErrors: [] });
});

test('parse: calls inside <think> are not calls (seeupo.md §6, mistake 5)', () => {
  const call = '<tool_call>{"name": "rm", "arguments": {}}</tool_call>';
  const closed = parseAssistantMessage(`<think>maybe ${call}?</think>Answer ${call.replace('rm', 'ls')}`);
  assert.deepEqual(closed.toolCalls, [{ name: 'ls', arguments: {} }]);
  assert.equal(closed.reasoning, `maybe ${call}?`);
  assert.equal(closed.content, 'Answer');
  // Never closed: the rest of the message is reasoning.
  const open = parseAssistantMessage(`Hi <think>plan ${call}`);
  assert.deepEqual(open.toolCalls, []);
  assert.equal(open.reasoning, `plan ${call}`);
  assert.equal(open.content, 'Hi');
  // A </think> with no <think> before it closes reasoning that began at the start.
  const stray = parseAssistantMessage(`${call} thought</think>\n${call.replace('rm', 'pwd')}`);
  assert.deepEqual(stray.toolCalls, [{ name: 'pwd', arguments: {} }]);
  assert.equal(stray.reasoning, `${call} thought`);
  // Two think blocks.
  assert.equal(parseAssistantMessage('<think>a</think>x<think> b </think>y').reasoning, 'a\nb');
  assert.equal(parseAssistantMessage('<think>a</think>x<think> b </think>y').content, 'xy');
});

test('parse: malformed calls are error values in block order, never throws', () => {
  const m = parseAssistantMessage(
    '<tool_call>{"name": "a", "arguments": {}}</tool_call><tool_call>{"name": "b", </tool_call>' +
      '<tool_call>[1]</tool_call><tool_call>{"arguments": {}}</tool_call><tool_call>{"name": "c", "arguments": [1]}</tool_call>' +
      '<tool_call>{"name": "d"}</tool_call><tool_call>{"name": "e", "argu',
  );
  assert.deepEqual(m.toolCalls, [{ name: 'a', arguments: {} }, { name: 'd', arguments: {} }]);
  assert.deepEqual(m.toolCallErrors.map((e) => [e.index, e.raw]), [
    [1, '{"name": "b", '],
    [2, '[1]'],
    [3, '{"arguments": {}}'],
    [4, '{"name": "c", "arguments": [1]}'],
    [6, '{"name": "e", "argu'],
  ]);
  assert.match(m.toolCallErrors[0]!.message, /^invalid JSON in tool call/);
  assert.match(m.toolCallErrors[1]!.message, /must be a JSON object/);
  assert.match(m.toolCallErrors[2]!.message, /non-empty string "name"/);
  assert.match(m.toolCallErrors[3]!.message, /"arguments" of tool call "c" must be a JSON object/);
  assert.equal(m.toolCallErrors[4]!.message, '<tool_call> is not closed by </tool_call>');
  assert.deepEqual(parseToolCallBody('\n{"name": "x", "arguments": {"k": [1, 2]}}\n'), { name: 'x', arguments: { k: [1, 2] } });
});

const tools = [{ type: 'function', function: { name: 'ls', description: 'List files.', parameters: { type: 'object', properties: {} } } }];

test('renderChatText is Qwen 2.5 ChatML with tools, calls and grouped tool responses (hand-written expected text)', () => {
  const messages: ChatMessage[] = [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'What is here?' },
    { role: 'assistant', content: '', toolCalls: [{ name: 'ls', arguments: {} }, { name: 'ls', arguments: { a: true } }] },
    { role: 'tool', content: '{"files": []}' },
    { role: 'tool', content: 'ok' },
    { role: 'assistant', content: 'Nothing.' },
    { role: 'user', content: 'Sure?' },
  ];
  const expected =
    '<|im_start|>system\nBe brief.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n' +
    'You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n' +
    '{"type": "function", "function": {"name": "ls", "description": "List files.", "parameters": {"type": "object", "properties": {}}}}\n' +
    '</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n' +
    '<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n' +
    '<|im_start|>user\nWhat is here?<|im_end|>\n' +
    '<|im_start|>assistant\n<tool_call>\n{"name": "ls", "arguments": {}}\n</tool_call>\n<tool_call>\n{"name": "ls", "arguments": {"a": true}}\n</tool_call><|im_end|>\n' +
    '<|im_start|>user\n<tool_response>\n{"files": []}\n</tool_response>\n<tool_response>\nok\n</tool_response><|im_end|>\n' +
    '<|im_start|>assistant\nNothing.<|im_end|>\n' +
    '<|im_start|>user\nSure?<|im_end|>\n';
  assert.equal(renderChatText(messages, { tools }), expected);
  assert.equal(renderChatText(messages, { tools, addGenerationPrompt: true }), `${expected}<|im_start|>assistant\n`);
  // Content and calls: the calls follow the content on a new line.
  assert.equal(
    renderChatText([{ role: 'assistant', content: 'Hm.', toolCalls: [{ name: 'ls', arguments: {} }] }]),
    '<|im_start|>assistant\nHm.\n<tool_call>\n{"name": "ls", "arguments": {}}\n</tool_call><|im_end|>\n',
  );
  // No system message and no tools: no system block. Tools without a system message: the tools section alone.
  assert.equal(renderChatText([{ role: 'user', content: 'x' }]), '<|im_start|>user\nx<|im_end|>\n');
  assert.ok(renderChatText([{ role: 'user', content: 'x' }], { tools }).startsWith('<|im_start|>system\n# Tools\n\n'));
});

test('conversation: a sampled turn keeps the sampled ids; template tokens get mask 0 and log-prob 0', () => {
  const tok = new ByteLevelTokenizer();
  const conv = new ChatConversation(tok, tools);
  assert.deepEqual(conv.stopTokens, [258, 256]);
  conv.add({ role: 'system', content: 'S' }, { role: 'user', content: 'U' });
  const prompt = conv.promptTokens();
  assert.deepEqual(prompt, tok.encode(renderChatText([{ role: 'system', content: 'S' }, { role: 'user', content: 'U' }], { tools, addGenerationPrompt: true })));
  assert.deepEqual(prompt.slice(-11), [257, ...Buffer.from('assistant\n')]);
  const sampled = tok.encode('<tool_call>\n{"name": "ls", "arguments": {}}\n</tool_call><|im_end|>');
  const logprobs = sampled.map((_, i) => -0.5 - i);
  const turn = conv.addSampledAssistant(sampled, logprobs);
  assert.equal(turn.index, 0);
  assert.equal(turn.finishReason, 'stop');
  assert.deepEqual(turn.contextTokens, prompt);
  assert.deepEqual(turn.responseTokens, [...sampled, 10]);
  assert.deepEqual(turn.lossMask, [...sampled.map(() => 1), 0]);
  assert.deepEqual(turn.behaviourLogprobs, [...logprobs, 0]);
  assert.deepEqual(turn.message.toolCalls, [{ name: 'ls', arguments: {} }]);

  conv.add({ role: 'tool', content: '[]' });
  const prompt2 = conv.promptTokens();
  // Context of turn 1 = context of turn 0 + response of turn 0 + the tool block + the header.
  assert.deepEqual(prompt2, [...prompt, ...turn.responseTokens, ...tok.encode('<|im_start|>user\n<tool_response>\n[]\n</tool_response><|im_end|>\n<|im_start|>assistant\n')]);
  const turn2 = conv.addSampledAssistant(tok.encode('Empty.<|im_end|>'), new Array(7).fill(-1));
  assert.equal(turn2.index, 1);
  assert.equal(turn2.message.content, 'Empty.');
  // The whole conversation equals rendering the structured messages.
  assert.deepEqual(
    conv.tokens(),
    renderChatTokens(tok, [
      { role: 'system', content: 'S' },
      { role: 'user', content: 'U' },
      { role: 'assistant', content: '', toolCalls: [{ name: 'ls', arguments: {} }] },
      { role: 'tool', content: '[]' },
      { role: 'assistant', content: 'Empty.' },
    ], { tools }),
  );
});

test('conversation: non-canonical sampled tokens are never re-encoded', () => {
  // With a call-head token, the canonical encoding of a call is shorter; a model that spells the head in bytes
  // keeps its bytes in the context and in training, and the call still parses.
  const tok = new ByteLevelTokenizer({ extraSpecialTokens: toolCallHeadTokens(['ls']) });
  assert.deepEqual(tok.encode('{"name": "ls", "arguments": '), [265]);
  const conv = new ChatConversation(tok);
  conv.add({ role: 'user', content: 'go' });
  const prompt = conv.promptTokens();
  const bytesHead = [...Buffer.from('{"name": "ls", "arguments": ')];
  const sampled = [259, 10, ...bytesHead, 123, 125, 125, 10, 260, 258];
  const turn = conv.addSampledAssistant(sampled, sampled.map(() => -1));
  assert.deepEqual(turn.responseTokens, [...sampled, 10]);
  assert.deepEqual(turn.message.toolCalls, [{ name: 'ls', arguments: {} }]);
  assert.deepEqual(conv.tokens(), [...prompt, ...sampled, 10]);
  // The structured rendering of the same message uses the head token instead.
  assert.deepEqual(
    renderChatTokens(tok, [{ role: 'user', content: 'go' }, { role: 'assistant', content: '', toolCalls: [{ name: 'ls', arguments: {} }] }]).slice(prompt.length),
    [259, 10, 265, 123, 125, 125, 10, 260, 258, 10],
  );
});

test('conversation: a turn cut by the token limit is closed by template tokens with mask 0', () => {
  const tok = new ByteLevelTokenizer();
  const conv = new ChatConversation(tok);
  conv.add({ role: 'user', content: 'x' });
  conv.promptTokens();
  const sampled = tok.encode('<tool_call>{"name": "l');
  const turn = conv.addSampledAssistant(sampled, sampled.map(() => -2));
  assert.equal(turn.finishReason, 'length');
  assert.deepEqual(turn.responseTokens, [...sampled, 258, 10]);
  assert.deepEqual(turn.lossMask, [...sampled.map(() => 1), 0, 0]);
  assert.deepEqual(turn.behaviourLogprobs, [...sampled.map(() => -2), 0, 0]);
  assert.deepEqual(turn.message.toolCalls, []);
  assert.equal(turn.message.toolCallErrors[0]!.message, '<tool_call> is not closed by </tool_call>');
  // <|endoftext|> also stops; the template still closes the message with <|im_end|>\n.
  conv.add({ role: 'user', content: 'y' });
  conv.promptTokens();
  const eot = conv.addSampledAssistant([104, 256], [-1, -1]);
  assert.equal(eot.finishReason, 'stop');
  assert.deepEqual(eot.responseTokens, [104, 256, 258, 10]);
  assert.deepEqual(eot.lossMask, [1, 1, 0, 0]);
  assert.equal(eot.message.content, 'h');
  // An empty sample (max tokens 0) is closed the same way.
  conv.add({ role: 'user', content: 'z' });
  conv.promptTokens();
  assert.deepEqual(conv.addSampledAssistant([], []).responseTokens, [258, 10]);
});

test('conversation: misuse is an error, not a silent misalignment', () => {
  const tok = new ByteLevelTokenizer();
  const conv = new ChatConversation(tok);
  conv.add({ role: 'user', content: 'x' });
  conv.promptTokens();
  assert.throws(() => conv.addSampledAssistant([104, 258, 105], [0, 0, 0]), /stop token 258 at position 1 is not the last/);
  assert.throws(() => conv.addSampledAssistant([104], []), /1 sampled tokens but 0 log-probs/);
  conv.add({ role: 'user', content: 'late' });
  assert.throws(() => conv.addSampledAssistant([104], [0]), /messages were added after promptTokens/);
  // A tokenizer without <|im_end|> cannot hold a ChatML conversation.
  const json = JSON.parse(readFileSync('test/fixtures/tiny-bpe/tokenizer.json', 'utf8')) as { added_tokens: { content: string }[] };
  json.added_tokens = json.added_tokens.filter((t) => t.content !== '<|im_end|>');
  assert.throws(() => new ChatConversation(new HuggingFaceTokenizer(json)), /no special token "<\|im_end\|>"/);
});

test('conversation with a tokenizer.json: block-wise tokens equal encoding the whole text', () => {
  const tok = HuggingFaceTokenizer.fromFile('test/fixtures/tiny-bpe/tokenizer.json');
  const messages: ChatMessage[] = [
    { role: 'user', content: 'hello world' },
    { role: 'assistant', content: 'hello', toolCalls: [{ name: 'ls', arguments: { w: 'world' } }] },
    { role: 'tool', content: 'hello' },
  ];
  const tokens = renderChatTokens(tok, messages, { addGenerationPrompt: true });
  assert.deepEqual(tokens, tok.encode(renderChatText(messages, { addGenerationPrompt: true })));
  assert.equal(tok.decode(tokens), renderChatText(messages, { addGenerationPrompt: true }));
  // The fixture has <|endoftext|> (266) and <|im_end|> (268).
  assert.deepEqual(new ChatConversation(tok).stopTokens, [268, 266]);
  // "hello" and " world" are single BPE tokens inside the blocks.
  assert.deepEqual(tokens.slice(0, 9), [267, 117, 115, 101, 114, 10, 259, 264, 268]);
});

test('renderChatText equals Qwen 2.5 Jinja template output rendered by Python (fixture)', () => {
  const spec = JSON.parse(readFileSync('test/fixtures/qwen25-chat/conversation.json', 'utf8')) as { messages: ChatMessage[]; tools: Record<string, unknown>[] };
  const expected = readFileSync('test/fixtures/qwen25-chat/expected.txt', 'utf8');
  assert.equal(renderChatText(spec.messages, { tools: spec.tools, addGenerationPrompt: true }), expected);
});

test('conversation: a very long tool result (long-context episodes) is held without argument-limit errors', () => {
  const tok = new ByteLevelTokenizer();
  const conv = new ChatConversation(tok);
  const big = 'x'.repeat(600_000);
  conv.add({ role: 'user', content: 'u' }, { role: 'tool', content: big });
  const prompt = conv.promptTokens();
  const header = '<|im_start|>user\nu<|im_end|>\n<|im_start|>user\n<tool_response>\n';
  assert.equal(prompt.length, tok.encode(header).length + big.length + tok.encode('\n</tool_response><|im_end|>\n<|im_start|>assistant\n').length);
  const turn = conv.addSampledAssistant([111, 107, 258], [-1, -1, -1]);
  assert.equal(conv.tokens().length, prompt.length + turn.responseTokens.length);
});
