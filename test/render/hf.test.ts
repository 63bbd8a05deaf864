import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AssistantMessage, ChatMessage } from '../../src/core/messages.js';
import { UserError } from '../../src/core/errors.js';
import { HfRenderer } from '../../src/render/hf.js';
import { DEEPSEEK_V3_TOOL_CALLS, QWEN_TOOL_CALLS } from '../../src/render/hf-tools.js';
import { createRenderer, rendererSpecSchema } from '../../src/render/index.js';
import { DEEPSEEK_V3_DIR, oracleUnavailable, QWEN3_DIR, renderWithPython } from './hf-oracle.js';

const qwen = HfRenderer.fromDir(QWEN3_DIR);
const deepseek = HfRenderer.fromDir(DEEPSEEK_V3_DIR);
const TOOLS = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
const QWEN_TOOLS_BLOCK =
  '<|im_start|>system\nBe brief.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n' +
  'You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n' +
  '{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}\n' +
  '</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n' +
  '<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n';
const unavailable = oracleUnavailable();

function isPrefix(prefix: readonly number[], of: readonly number[]): boolean {
  return prefix.length <= of.length && prefix.every((t, i) => of[i] === t);
}

const sample = (r: HfRenderer, text: string): number[] => r.tokenizer.encode(text);

test('hf renderer: stop tokens, vocabulary and tool-call format come from the model directory', () => {
  assert.deepEqual(qwen.stopTokens, [qwen.tokenizer.specialTokenId('<|im_end|>')]);
  assert.deepEqual(qwen.stopTokens, [151645]);
  assert.equal(qwen.vocabSize, 151669);
  assert.equal(qwen.format, QWEN_TOOL_CALLS);
  assert.deepEqual(deepseek.stopTokens, [deepseek.tokenizer.specialTokenId('<｜end▁of▁sentence｜>')]);
  assert.equal(deepseek.format, DEEPSEEK_V3_TOOL_CALLS);
  assert.equal(qwen.name, 'hf');
  // `<|im_end|>\n` after a Qwen message, `<｜end▁of▁sentence｜>` after a DeepSeek one.
  assert.equal(qwen.maxClosingTokens, 2);
  assert.equal(deepseek.maxClosingTokens, 1);
});

test('Qwen 3 rollout: sampled ids kept as sampled, thinking kept within a query, dropped after a new user message', () => {
  const conv = qwen.conversation(TOOLS);
  conv.add({ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Weather in Paris?' });
  const p1 = conv.promptTokens();
  assert.equal(qwen.decode(p1), `${QWEN_TOOLS_BLOCK}<|im_start|>user\nWeather in Paris?<|im_end|>\n<|im_start|>assistant\n`);

  // A deliberately non-canonical split ("Par" + "is" where the tokenizer would write "Paris" otherwise, spaces
  // apart): the next context must hold these very ids, not a re-encoding of their text.
  const think = sample(qwen, '<think>\nI need the weather in ');
  const odd = [...sample(qwen, 'Par'), ...sample(qwen, 'is')];
  const rest = sample(qwen, '.\n</think>\n\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call><|im_end|>');
  const s1 = [...think, ...odd, ...rest];
  assert.notDeepEqual(sample(qwen, qwen.decode(s1)), s1, 'the split must differ from the canonical encoding');
  const t1 = conv.addSampled(s1, s1.map((_, i) => -0.01 * i));
  assert.deepEqual(t1.message, { role: 'assistant', content: '', toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }], invalidToolCalls: [] });
  assert.equal(t1.finishReason, 'stop');
  assert.equal(t1.index, 0);
  assert.deepEqual(t1.contextTokens, p1);
  assert.deepEqual(t1.responseTokens, s1);
  assert.deepEqual(t1.lossMask, s1.map(() => 1));
  assert.deepEqual(t1.behaviourLogprobs, s1.map((_, i) => -0.01 * i));

  conv.add({ role: 'tool', content: '{"temp": 18}' });
  const p2 = conv.promptTokens();
  assert.ok(isPrefix([...p1, ...s1], p2), 'within one query the context extends the sampled ids');
  assert.equal(qwen.decode(p2.slice(p1.length + s1.length)), '\n<|im_start|>user\n<tool_response>\n{"temp": 18}\n</tool_response><|im_end|>\n<|im_start|>assistant\n');

  const s2 = sample(qwen, '<think>\nIt is 18.\n</think>\n\nIt is 18 °C.<|im_end|>');
  const t2 = conv.addSampled(s2, s2.map(() => 0));
  assert.equal(t2.index, 1);
  assert.deepEqual(t2.contextTokens, p2);
  assert.deepEqual(t2.message, { role: 'assistant', content: 'It is 18 °C.', toolCalls: [], invalidToolCalls: [] });

  conv.add({ role: 'user', content: 'Thanks!' });
  const p3 = conv.promptTokens();
  assert.ok(!isPrefix([...p2, ...s2], p3), 'a new user message makes the template drop the earlier <think> blocks');
  const text3 =
    `${QWEN_TOOLS_BLOCK}<|im_start|>user\nWeather in Paris?<|im_end|>\n<|im_start|>assistant\n` +
    '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call><|im_end|>\n' +
    '<|im_start|>user\n<tool_response>\n{"temp": 18}\n</tool_response><|im_end|>\n<|im_start|>assistant\nIt is 18 °C.<|im_end|>\n' +
    '<|im_start|>user\nThanks!<|im_end|>\n<|im_start|>assistant\n';
  assert.equal(qwen.decode(p3), text3);
  assert.deepEqual(p3, qwen.tokenizer.encode(text3), 'a rewritten history is tokenised afresh, as a server would');
  assert.deepEqual(conv.promptTokens(), p3, 'the prompt is stable until something is added');
});

test('Qwen 3 rollout contexts are what Python renders for the same messages (transformers apply_chat_template)', { skip: unavailable ?? false }, () => {
  const conv = qwen.conversation(TOOLS);
  const sys = { role: 'system', content: 'Be brief.' } as const;
  const user = { role: 'user', content: 'Wetter in München? 🌦' } as const;
  conv.add(sys, user);
  const a1 = '<think>\nCall the tool.\n</think>\n\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "München"}}\n</tool_call>';
  conv.addSampled(sample(qwen, `${a1}<|im_end|>`), sample(qwen, `${a1}<|im_end|>`).map(() => 0));
  conv.add({ role: 'tool', content: 'Regen' });
  const p2 = conv.promptTokens();
  const a2 = '<think>\nRain.\n</think>\n\nEs regnet.';
  conv.addSampled(sample(qwen, `${a2}<|im_end|>`), sample(qwen, `${a2}<|im_end|>`).map(() => 0));
  conv.add({ role: 'user', content: 'Danke' });
  const p3 = conv.promptTokens();
  const history = [sys, user, { role: 'assistant', content: a1 }, { role: 'tool', content: 'Regen' }];
  const [e2, e3] = renderWithPython(QWEN3_DIR, [
    { messages: history, tools: TOOLS, add_generation_prompt: true },
    { messages: [...history, { role: 'assistant', content: a2 }, { role: 'user', content: 'Danke' }], tools: TOOLS, add_generation_prompt: true },
  ]);
  assert.deepEqual({ text: qwen.decode(p2) }, e2);
  assert.deepEqual({ text: qwen.decode(p3) }, e3);
});

test('Qwen 3 template kwargs: enable_thinking false opens the generation prompt with an empty think block', () => {
  const r = createRenderer(rendererSpecSchema.parse({ kind: 'hf', dir: QWEN3_DIR, templateKwargs: { enable_thinking: false } }));
  const conv = r.conversation([]);
  conv.add({ role: 'user', content: 'Hi' });
  assert.equal(r.decode(conv.promptTokens()), '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n');
  assert.deepEqual(rendererSpecSchema.parse({ kind: 'hf', dir: QWEN3_DIR }), { kind: 'hf', dir: QWEN3_DIR, templateKwargs: {} });
  const conv2 = qwen.conversation([]);
  conv2.add({ role: 'user', content: 'Hi' });
  assert.equal(qwen.decode(conv2.promptTokens()), '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
});

test('a response cut by the token limit: finish reason length, and the template closes it in the next context', () => {
  const conv = qwen.conversation([]);
  conv.add({ role: 'user', content: 'Count' });
  const p1 = conv.promptTokens();
  const s1 = sample(qwen, 'one two thr');
  const t1 = conv.addSampled(s1, s1.map(() => 0));
  assert.equal(t1.finishReason, 'length');
  assert.equal(t1.message.content, 'one two thr');
  conv.add({ role: 'user', content: 'Go on' });
  const p2 = conv.promptTokens();
  assert.ok(isPrefix([...p1, ...s1], p2));
  assert.equal(qwen.decode(p2.slice(p1.length + s1.length)), '<|im_end|>\n<|im_start|>user\nGo on<|im_end|>\n<|im_start|>assistant\n');
  assert.throws(() => conv.addSampled([qwen.stopTokens[0]!, 5], [0, 0]), /stop token 151645 at position 0 is not the last/);
  assert.throws(() => conv.addSampled([5, 6], [0]), /2 sampled tokens but 1 log-probs/);
});

test('Qwen 3 tool calls: malformed blocks become invalidToolCalls in order, calls inside <think> are not calls', () => {
  const text =
    '<think>\n<tool_call>\n{"name": "ignored", "arguments": {}}\n</tool_call>\n</think>\n\nLet me see.\n' +
    '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>\n' +
    '<tool_call>\n{"name": "get_weather", "arguments": {city: Oslo}}\n</tool_call>\n' +
    '<tool_call>\n{"arguments": {}}\n</tool_call>\n<tool_call>\n{"name": "x"';
  const conv = qwen.conversation(TOOLS);
  conv.add({ role: 'user', content: 'Oslo?' });
  const ids = sample(qwen, `${text}<|im_end|>`);
  const m = conv.addSampled(ids, ids.map(() => 0)).message;
  assert.equal(m.content, 'Let me see.');
  assert.deepEqual(m.toolCalls, [{ name: 'get_weather', arguments: { city: 'Oslo' } }]);
  assert.deepEqual(
    m.invalidToolCalls!.map((c) => [c.index, c.raw]),
    [
      [1, '\n{"name": "get_weather", "arguments": {city: Oslo}}\n'],
      [2, '\n{"arguments": {}}\n'],
      [3, '\n{"name": "x"'],
    ],
  );
  assert.match(m.invalidToolCalls![0]!.error, /^invalid JSON in tool call/);
  assert.equal(m.invalidToolCalls![1]!.error, 'a tool call needs a non-empty string "name"');
  assert.equal(m.invalidToolCalls![2]!.error, '<tool_call> is not closed by </tool_call>');
});

test('DeepSeek V3 tool calls: its special tokens parsed into calls; malformed ones into invalidToolCalls, never thrown', () => {
  const call = (body: string) => `<｜tool▁call▁begin｜>${body}<｜tool▁call▁end｜>`;
  const good = call('function<｜tool▁sep｜>get_weather\n```json\n{"city": "Oslo", "days": 2}\n```');
  const p = DEEPSEEK_V3_TOOL_CALLS.parse;
  assert.deepEqual(p(`Checking.<｜tool▁calls▁begin｜>${good}<｜tool▁calls▁end｜>`), {
    role: 'assistant',
    content: 'Checking.',
    toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo', days: 2 } }],
    invalidToolCalls: [],
  });
  // The model's own template leaves out <｜tool▁calls▁end｜> after a single call: still a call.
  assert.equal(p(`<｜tool▁calls▁begin｜>${good}`).toolCalls!.length, 1);
  const bad = p(
    '<｜tool▁calls▁begin｜>' +
      [
        call('function<｜tool▁sep｜>get_weather\n```json\n{"city": Oslo}\n```'),
        good,
        call('get_weather\n```json\n{}\n```'),
        call('python<｜tool▁sep｜>run\n```json\n{}\n```'),
        call('function<｜tool▁sep｜>get_weather\n{"city": "Oslo"}'),
        call('function<｜tool▁sep｜>get_weather\n```json\n[1, 2]\n```'),
        '<｜tool▁call▁begin｜>function<｜tool▁sep｜>get_wea',
      ].join('\n'),
  );
  assert.deepEqual(bad.toolCalls, [{ name: 'get_weather', arguments: { city: 'Oslo', days: 2 } }]);
  assert.deepEqual(
    bad.invalidToolCalls!.map((c) => [c.index, c.error]),
    [
      [0, 'invalid JSON in the arguments of "get_weather": ' + errorOf(() => JSON.parse('{"city": Oslo}'))],
      [2, 'no <｜tool▁sep｜> between the call\'s type and name'],
      [3, 'the call\'s type is "python", not "function"'],
      [4, 'a call is NAME, a newline, then its arguments in a ```json block'],
      [5, 'the arguments of "get_weather" must be a JSON object'],
      [6, '<｜tool▁call▁begin｜> is not closed by <｜tool▁call▁end｜>'],
    ],
  );
  assert.equal(bad.invalidToolCalls!.at(-1)!.raw, 'function<｜tool▁sep｜>get_wea');
  assert.deepEqual(p('<｜tool▁calls▁begin｜>oops').invalidToolCalls, [{ index: 0, raw: 'oops', error: 'expected <｜tool▁call▁begin｜> in the tool-calls section' }]);
  assert.deepEqual(p('  plain answer  '), { role: 'assistant', content: 'plain answer', toolCalls: [], invalidToolCalls: [] });
});

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('no error');
}

test('DeepSeek V3 rollout: tool outputs and answers extend the sampled ids', () => {
  const conv = deepseek.conversation(TOOLS);
  conv.add({ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Oslo?' });
  const p1 = conv.promptTokens();
  assert.equal(deepseek.decode(p1), '<｜begin▁of▁sentence｜>Be brief.<｜User｜>Oslo?<｜Assistant｜>');
  const callText =
    '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{"city": "Oslo"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>';
  const s1 = sample(deepseek, `${callText}<｜end▁of▁sentence｜>`);
  const t1 = conv.addSampled(s1, s1.map(() => 0));
  assert.deepEqual(t1.message.toolCalls, [{ name: 'get_weather', arguments: { city: 'Oslo' } }]);
  conv.add({ role: 'tool', content: 'cold' }, { role: 'tool', content: 'windy' });
  const p2 = conv.promptTokens();
  assert.ok(isPrefix([...p1, ...s1], p2));
  assert.equal(
    deepseek.decode(p2.slice(p1.length + s1.length)),
    '<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>cold<｜tool▁output▁end｜>\n<｜tool▁output▁begin｜>windy<｜tool▁output▁end｜><｜tool▁outputs▁end｜>',
  );
  const s2 = sample(deepseek, 'Cold and windy.<｜end▁of▁sentence｜>');
  assert.equal(conv.addSampled(s2, s2.map(() => 0)).message.content, 'Cold and windy.');
  assert.ok(isPrefix([...p2, ...s2], conv.tokens()));
});

test('assistant history: written in the model format, as the template renders structured calls (Qwen 3)', () => {
  const m: AssistantMessage = {
    role: 'assistant',
    content: 'Checking both.',
    toolCalls: [
      { name: 'get_weather', arguments: { city: 'Zürich', note: 'say "hi"' } },
      { name: 'get_weather', arguments: { city: 'Oslo' } },
    ],
  };
  const structured = {
    role: 'assistant',
    content: m.content,
    tool_calls: m.toolCalls!.map((c) => ({ type: 'function', function: { name: c.name, arguments: c.arguments } })),
  };
  const user = { role: 'user', content: 'Weather?' } as const;
  assert.equal(qwen.renderText([user, qwen.templateMessage(m)], TOOLS, false), qwen.template.render([user, structured], { tools: TOOLS }));
  const noContent = { ...m, content: '' };
  assert.equal(
    qwen.renderText([user, qwen.templateMessage(noContent)], TOOLS, false),
    qwen.template.render([user, { ...structured, content: '' }], { tools: TOOLS }),
  );
  // An invalid call in history is written back as it was written, in its place among the calls.
  const withInvalid: AssistantMessage = { role: 'assistant', content: '', toolCalls: [m.toolCalls![1]!], invalidToolCalls: [{ index: 0, raw: '\n{bad}\n', error: 'x' }] };
  assert.equal(
    QWEN_TOOL_CALLS.write(withInvalid),
    '<tool_call>\n{bad}\n</tool_call>\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>',
  );
  assert.equal(
    DEEPSEEK_V3_TOOL_CALLS.write(withInvalid),
    '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>\n{bad}\n<｜tool▁call▁end｜>\n<｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{"city": "Oslo"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
  );
  // What the format writes, it parses back.
  for (const format of [QWEN_TOOL_CALLS, DEEPSEEK_V3_TOOL_CALLS]) {
    assert.deepEqual(format.parse(format.write(m)), { ...m, invalidToolCalls: [] }, format.name);
  }
});

const DEMO: ChatMessage[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Oslo?' },
  { role: 'assistant', content: '', toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] },
  { role: 'tool', content: 'cold' },
  { role: 'assistant', content: 'Cold.' },
  { role: 'user', content: 'Bergen?' },
  { role: 'assistant', content: 'Rainy.' },
];

test('supervised example (DeepSeek V3): every assistant message trained, exactly its tokens and stop token', () => {
  const ex = deepseek.supervisedExample(DEMO, TOOLS);
  assert.equal(ex.tokens.length, ex.lossMask.length);
  const trained = deepseek.decode(ex.tokens.filter((_, i) => ex.lossMask[i] === 1));
  assert.equal(
    trained,
    '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{"city": "Oslo"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜><｜end▁of▁sentence｜>' +
      'Cold.<｜end▁of▁sentence｜>Rainy.<｜end▁of▁sentence｜>',
  );
  assert.equal(
    deepseek.decode(ex.tokens),
    '<｜begin▁of▁sentence｜>Be brief.<｜User｜>Oslo?<｜Assistant｜>' +
      '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{"city": "Oslo"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜><｜end▁of▁sentence｜>' +
      '<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>cold<｜tool▁output▁end｜><｜tool▁outputs▁end｜>Cold.<｜end▁of▁sentence｜>' +
      '<｜User｜>Bergen?<｜Assistant｜>Rainy.<｜end▁of▁sentence｜>',
  );
  // The same tokens a rollout that sampled exactly these responses holds.
  const conv = deepseek.conversation(TOOLS);
  const eos = '<｜end▁of▁sentence｜>';
  const replies = [
    '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{"city": "Oslo"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
    'Cold.',
    'Rainy.',
  ];
  conv.add(DEMO[0]!, DEMO[1]!);
  for (const [i, next] of [[0, [DEMO[3]!]], [1, [DEMO[5]!]], [2, []]] as const) {
    const ids = sample(deepseek, replies[i]! + eos);
    conv.addSampled(ids, ids.map(() => 0));
    conv.add(...next);
  }
  assert.deepEqual(conv.tokens(), ex.tokens);
});

test('supervised example (Qwen 3): turns before a history rewrite carry no loss; the last turns are the template rendering', () => {
  const ex = qwen.supervisedExample(DEMO, TOOLS);
  assert.equal(ex.tokens.length, ex.lossMask.length);
  const trained = qwen.decode(ex.tokens.filter((_, i) => ex.lossMask[i] === 1));
  // Only the last assistant message is in the final sequence as the model wrote it: the template renders earlier
  // ones without their (empty) think blocks once they are not last.
  assert.equal(trained, '<think>\n\n</think>\n\nRainy.<|im_end|>');
  assert.equal(qwen.decode(ex.tokens), qwen.template.render([
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Oslo?' },
    { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: { city: 'Oslo' } } }] },
    { role: 'tool', content: 'cold' },
    { role: 'assistant', content: 'Cold.' },
    { role: 'user', content: 'Bergen?' },
    { role: 'assistant', content: 'Rainy.' },
  ], { tools: TOOLS }));
  // A single-turn demonstration trains its one answer.
  const one = qwen.supervisedExample([DEMO[1]!, { role: 'assistant', content: 'Cold.' }], []);
  assert.equal(qwen.decode(one.tokens.filter((_, i) => one.lossMask[i] === 1)), '<think>\n\n</think>\n\nCold.<|im_end|>');
  assert.equal(qwen.decode(one.tokens), '<|im_start|>user\nOslo?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nCold.<|im_end|>\n');
});

test('model directory errors are one clear line; generation_config.json adds stop tokens', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seeupo-hf-'));
  try {
    assert.throws(() => HfRenderer.fromDir(dir), (e: unknown) => e instanceof UserError && e.message === `${dir} has no tokenizer.json`);
    // A small tokenizer with ChatML and <tool_call> tokens (ids: <|endoftext|> 266, <|im_end|> 268) keeps this fast.
    copyFileSync('test/fixtures/tiny-bpe/tokenizer.json', join(dir, 'tokenizer.json'));
    assert.throws(() => HfRenderer.fromDir(dir), (e: unknown) => e instanceof UserError && e.message === `${dir} has no tokenizer_config.json`);
    writeFileSync(join(dir, 'tokenizer_config.json'), '{"eos_token": "<|im_end|>"}');
    assert.throws(() => HfRenderer.fromDir(dir), /has no chat_template .*a base model has no chat format/);
    writeFileSync(join(dir, 'tokenizer_config.json'), '{"eos_token": "<|im_end|>", "chat_template": "{% if %}"}');
    assert.throws(() => HfRenderer.fromDir(dir), (e: unknown) => e instanceof UserError && /the chat template does not parse/.test(e.message));
    writeFileSync(join(dir, 'tokenizer_config.json'), '{"eos_token": "<|im_end|>", "chat_template": "{{ messages[0].content }}"}');
    writeFileSync(join(dir, 'chat_template.jinja'), '{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}');
    writeFileSync(join(dir, 'generation_config.json'), '{"eos_token_id": [268, 266]}');
    const r = HfRenderer.fromDir(dir);
    assert.deepEqual(r.stopTokens, [268, 266]);
    const conv = r.conversation([]);
    conv.add({ role: 'user', content: 'hi' });
    assert.equal(r.decode(conv.promptTokens()), '[user]hi', 'chat_template.jinja takes precedence over tokenizer_config.json');
    writeFileSync(join(dir, 'generation_config.json'), '{"eos_token_id": 999999}');
    assert.throws(() => HfRenderer.fromDir(dir), /eos_token_id 999999 is not a token id/);
    // A template that insists on a system message first (and refuses a user message "boom").
    writeFileSync(
      join(dir, 'chat_template.jinja'),
      "{% if messages[0].role != 'system' %}{{ raise_exception('system first') }}{% endif %}" +
        "{% for m in messages %}{% if m.content == 'boom' %}{{ raise_exception('no ' + m.content) }}{% endif %}[{{ m.role }}]{{ m.content }}<|im_end|>\n{% endfor %}",
    );
    rmSync(join(dir, 'generation_config.json'));
    const strict = HfRenderer.fromDir(dir);
    assert.equal(strict.maxClosingTokens, 2, '<|im_end|> and a newline after a message, found with a system message first');
    const refusing = strict.conversation([]);
    refusing.add({ role: 'system', content: 's' }, { role: 'user', content: 'boom' });
    assert.throws(() => refusing.promptTokens(), (e: unknown) => e instanceof UserError && /refused the conversation: no boom$/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a tokenizer with neither tool-call format is refused with the formats the renderer knows', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seeupo-hf-'));
  try {
    const tokenizer = JSON.parse(readFileSync('test/fixtures/tiny-bpe/tokenizer.json', 'utf8')) as { added_tokens: Array<{ content: string }> };
    tokenizer.added_tokens = tokenizer.added_tokens.filter((t) => !t.content.includes('tool_call'));
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
    writeFileSync(join(dir, 'tokenizer_config.json'), '{"eos_token": "<|im_end|>", "chat_template": "{{ messages }}"}');
    assert.throws(() => HfRenderer.fromDir(dir), (e: unknown) => e instanceof UserError && /neither <tool_call> \(Qwen 3\) nor <｜tool▁calls▁begin｜> \(DeepSeek V3\)/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
